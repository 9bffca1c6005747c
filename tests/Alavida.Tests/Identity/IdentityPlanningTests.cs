using Alavida.Grains.Identity.Data;
using Alavida.Tests.Foundation;
using Alavida.Tests.Infrastructure;
using Npgsql;

namespace Alavida.Tests.Identity;

/// <summary>
/// The identity pool plans key lookups by index even on a nearly empty table: its prepared statements keep their plan for
/// the connection's life, and a plan made on the nearly empty tables of a fresh install must not scan them once they have grown.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class IdentityPlanningTests(DatabaseFixture database)
{
    [Fact]
    public async Task AKeyLookupOnANearlyEmptyTable_IsPlannedByIndex_InIdentitySessions_AndByScanInOrdinaryOnes()
    {
        await using var identity = new IdentityDatabase(database.ConnectionString);
        await using var ordinary = NpgsqlDataSource.Create(database.ConnectionString);

        Assert.Contains("Index Scan", await PlanAsync(identity.DataSource));
        Assert.DoesNotContain("Index Scan", await PlanAsync(ordinary));
    }

    private static async Task<string> PlanAsync(NpgsqlDataSource dataSource)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        // A table of a few rows, analyzed: what the first minutes of an install look like to the planner.
        await using (var create = new NpgsqlCommand(
            """
            CREATE TEMP TABLE plan_keys (kind text, value text, owner uuid, PRIMARY KEY (kind, value)) ON COMMIT DROP;
            INSERT INTO plan_keys SELECT 'domain', 'c' || g || '.com', gen_random_uuid() FROM generate_series(1, 3) g;
            ANALYZE plan_keys;
            """, connection, tx))
        {
            await create.ExecuteNonQueryAsync();
        }

        await using var explain = new NpgsqlCommand(
            "EXPLAIN SELECT k.owner FROM plan_keys k JOIN unnest(ARRAY['domain'], ARRAY['acme.com']) AS q(kind, value) ON k.kind = q.kind AND k.value = q.value",
            connection, tx);
        var lines = new List<string>();
        await using (var reader = await explain.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                lines.Add(reader.GetString(0));
            }
        }

        await tx.RollbackAsync();
        return string.Join("\n", lines);
    }
}
