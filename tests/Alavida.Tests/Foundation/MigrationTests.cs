using Alavida.Grains.Data;
using Alavida.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Alavida.Tests.Foundation;

public sealed class MigrationTests
{
    [Fact]
    public async Task Migrate_CreatesEverySchemaWithItsOwnJournal_AndARerunAppliesNothing()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("migrations");

        var first = await DatabaseMigrator.MigrateAsync(connectionString, NullLogger.Instance);
        var second = await DatabaseMigrator.MigrateAsync(connectionString, NullLogger.Instance);

        Assert.All(DatabaseMigrator.Components, c => Assert.NotEmpty(first[c.Name]));
        Assert.All(DatabaseMigrator.Components, c => Assert.Empty(second[c.Name]));
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        foreach (var component in DatabaseMigrator.Components)
        {
            await using var journal = new NpgsqlCommand(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = @schema AND table_name = @table", connection);
            journal.Parameters.AddWithValue("schema", component.Schema);
            journal.Parameters.AddWithValue("table", DatabaseMigrator.JournalTable);
            Assert.Equal(1L, await journal.ExecuteScalarAsync());
        }

        await using var queries = new NpgsqlCommand("SELECT count(*) FROM orleans.orleansquery", connection);
        Assert.True((long)(await queries.ExecuteScalarAsync())! >= 20, "the Orleans provider queries are registered");
    }

    [Fact]
    public async Task Migrate_FromSeveralProcessesAtOnce_AppliesEachScriptOnce()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("concurrent_migrations");

        var runs = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => DatabaseMigrator.MigrateAsync(connectionString, NullLogger.Instance)));

        foreach (var component in DatabaseMigrator.Components)
        {
            var applied = runs.SelectMany(r => r[component.Name]).ToList();
            Assert.Equal(applied.Distinct().Count(), applied.Count);
            Assert.NotEmpty(applied);
        }
    }
}
