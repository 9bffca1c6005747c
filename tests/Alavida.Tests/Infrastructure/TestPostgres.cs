using Alavida.Silo.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Alavida.Tests.Infrastructure;

/// <summary>
/// One PostgreSQL server per test run: the server named by <c>ALAVIDA_TEST_POSTGRES</c> (a connection string whose
/// user may create databases), or else a throwaway cluster started from the local binaries and removed at exit.
/// Each fixture gets a fresh database on it.
/// </summary>
public static class TestPostgres
{
    /// <summary>The environment variable that points the suite at an existing server instead.</summary>
    public const string ConnectionStringVariable = "ALAVIDA_TEST_POSTGRES";

    private static readonly Lazy<Task<string>> Server = new(StartAsync);
    private static int _sequence;

    /// <summary>Creates an empty database with a unique name and returns its connection string.</summary>
    public static async Task<string> CreateDatabaseAsync(string purpose)
    {
        var server = await Server.Value;
        var name = $"t_{purpose}_{Environment.ProcessId}_{Interlocked.Increment(ref _sequence)}".ToLowerInvariant();
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(server) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await create.ExecuteNonQueryAsync();
        return new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
    }

    /// <summary>
    /// Makes the database of <paramref name="connectionString"/> refuse new connections and drops its open ones (to an
    /// application it is gone), or, with <paramref name="reachable"/> true, lets connections in again.
    /// </summary>
    public static async Task SetReachableAsync(string connectionString, bool reachable)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        var admin = new NpgsqlConnectionStringBuilder(connectionString) { Database = "postgres", Pooling = false };
        await using var connection = new NpgsqlConnection(admin.ConnectionString);
        await connection.OpenAsync();
        await using var allow = new NpgsqlCommand($"ALTER DATABASE \"{name}\" WITH ALLOW_CONNECTIONS {(reachable ? "true" : "false")}", connection);
        await allow.ExecuteNonQueryAsync();
        if (!reachable)
        {
            await using var terminate = new NpgsqlCommand(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = @name AND pid <> pg_backend_pid()", connection);
            terminate.Parameters.AddWithValue("name", name);
            await terminate.ExecuteScalarAsync();
        }
        else
        {
            // The tests' own pooled connections to it were killed: forget them rather than fail on each once.
            NpgsqlConnection.ClearAllPools();
        }
    }

    private static async Task<string> StartAsync()
    {
        var configured = Environment.GetEnvironmentVariable(ConnectionStringVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return configured;
        }

        var root = Path.Combine(Path.GetTempPath(), $"alavida-tests-{Guid.NewGuid():N}");
        // Every test collection runs its own hosts (each with its pools) at the same time: room for all of them.
        var server = await LocalPostgres.StartAsync(root, "postgres", deleteOnStop: true, NullLogger.Instance, maxConnections: 500);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.StopDetached();
        server.StopWhenProcessExits(Environment.ProcessId); // also when the test host is killed before its exit handlers run
        return server.ConnectionString;
    }
}
