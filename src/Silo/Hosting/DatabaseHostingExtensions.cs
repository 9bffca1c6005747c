using Alavida.Grains.Data;
using Microsoft.Extensions.Options;
using Npgsql;
using Serilog.Extensions.Logging;

namespace Alavida.Silo.Hosting;

public static partial class DatabaseHostingExtensions
{
    /// <summary>The connection string name: <c>ConnectionStrings:Postgres</c> (env <c>ConnectionStrings__Postgres</c>).</summary>
    public const string ConnectionStringName = "Postgres";

    /// <summary>
    /// Makes PostgreSQL available: the configured <c>ConnectionStrings:Postgres</c>, or else a local server started
    /// from the installed binaries (stopped again when the host stops). Registers the shared
    /// <see cref="NpgsqlDataSource"/> and, on silo roles, the start-up migrations.
    /// </summary>
    public static async Task<WebApplicationBuilder> AddAlavidaDatabaseAsync(this WebApplicationBuilder builder)
    {
        if (builder.Services.Any(s => s.ServiceType == typeof(NpgsqlDataSource)))
        {
            return builder;
        }

        var options = builder.Configuration.GetSection(AlavidaOptions.SectionName).Get<AlavidaOptions>() ?? new AlavidaOptions();
        var connectionString = builder.Configuration.GetConnectionString(ConnectionStringName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            using var loggerFactory = new SerilogLoggerFactory(Serilog.Log.Logger);
            var logger = loggerFactory.CreateLogger<LocalPostgres>();
            var directory = RepositoryPaths.Resolve(options.LocalPostgresDirectory);
            LocalPostgres server;
            try
            {
                server = await LocalPostgres.StartAsync(directory, "alavida", deleteOnStop: false, logger);
            }
            catch (PostgresDirectoryUnreachableException ex)
            {
                // Running as root from a folder the postgres user cannot enter: keep the data in a stable temp folder.
                var fallback = Path.Combine(Path.GetTempPath(), $"alavida-postgres-{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(directory)))[..12]}");
                Log.DataDirectoryFallback(logger, ex.Message, fallback);
                server = await LocalPostgres.StartAsync(fallback, "alavida", deleteOnStop: false, logger);
            }

            connectionString = server.ConnectionString;
            builder.Configuration[$"ConnectionStrings:{ConnectionStringName}"] = connectionString;
            builder.Services.AddSingleton(server);
            // Normally stopped with the host (below); this also covers a host that fails to start.
            AppDomain.CurrentDomain.ProcessExit += (_, _) => server.StopDetached();
            builder.Services.AddHostedService<LocalPostgresLifetime>();
        }

        builder.Services.AddSingleton(_ => PostgresPool.Create(connectionString));
        if (options.Role != HostRole.Gateway && options.MigrateOnStart)
        {
            builder.Services.AddHostedService<MigrationHostedService>();
        }

        return builder;
    }

    /// <summary>Applies migrations before the silo starts (hosted services start in registration order).</summary>
    private sealed class MigrationHostedService(IConfiguration configuration, IOptions<AlavidaOptions> options, ILogger<MigrationHostedService> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) =>
            DatabaseMigrator.MigrateAsync(configuration.GetConnectionString(ConnectionStringName)!, logger, cancellationToken, options.Value.ContractMigrations);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <summary>Stops the local server after everything else (the silo leaves the cluster through it) has stopped.</summary>
    private sealed class LocalPostgresLifetime(LocalPostgres server) : IHostedLifecycleService
    {
        public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StoppedAsync(CancellationToken cancellationToken) => server.StopAsync();
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "{Reason} Using {Fallback} instead; set Alavida:LocalPostgresDirectory to choose.")]
        public static partial void DataDirectoryFallback(ILogger logger, string reason, string fallback);
    }
}
