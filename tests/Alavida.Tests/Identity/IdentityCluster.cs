using Alavida.Grains.Data;
using Alavida.Grains.Identity;
using Alavida.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Alavida.Tests.Identity;

/// <summary>A migrated database of its own and one running platform host (silo + gateway) for the identity tests.</summary>
public sealed class IdentityCluster : IAsyncLifetime
{
    private PlatformHost? _host;

    public string ConnectionString { get; private set; } = "";

    public PlatformHost Host => _host ?? throw new InvalidOperationException("Not started.");

    public IIdentityResolverGrain Resolver => Host.Grains.GetGrain<IIdentityResolverGrain>(0);

    public async Task InitializeAsync()
    {
        ConnectionString = await TestPostgres.CreateDatabaseAsync("identity");
        await DatabaseMigrator.MigrateAsync(ConnectionString, NullLogger.Instance);
        _host = await PlatformHost.StartAsync(ConnectionString, ClusterIdentity.New());
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    /// <summary>A domain no other test uses.</summary>
    public static string NewDomain(string label = "co") => $"{label}-{Guid.NewGuid():N}.com";

    public async Task<T> ScalarAsync<T>(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return (T)(await command.ExecuteScalarAsync())!;
    }
}

[CollectionDefinition(Name)]
public sealed class IdentityCollection : ICollectionFixture<IdentityCluster>
{
    public const string Name = "identity";
}
