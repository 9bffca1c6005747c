using System.Net;
using System.Net.Sockets;
using Alavida.Silo.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace Alavida.Tests.Infrastructure;

/// <summary>
/// A real platform process in the test: the same composition as the run command (<c>AddAlavidaPlatformAsync</c>),
/// a real silo or gateway on free ports, and real HTTP on a loopback port.
/// </summary>
public sealed class PlatformHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _stopped;

    private PlatformHost(WebApplication app, Uri address, Uri managementAddress)
    {
        _app = app;
        Address = address;
        ManagementAddress = managementAddress;
        Http = new HttpClient { BaseAddress = address };
    }

    /// <summary>The platform admin key every test host is configured with.</summary>
    public const string AdminKey = "test-admin-key-0123456789";

    /// <summary>The HTTP base address.</summary>
    public Uri Address { get; }

    /// <summary>The management listener's address (<c>/metrics</c>, <c>/dashboard</c>).</summary>
    public Uri ManagementAddress { get; }

    /// <summary>A client for this host's HTTP surface.</summary>
    public HttpClient Http { get; }

    /// <summary>The host's services (grain factory, membership, data source…).</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>The grain factory of this silo (or client).</summary>
    public IGrainFactory Grains => _app.Services.GetRequiredService<IGrainFactory>();

    /// <summary>
    /// Starts a host on <paramref name="connectionString"/> in <paramref name="cluster"/> with the given role. Its ports
    /// are free when chosen, but another process (any outgoing connection's ephemeral port) can take one before the
    /// host binds it: then it starts again on other ports.
    /// </summary>
    public static async Task<PlatformHost> StartAsync(
        string connectionString,
        ClusterIdentity cluster,
        HostRole role = HostRole.All,
        IReadOnlyDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? services = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await StartOnceAsync(connectionString, cluster, role, settings, services);
            }
            catch (Exception e) when (attempt < 3 && IsAddressInUse(e))
            {
                // Ports taken between choosing and binding: choose again.
            }
        }
    }

    private static bool IsAddressInUse(Exception? e) =>
        e is not null && (e is Microsoft.AspNetCore.Connections.AddressInUseException
            || e is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse }
            || IsAddressInUse(e.InnerException)
            || e is AggregateException aggregate && aggregate.InnerExceptions.Any(IsAddressInUse));

    private static async Task<PlatformHost> StartOnceAsync(
        string connectionString,
        ClusterIdentity cluster,
        HostRole role,
        IReadOnlyDictionary<string, string?>? settings,
        Action<IServiceCollection>? services)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            EnvironmentName = "Test",
            ContentRootPath = AppContext.BaseDirectory,
        });
        var config = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = connectionString,
            ["Alavida:Role"] = role.ToString(),
            ["Orleans:ClusterId"] = cluster.ClusterId,
            ["Orleans:ServiceId"] = cluster.ServiceId,
            ["Orleans:SiloPort"] = FreePort().ToString(),
            ["Orleans:GatewayPort"] = FreePort().ToString(),
            ["Urls"] = "http://127.0.0.1:0",
            ["Management:Urls"] = $"http://127.0.0.1:{FreePort()}",
            ["Serilog:MinimumLevel:Default"] = "Warning",
            ["Platform:AdminKey"] = AdminKey,
            ["Platform:CreateDevTeam"] = "false",
            // Tests send bursts from one key and one address; the limits have tests of their own (RateLimitTests).
            ["RateLimits:PerKey:Burst"] = "0",
            ["RateLimits:Anonymous:Burst"] = "0",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            config[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(config);
        services?.Invoke(builder.Services);
        await builder.AddAlavidaPlatformAsync(silo => silo.Services.AddSerializer(s => s.AddAssembly(typeof(PlatformHost).Assembly)));

        var app = builder.Build();
        app.MapAlavidaPlatform();
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync(); // what did start (the silo) stops again before a retry
            throw;
        }

        var management = new Uri(config["Management:Urls"]!);
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses
            .Select(a => new Uri(a)).First(a => a.Port != management.Port);
        return new PlatformHost(app, address, management);
    }

    /// <summary>Stops the host gracefully (the silo leaves the cluster and hands its grains over).</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            Http.Dispose();
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    /// <summary>
    /// Stops the host as a crash would: the silo neither leaves the cluster nor hands its grains over, so the other silos
    /// learn of its death only from their membership probes.
    /// </summary>
    public async Task KillAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            Http.Dispose();
            await _app.StopAsync(new CancellationToken(canceled: true));
            await _app.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>A cluster identity unique to a test, so tests can share a database without seeing each other.</summary>
public sealed record ClusterIdentity(string ClusterId, string ServiceId)
{
    public static ClusterIdentity New() => new($"c-{Guid.NewGuid():N}", $"s-{Guid.NewGuid():N}");
}
