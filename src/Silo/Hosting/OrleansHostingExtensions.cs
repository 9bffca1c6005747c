using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Net.Sockets;
using Alavida.Api.Health;
using Alavida.Api.Hosting;
using Alavida.Grains;
using Alavida.Grains.Billing;
using Alavida.Grains.Data;
using Alavida.Grains.Platform;
using Alavida.Grains.Identity;
using Alavida.Grains.MeetingAnalysis;
using Alavida.Grains.Meetings;
using Alavida.Grains.Mesh;
using Alavida.Grains.Prospect;
using Alavida.Grains.Webhooks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using Orleans.Configuration;
using Orleans.Dashboard;

namespace Alavida.Silo.Hosting;

public static class OrleansHostingExtensions
{
    /// <summary>The ADO.NET invariant Orleans uses for PostgreSQL.</summary>
    public const string Invariant = "Npgsql";

    /// <summary>
    /// Hosts Orleans on PostgreSQL: a silo (roles <c>All</c> and <c>Silo</c>) or a client (role <c>Gateway</c>), with
    /// ADO.NET clustering, grain storage and reminders on our own tables in schema <c>orleans</c>.
    /// </summary>
    /// <param name="builder">The host builder; <see cref="DatabaseHostingExtensions.AddAlavidaDatabaseAsync"/> runs first.</param>
    /// <param name="configureSilo">Extra silo configuration (tests add their grains here).</param>
    public static WebApplicationBuilder AddAlavidaOrleans(this WebApplicationBuilder builder, Action<ISiloBuilder>? configureSilo = null)
    {
        var alavida = BindAndValidate<AlavidaOptions>(builder, AlavidaOptions.SectionName);
        var cluster = BindAndValidate<OrleansClusterOptions>(builder, OrleansClusterOptions.SectionName);
        BindAndValidate<JobOptions>(builder, JobOptions.SectionName);
        BindAndValidate<WebhookOptions>(builder, WebhookOptions.SectionName);
        var connectionString = PostgresPool.WithKeepAlive(new NpgsqlConnectionStringBuilder(builder.Configuration.GetConnectionString(DatabaseHostingExtensions.ConnectionStringName))
        {
            SearchPath = "orleans",
        }).ConnectionString;

        var health = builder.Services.AddHealthChecks();
        const string clusterCheck = "orleans-cluster";
        if (alavida.Role == HostRole.Gateway)
        {
            health.AddCheck<ClusterHealthCheck>(clusterCheck, HealthStatus.Unhealthy, [ApiExtensions.ReadyTag], ApiExtensions.HealthCheckTimeout);
            builder.UseOrleansClient(client =>
            {
                client.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (cluster.ClusterId, cluster.ServiceId));
                client.UseAdoNetClustering(o => (o.Invariant, o.ConnectionString) = (Invariant, connectionString));
                client.AddOutgoingGrainCallFilter<GrainCallTracing>();
                client.AddDashboard();
                client.UseConnectionRetryFilter<GatewayConnectionRetryFilter>();
            });
            return builder;
        }

        health.AddCheck<SiloMembershipHealthCheck>(clusterCheck, HealthStatus.Unhealthy, [ApiExtensions.ReadyTag], ApiExtensions.HealthCheckTimeout);
        var advertised = ResolveAddress(cluster.AdvertisedAddress);
        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (cluster.ClusterId, cluster.ServiceId));
            silo.ConfigureEndpoints(advertised, cluster.SiloPort, cluster.GatewayPort, listenOnAnyHostAddress: !IPAddress.IsLoopback(advertised));
            silo.Configure<ClusterMembershipOptions>(builder.Configuration.GetSection($"{OrleansClusterOptions.SectionName}:Membership"));
            silo.UseAdoNetClustering(o => (o.Invariant, o.ConnectionString) = (Invariant, connectionString));
            silo.AddAdoNetGrainStorage(StorageNames.Main, o => (o.Invariant, o.ConnectionString) = (Invariant, connectionString));
            silo.UseSystemTextJsonGrainStorageSerializer();
            silo.UseAdoNetReminderService(o => (o.Invariant, o.ConnectionString) = (Invariant, connectionString));
            silo.AddIncomingGrainCallFilter<GrainCallTracing>();
            silo.AddOutgoingGrainCallFilter<GrainCallTracing>();
            silo.AddDashboard();
            silo.Services.AddAlavidaPlatformGrains(builder.Configuration.GetConnectionString(DatabaseHostingExtensions.ConnectionStringName)!);
            silo.AddStartupTask((services, _) => services.GetRequiredService<IGrainFactory>().GetGrain<IJobReconcilerGrain>(0).StartAsync());
            var platformDatabase = builder.Configuration.GetConnectionString(DatabaseHostingExtensions.ConnectionStringName)!;
            silo.Services.AddAlavidaIdentity(platformDatabase);
            silo.AddStartupTask((services, _) => services.GetRequiredService<IGrainFactory>().GetGrain<IIdentityOutboxRelayGrain>(0).StartAsync());
            silo.AddAlavidaMesh(platformDatabase);
            silo.Services.AddAlavidaProspect(builder.Configuration);
            silo.Services.AddAlavidaMeetings(builder.Configuration);
            silo.Services.AddAlavidaMeetingAnalysis(builder.Configuration);
            silo.Services.AddAlavidaBilling();
            silo.Services.AddAlavidaWebhooks();
            silo.AddStartupTask((services, _) => services.GetRequiredService<IGrainFactory>().GetGrain<IPlatformOutboxRelayGrain>(0).StartAsync());
            silo.Services.AddAlavidaReasoning(builder.Configuration);
            configureSilo?.Invoke(silo);
        });
        return builder;
    }

    /// <summary>Binds a section for injection (validated on start) and returns it validated now, naming any bad key.</summary>
    private static T BindAndValidate<T>(WebApplicationBuilder builder, string section)
        where T : class, new()
    {
        builder.Services.AddOptions<T>().BindConfiguration(section).ValidateDataAnnotations().ValidateOnStart();
        var value = builder.Configuration.GetSection(section).Get<T>() ?? new T();
        var errors = new List<ValidationResult>();
        if (!Validator.TryValidateObject(value, new ValidationContext(value), errors, validateAllProperties: true))
        {
            var detail = string.Join("; ", errors.Select(e => $"{section}:{string.Join(',', e.MemberNames)}: {e.ErrorMessage}"));
            throw new InvalidOperationException($"Invalid configuration: {detail}");
        }

        return value;
    }

    private static IPAddress ResolveAddress(string address)
    {
        if (IPAddress.TryParse(address, out var ip))
        {
            return ip;
        }

        return Dns.GetHostAddresses(address).FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork)
            ?? throw new InvalidOperationException($"Orleans:AdvertisedAddress '{address}' does not resolve to an IPv4 address.");
    }
}
