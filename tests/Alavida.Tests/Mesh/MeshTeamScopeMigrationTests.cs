using System.Text.Json;
using Alavida.Grains.Data;
using Alavida.Grains.Mesh;
using Alavida.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Alavida.Tests.Mesh;

/// <summary>
/// mesh/0005 scopes waits and idempotency keys per team by expand → contract (ADR 0007): a database of the previous
/// release keeps its waits and keys in their run's team, the previous release's writes still land (and in their
/// run's team) while both releases run, and this release's code works on the expanded schema before the contract.
/// </summary>
public sealed class MeshTeamScopeMigrationTests
{
    private const string Expand = "0005_team_scope.sql";
    private const string Contract = "0006_contract_team_scope.sql";

    [Fact]
    public async Task APreviousReleasesMeshDatabase_IsExpandedAndContracted_KeepingWaitsAndKeysInTheirRunsTeam()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("mesh_expand");
        await using var db = NpgsqlDataSource.Create(connectionString);
        await PreviousReleaseAsync(db);
        var (runA, runNone, runB, runB2) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        await ExecuteAsync(db, $"""
            INSERT INTO mesh.runs (run_id, function_id, event_id, status, trace_id, team_id, created_at)
                VALUES ('{runA}', 'f', 'e-a', 'waiting', 't', 'team-a', now()), ('{runNone}', 'f', 'e-none', 'waiting', 't', NULL, now());
            INSERT INTO mesh.waits (run_id, step_id, kind, event_name, match_path, match_value, expires_at)
                VALUES ('{runA}', 'w', 'wait', 'x/approved', NULL, NULL, NULL), ('{runNone}', 'w', 'wait', 'x/approved', NULL, NULL, NULL);
            INSERT INTO mesh.idempotency (function_id, key, run_id, expires_at) VALUES ('f', 'k-before', '{runA}', now() + interval '1 day');
            """);

        var expanded = await DatabaseMigrator.MigrateAsync(connectionString, NullLogger.Instance, contract: false);

        Assert.Equal([Expand], expanded["mesh"]);
        Assert.Equal("team-a", await TeamAsync(db, $"SELECT team_id FROM mesh.waits WHERE run_id = '{runA}'"));
        Assert.Null(await TeamAsync(db, $"SELECT team_id FROM mesh.waits WHERE run_id = '{runNone}'"));
        Assert.Equal("team-a", await TeamAsync(db, "SELECT team_id FROM mesh.idempotency WHERE key = 'k-before'"));

        // While both releases run, the previous one's statements (no team in waits or keys) still work: a new run with
        // its cancelOn wait in one statement, a WaitForEvent of a stored run, and a key claimed before its run is stored.
        await ExecuteAsync(db, $"""
            WITH r AS (
                INSERT INTO mesh.runs (run_id, function_id, event_id, status, trace_id, team_id, created_at)
                VALUES ('{runB}', 'f', 'e-b', 'queued', 't', 'team-b', now()) ON CONFLICT (run_id) DO NOTHING RETURNING run_id)
            INSERT INTO mesh.waits (run_id, step_id, kind, event_name, match_path, match_value, expires_at)
            SELECT w.run_id, 'cancel:0', 'cancel', 'x/stop', NULL, NULL, NULL FROM (VALUES ('{runB}'::uuid)) w(run_id) JOIN r ON r.run_id = w.run_id
            ON CONFLICT (run_id, step_id) DO NOTHING;
            INSERT INTO mesh.waits (run_id, step_id, kind, event_name, match_path, match_value, expires_at) VALUES ('{runA}', 'w2', 'wait', 'x/go', NULL, NULL, NULL);
            """);
        Assert.Equal(runB2, await ScalarAsync<Guid>(db, $"""
            INSERT INTO mesh.idempotency (function_id, key, run_id, expires_at) VALUES ('f', 'k-during', '{runB2}', now() + interval '1 day')
            ON CONFLICT (function_id, key) DO UPDATE SET run_id = excluded.run_id, expires_at = excluded.expires_at
            WHERE mesh.idempotency.expires_at <= now()
            RETURNING run_id
            """));
        await ExecuteAsync(db, $"INSERT INTO mesh.runs (run_id, function_id, event_id, status, trace_id, team_id, created_at) VALUES ('{runB2}', 'f', 'e-b2', 'queued', 't', 'team-b', now())");
        Assert.Equal("team-b", await TeamAsync(db, $"SELECT team_id FROM mesh.waits WHERE run_id = '{runB}'"));
        Assert.Equal("team-a", await TeamAsync(db, $"SELECT team_id FROM mesh.waits WHERE run_id = '{runA}' AND step_id = 'w2'"));
        var rows = await CountsAsync(db);

        var contracted = await DatabaseMigrator.MigrateAsync(connectionString, NullLogger.Instance);
        var again = await DatabaseMigrator.MigrateAsync(connectionString, NullLogger.Instance);

        Assert.Equal([Contract], contracted["mesh"]);
        Assert.Empty(again["mesh"]);
        Assert.Equal(rows, await CountsAsync(db));
        Assert.Equal("team-b", await TeamAsync(db, "SELECT team_id FROM mesh.idempotency WHERE key = 'k-during'"));
        Assert.Equal(0L, await ScalarAsync<long>(db, "SELECT count(*) FROM pg_trigger WHERE tgname = 'waits_team_of_run'"));
        Assert.Equal(["idempotency_function_key_team_key", "waits_event_team", "waits_pkey"], await IndexesAsync(db));

        // A key is now claimed per team: another team may hold it, the same team (or no team) only once.
        await ExecuteAsync(db, $"INSERT INTO mesh.idempotency (function_id, key, team_id, run_id, expires_at) VALUES ('f', 'k-before', 'team-b', '{Guid.NewGuid()}', now())");
        await ExecuteAsync(db, $"INSERT INTO mesh.idempotency (function_id, key, team_id, run_id, expires_at) VALUES ('f', 'k-before', NULL, '{Guid.NewGuid()}', now())");
        foreach (var team in new[] { "'team-a'", "NULL" })
        {
            var duplicate = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(db,
                $"INSERT INTO mesh.idempotency (function_id, key, team_id, run_id, expires_at) VALUES ('f', 'k-before', {team}, '{Guid.NewGuid()}', now())"));
            Assert.Equal(PostgresErrorCodes.UniqueViolation, duplicate.SqlState);
        }
    }

    [Fact]
    public async Task ThisReleasesCode_ScopesWaitsOnTheExpandedSchema_AndKeysOnceContracted_WhileItRuns()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("mesh_expanded");
        await DatabaseMigrator.MigrateAsync(connectionString, NullLogger.Instance, contract: false);
        await using var host = await MeshHost.StartAsync(connectionString, Functions(), new FakeTimeProvider(DateTimeOffset.UtcNow),
            settings: new Dictionary<string, string?> { ["Alavida:ContractMigrations"] = "false" });
        var (a, b) = ($"team-a-{Guid.NewGuid():N}", $"team-b-{Guid.NewGuid():N}");

        var waiting = host.When("expanded-waiter", RunStatus.Waiting);
        await host.SendAsync("expanded/order", new { order_id = "o-1" }, a);
        var run = (await waiting.Within(MeshHost.Limit, "the run to wait")).RunId;
        var done = host.Monitor.WaitAsync(c => c.RunId == run && RunStatus.IsFinal(c.Status));
        await host.SendAsync("expanded/approved", new { order_id = "o-1", by = b }, b);
        Assert.Equal(1L, await host.ScalarAsync("SELECT count(*) FROM mesh.waits WHERE run_id = @run", ("run", run)));
        await host.SendAsync("expanded/approved", new { order_id = "o-1", by = a }, a);
        await done.Within(MeshHost.Limit, "the run to resume");
        Assert.Equal($"\"{a}\"", (await host.Mesh.GetRunAsync(run, null))!.OutputJson);

        // Before the contract the previous release's platform-wide key still holds: another team's event with the same
        // key is accepted (no error from the old key) but starts no run; the same team's second neither.
        await host.SendAsync("expanded/idem", new { key = "k" }, a);
        await host.SendAsync("expanded/idem", new { key = "k" }, a);
        await host.SendAsync("expanded/idem", new { key = "k" }, b);
        Assert.Equal(1L, await RunsAsync(host, a));
        Assert.Equal(0L, await RunsAsync(host, b));

        // The contract applied while this release runs (a silo started with ContractMigrations true): keys per team.
        Assert.Equal([Contract], (await DatabaseMigrator.MigrateAsync(connectionString, NullLogger.Instance))["mesh"]);
        await host.SendAsync("expanded/idem", new { key = "k" }, b);
        await host.SendAsync("expanded/idem", new { key = "k" }, b);
        await host.SendAsync("expanded/idem", new { key = "k" }, a);
        Assert.Equal(1L, await RunsAsync(host, a));
        Assert.Equal(1L, await RunsAsync(host, b));
    }

    private static IEnumerable<MeshFunctionDefinition> Functions() =>
    [
        new()
        {
            Id = "expanded-waiter",
            Triggers = [MeshTrigger.OnEvent("expanded/order")],
            Handler = async ctx =>
            {
                var approval = await ctx.WaitForEvent("approval", "expanded/approved", TimeSpan.FromHours(1), match: "data.order_id");
                return approval is null ? null : JsonDocument.Parse(approval.DataJson).RootElement.GetProperty("by").GetString();
            },
        },
        new()
        {
            Id = "expanded-idempotent",
            Triggers = [MeshTrigger.OnEvent("expanded/idem")],
            Idempotency = "event.data.key",
            Handler = ctx => Task.FromResult<object?>("ran"),
        },
    ];

    private static Task<long> RunsAsync(MeshHost host, string team) =>
        host.ScalarAsync("SELECT count(*) FROM mesh.runs WHERE function_id = 'expanded-idempotent' AND team_id = @team", ("team", team));

    /// <summary>The mesh schema as the previous release left it: scripts 0001–0004 applied and journaled as DbUp journals them.</summary>
    private static async Task PreviousReleaseAsync(NpgsqlDataSource db)
    {
        var assembly = typeof(DatabaseMigrator).Assembly;
        var names = assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith("Alavida.Grains.Migrations.mesh.", StringComparison.Ordinal) && string.CompareOrdinal(n["Alavida.Grains.Migrations.mesh.".Length..], "0005") < 0)
            .Order(StringComparer.Ordinal).ToList();
        Assert.Equal(4, names.Count);
        await ExecuteAsync(db, $"""
            CREATE SCHEMA mesh;
            CREATE TABLE mesh.schema_versions (schemaversionsid serial PRIMARY KEY, scriptname character varying(255) NOT NULL, applied timestamp without time zone NOT NULL);
            """);
        foreach (var name in names)
        {
            using var reader = new StreamReader(assembly.GetManifestResourceStream(name)!);
            await ExecuteAsync(db, $"""
                SET search_path TO mesh;
                {await reader.ReadToEndAsync()}
                INSERT INTO mesh.schema_versions (scriptname, applied) VALUES ('{name}', now());
                RESET search_path;
                """);
        }
    }

    private static async Task<string> CountsAsync(NpgsqlDataSource db) =>
        $"{await ScalarAsync<long>(db, "SELECT count(*) FROM mesh.waits")},{await ScalarAsync<long>(db, "SELECT count(*) FROM mesh.idempotency")}";

    private static async Task<List<string>> IndexesAsync(NpgsqlDataSource db)
    {
        await using var command = db.CreateCommand("SELECT indexname FROM pg_indexes WHERE schemaname = 'mesh' AND tablename IN ('waits', 'idempotency') ORDER BY indexname");
        var names = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    private static async Task<string?> TeamAsync(NpgsqlDataSource db, string sql)
    {
        await using var command = db.CreateCommand(sql);
        return await command.ExecuteScalarAsync() as string;
    }

    private static async Task ExecuteAsync(NpgsqlDataSource db, string sql)
    {
        await using var command = db.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlDataSource db, string sql)
    {
        await using var command = db.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
