using System.Net;
using System.Net.Http.Json;
using Alavida.Grains.Data;
using Alavida.Tests.Gateway;
using Alavida.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Alavida.Tests.Foundation;

/// <summary>
/// The quantum tables' company and person columns take the seed's names (polyseme_company_id, polyseme_person_id) by
/// expand → migrate → contract (ADR 0007): an existing database keeps every row, the previous release's writes land
/// while both run, and the contract step waits for Alavida:ContractMigrations.
/// </summary>
public sealed class ExpandContractTests
{
    private static readonly string[] Quantums = ["icp_discovery", "lead_discovery", "buying_signals"];

    private static readonly (string Table, string[] Old)[] Tables =
    [
        ("icp_discovery.qualifications", ["company_id"]),
        ("lead_discovery.people", ["company_id", "person_id"]),
        ("lead_discovery.leads", ["company_id", "person_id"]),
        ("buying_signals.signals", ["company_id"]),
        ("buying_signals.scores", ["company_id"]),
    ];

    [Fact]
    public async Task ADatabaseOfThePreviousRelease_IsExpandedMigratedAndContracted_KeepingEveryRow()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("expand_contract");
        await using var db = NpgsqlDataSource.Create(connectionString);
        await PreviousReleaseAsync(db, Quantums);
        var (team, company, person) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        await WriteAsPreviousReleaseAsync(db, team, company, person, "before");

        var expanded = await DatabaseMigrator.MigrateAsync(connectionString, NullLogger.Instance, contract: false);

        // icp_discovery's 0004 (qualification status, an expand-only change) needs nothing held back: it applies now too.
        Assert.All(Quantums, q => Assert.Equal(
            q == "icp_discovery" ? ["0002_polyseme_ids_expand.sql", "0004_qualification_status.sql"] : ["0002_polyseme_ids_expand.sql"], expanded[q]));
        foreach (var (table, old) in Tables)
        {
            foreach (var column in old)
            {
                Assert.Equal(0L, await ScalarAsync<long>(db, $"SELECT count(*) FROM {table} WHERE polyseme_{column} IS DISTINCT FROM {column}"));
            }
        }

        // While both releases run: the previous one writes the old columns, this one the new; both land whole.
        var (newCompany, newPerson) = (Guid.NewGuid(), Guid.NewGuid());
        await WriteAsPreviousReleaseAsync(db, team, company, person, "during");
        await ExecuteAsync(db, $"""
            INSERT INTO lead_discovery.people (team_id, polyseme_company_id, polyseme_person_id, name, source) VALUES ('{team}', '{newCompany}', '{newPerson}', 'New Code', 'ingested');
            INSERT INTO buying_signals.signals (id, team_id, polyseme_company_id, type, observed_at, strength, evidence, fingerprint, trace_id)
                VALUES ('{Guid.NewGuid()}', '{team}', '{newCompany}', 'hiring', now(), 0.5, 'new', '\x02', 't');
            """);
        Assert.Equal(newPerson, await ScalarAsync<Guid>(db, $"SELECT person_id FROM lead_discovery.people WHERE polyseme_person_id = '{newPerson}'"));
        Assert.Equal(newCompany, await ScalarAsync<Guid>(db, $"SELECT company_id FROM buying_signals.signals WHERE evidence = 'new'"));
        var rows = await CountRowsAsync(db);

        var contracted = await DatabaseMigrator.MigrateAsync(connectionString, NullLogger.Instance);
        var again = await DatabaseMigrator.MigrateAsync(connectionString, NullLogger.Instance);

        Assert.All(Quantums, q => Assert.Equal(["0003_contract_polyseme_ids.sql"], contracted[q]));
        Assert.All(Quantums, q => Assert.Empty(again[q]));
        Assert.Equal(rows, await CountRowsAsync(db));
        foreach (var (table, old) in Tables)
        {
            var (schema, name) = (table.Split('.')[0], table.Split('.')[1]);
            var columns = await ColumnsAsync(db, schema, name);
            Assert.All(old, c => Assert.DoesNotContain(c, columns));
            Assert.All(old, c => Assert.Contains($"polyseme_{c}", columns));
        }

        Assert.Equal(company, await ScalarAsync<Guid>(db, "SELECT polyseme_company_id FROM icp_discovery.qualifications WHERE reasoner = 'before'"));
        // The uniqueness the previous release had holds on the new columns.
        var duplicate = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(db,
            $"INSERT INTO lead_discovery.people (team_id, polyseme_company_id, polyseme_person_id, name, source) VALUES ('{team}', '{newCompany}', '{newPerson}', 'Twice', 'ingested')"));
        Assert.Equal(PostgresErrorCodes.UniqueViolation, duplicate.SqlState);
    }

    [Fact]
    public async Task ThisReleasesCode_RunsOnTheExpandedSchema_BeforeTheContract()
    {
        await using var platform = await ExpandedOnlyPlatform.StartAsync("expanded_only");
        var (connectionString, team, http) = (platform.ConnectionString, platform.Team, platform.Team.Http);

        var job = await team.RunToSuccessAsync("/lead-discovery/run/ingest", new { company = new { domain = "expanded-schema.com" }, people = new[] { new { name = "Ada Lovelace", title = "CTO", email = "ada@expanded-schema.com" } } });
        var response = await http.GetAsync("/lead-discovery/data/people");
        var people = await response.ReadJsonAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(job.GetProperty("result").GetProperty("company_id").GetString(), Assert.Single(people.GetProperty("items").EnumerateArray()).GetProperty("company_id").GetString());
        await using var db = NpgsqlDataSource.Create(connectionString);
        Assert.Equal(0L, await ScalarAsync<long>(db, "SELECT count(*) FROM lead_discovery.people WHERE company_id IS DISTINCT FROM polyseme_company_id OR person_id IS DISTINCT FROM polyseme_person_id"));
        Assert.Equal(1L, await ScalarAsync<long>(db, "SELECT count(*) FROM lead_discovery.schema_versions WHERE scriptname LIKE '%0002_polyseme_ids_expand.sql'"));
        Assert.Equal(0L, await ScalarAsync<long>(db, "SELECT count(*) FROM lead_discovery.schema_versions WHERE scriptname LIKE '%contract%'"));
    }

    /// <summary>The components' schemas as the previous release left them: their first script applied and journaled as DbUp journals it.</summary>
    internal static async Task PreviousReleaseAsync(NpgsqlDataSource db, IEnumerable<string> components)
    {
        var assembly = typeof(DatabaseMigrator).Assembly;
        foreach (var quantum in components)
        {
            var name = assembly.GetManifestResourceNames().Single(n => n.StartsWith($"Alavida.Grains.Migrations.{quantum}.0001_", StringComparison.Ordinal));
            using var reader = new StreamReader(assembly.GetManifestResourceStream(name)!);
            await ExecuteAsync(db, $"""
                CREATE SCHEMA {quantum};
                SET search_path TO {quantum};
                {await reader.ReadToEndAsync()}
                CREATE TABLE {quantum}.schema_versions (schemaversionsid serial PRIMARY KEY, scriptname character varying(255) NOT NULL, applied timestamp without time zone NOT NULL);
                INSERT INTO {quantum}.schema_versions (scriptname, applied) VALUES ('{name}', now());
                RESET search_path;
                """);
        }
    }

    /// <summary>A row in every table, written with the old column names (as the previous release's code does).</summary>
    private static Task WriteAsPreviousReleaseAsync(NpgsqlDataSource db, Guid team, Guid company, Guid person, string tag) => ExecuteAsync(db, $"""
        INSERT INTO icp_discovery.qualifications (id, team_id, trace_id, company_id, company, qualified, score, min_score, passed_criteria, failed_criteria, reasons, reasoner)
            VALUES ('{Guid.NewGuid()}', '{team}', '{tag}', '{company}', '{"{}"}', true, 90, 50, '[]', '[]', '[]', '{tag}');
        INSERT INTO lead_discovery.people (team_id, company_id, person_id, name, source) VALUES ('{team}', '{company}', '{Guid.NewGuid()}', '{tag}', 'ingested');
        INSERT INTO lead_discovery.leads (id, team_id, trace_id, company_id, person_id, name, source, match_score, match_reasons)
            VALUES ('{Guid.NewGuid()}', '{team}', '{tag}', '{company}', '{person}', '{tag}', 'ingested', 80, '[]');
        INSERT INTO buying_signals.signals (id, team_id, company_id, type, observed_at, strength, evidence, fingerprint, trace_id)
            VALUES ('{Guid.NewGuid()}', '{team}', '{company}', 'hiring', now(), 0.5, '{tag}', decode(md5('{tag}'), 'hex'), '{tag}');
        INSERT INTO buying_signals.scores (id, team_id, trace_id, company_id, score, tier, signal_count, evidence, reasons, reasoner, scored_at)
            VALUES ('{Guid.NewGuid()}', '{team}', '{tag}', '{company}', 70, 'warm', 1, '[]', '[]', '{tag}', now());
        """);

    private static async Task<string> CountRowsAsync(NpgsqlDataSource db)
    {
        var counts = new List<long>();
        foreach (var (table, _) in Tables)
        {
            counts.Add(await ScalarAsync<long>(db, $"SELECT count(*) FROM {table}"));
        }

        return string.Join(",", counts);
    }

    private static async Task<List<string>> ColumnsAsync(NpgsqlDataSource db, string schema, string table)
    {
        await using var command = db.CreateCommand("SELECT column_name FROM information_schema.columns WHERE table_schema = @schema AND table_name = @table");
        command.Parameters.AddWithValue("schema", schema);
        command.Parameters.AddWithValue("table", table);
        var columns = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            columns.Add(reader.GetString(0));
        }

        return columns;
    }

    internal static async Task ExecuteAsync(NpgsqlDataSource db, string sql)
    {
        await using var command = db.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    internal static async Task<T> ScalarAsync<T>(NpgsqlDataSource db, string sql)
    {
        await using var command = db.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}

/// <summary>
/// The platform of this release on a new database whose contract scripts are held back (<c>Alavida:ContractMigrations</c>
/// false: the middle of a rolling upgrade), with a team of its own.
/// </summary>
internal sealed class ExpandedOnlyPlatform : IAsyncDisposable
{
    private readonly PlatformHost _host;

    private ExpandedOnlyPlatform(string connectionString, PlatformHost host, TestTeam team) => (ConnectionString, _host, Team) = (connectionString, host, team);

    public string ConnectionString { get; }

    public TestTeam Team { get; }

    public static async Task<ExpandedOnlyPlatform> StartAsync(string database)
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync(database);
        var host = await PlatformHost.StartAsync(connectionString, ClusterIdentity.New(), settings: new Dictionary<string, string?> { ["Alavida:ContractMigrations"] = "false" });
        using var admin = new HttpClient { BaseAddress = host.Address, DefaultRequestHeaders = { { "Authorization", $"Bearer {PlatformHost.AdminKey}" } } };
        var created = await (await admin.PostAsJsonAsync("/admin/teams", new { name = "expanded", owner_email = "ops@example.com", credits = 100 })).ReadJsonAsync();
        var http = new HttpClient { BaseAddress = host.Address, DefaultRequestHeaders = { { "Authorization", $"Bearer {created.GetProperty("api_key").GetString()}" } } };
        return new ExpandedOnlyPlatform(connectionString, host, new TestTeam(Guid.Parse(created.GetProperty("team_id").GetString()!), "", http));
    }

    public async ValueTask DisposeAsync()
    {
        Team.Http.Dispose();
        await _host.DisposeAsync();
    }
}
