using Alavida.Grains.Data;
using Microsoft.Extensions.Logging.Abstractions;

namespace Alavida.Tests.Infrastructure;

/// <summary>A fresh, migrated database for one test collection.</summary>
public sealed class DatabaseFixture : IAsyncLifetime
{
    public string ConnectionString { get; private set; } = "";

    public async Task InitializeAsync()
    {
        ConnectionString = await TestPostgres.CreateDatabaseAsync("cluster");
        await DatabaseMigrator.MigrateAsync(ConnectionString, NullLogger.Instance);
    }

    public Task DisposeAsync() => Task.CompletedTask;
}
