using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Alavida.Bench;
using static Alavida.Bench.BenchJobs;
using Npgsql;

// The prospect chain at scale: 1,000 candidate companies through icp-discovery → lead-discovery → buying-signals with the
// deterministic scorer, over real HTTP against the run command's host composition and a local PostgreSQL.
//   dotnet run -c Release --project bench/Prospect.Bench [-- --companies 1000]
var companies = args.SkipWhile(a => a != "--companies").Skip(1).Select(int.Parse).FirstOrDefault(1000);
const string adminKey = BenchPlatform.AdminKey;
await using var platform = await BenchPlatform.StartAsync("prospect", new Dictionary<string, string?>
{
    ["Orleans:SiloPort"] = "21411",
    ["Orleans:GatewayPort"] = "23400",
    ["Management:Urls"] = "http://127.0.0.1:19090",
});
var address = platform.Address;
var connectionString = platform.ConnectionString;
using var admin = Client(address, adminKey);
var created = await (await admin.PostAsJsonAsync("/admin/teams", new { name = "bench", owner_email = "bench@example.com", credits = 10_000_000 })).Content.ReadFromJsonAsync<JsonElement>();
using var http = Client(address, created.GetProperty("api_key").GetString()!);

// The data: 80 % of the candidates fit the ICP; a third of those have three contacts (two match the persona);
// 60 % of all candidates have one or two signals.
var now = DateTimeOffset.UtcNow;
var candidates = Enumerable.Range(0, companies).Select(i => i % 5 == 4
    ? new { name = $"Misfit {i}", domain = $"misfit-{i}-bench.com", industry = "retail", employees = 20, country = "US", description = "Shop." }
    : new { name = $"Fit {i}", domain = $"fit-{i}-bench.com", industry = "logistics software", employees = 100 + i, country = "DE", description = "Freight visibility." }).ToList();
var setup = Stopwatch.StartNew();
foreach (var (c, i) in candidates.Select((c, i) => (c, i)).Where(x => x.i % 5 != 4 && x.i % 3 == 0))
{
    await RunAsync(http, "/lead-discovery/run/ingest", new
    {
        company = new { c.domain },
        people = new object[]
        {
            new { name = $"Vera Sales {i}", title = "VP Sales", email = $"vera@{c.domain}" },
            new { name = $"Hugo Revenue {i}", title = "Head of Revenue", email = $"hugo@{c.domain}" },
            new { name = $"Olga Office {i}", title = "Office Manager", email = $"olga@{c.domain}" },
        },
    });
}

var signals = candidates.Select((c, i) => (c, i)).Where(x => x.i % 5 < 3)
    .SelectMany(x => Enumerable.Range(0, 1 + (x.i % 2)).Select(k => new
    {
        company = new { x.c.domain }, type = k == 0 ? "hiring" : "first_party_intent", observed_at = now.AddDays(-(1 + (x.i % 40))).ToString("yyyy-MM-ddTHH:mm:ssZ"),
        strength = 0.5 + ((x.i % 5) / 10.0), evidence = $"Signal {k} of {x.c.name}.",
    })).ToList();
foreach (var chunk in signals.Chunk(1000))
{
    await RunAsync(http, "/buying-signals/run/ingest", new { signals = chunk });
}

setup.Stop();
var balanceBefore = (await http.GetFromJsonAsync<JsonElement>("/credits")).GetProperty("balance").GetInt64();

// Timed: from the qualify request to the last score of the cascade.
var clock = Stopwatch.StartNew();
var accepted = await (await http.PostAsJsonAsync("/icp-discovery/run/qualify", new
{
    icp = new { industries = new[] { "logistics" }, employee_range = new { min = 50, max = 5000 }, countries = new[] { "DE" }, required_keywords = new[] { "freight" }, min_score = 70 },
    companies = candidates,
    persona = new { title_keywords = new[] { "sales", "revenue" }, seniorities = new[] { "vp", "head" } },
})).Content.ReadFromJsonAsync<JsonElement>();
var jobId = accepted.GetProperty("job_id").GetString()!;
var job = await WaitAsync(http, jobId);
var qualifyDone = clock.Elapsed;
var trace = job.GetProperty("trace_id").GetString()!;
var qualified = job.GetProperty("result").GetProperty("counts").GetProperty("qualified").GetInt32();

await using var db = NpgsqlDataSource.Create(connectionString);
while (true)
{
    var pending = await ScalarAsync<long>(db,
        """
        SELECT (SELECT count(*) FROM mesh.runs WHERE trace_id = @t AND status NOT IN ('completed', 'failed', 'cancelled', 'skipped'))
             + greatest(0, @q - (SELECT count(*) FROM mesh.runs WHERE trace_id = @t AND function_id LIKE 'lead-discovery/%'))
             + greatest(0, (SELECT count(*) FROM mesh.runs WHERE trace_id = @t AND function_id LIKE 'lead-discovery/%' AND status = 'completed')
                          - (SELECT count(*) FROM mesh.runs WHERE trace_id = @t AND function_id LIKE 'buying-signals/%'))
        """, ("t", trace), ("q", (long)qualified));
    if (pending == 0)
    {
        break;
    }

    await Task.Delay(20);
}

var observed = clock.Elapsed;
var lastEnd = await ScalarAsync<DateTime>(db, "SELECT max(ended_at) FROM mesh.runs WHERE trace_id = @t", ("t", trace));
var created0 = await ScalarAsync<DateTime>(db, "SELECT created_at FROM jobs WHERE id = @j", ("j", Guid.Parse(jobId)));
var wall = lastEnd - created0;

long Count(string sql) => ScalarAsync<long>(db, sql.Replace("count(*)", "count(*)::bigint").Replace("coalesce(sum(units), 0)", "coalesce(sum(units), 0)::bigint"), ("t", trace)).GetAwaiter().GetResult();
var qualifications = Count("SELECT count(*) FROM icp_discovery.qualifications WHERE trace_id = @t");
var leads = Count("SELECT count(*) FROM lead_discovery.leads WHERE trace_id = @t");
var scores = Count("SELECT count(*) FROM buying_signals.scores WHERE trace_id = @t");
var runs = Count("SELECT count(*) FROM mesh.runs WHERE trace_id = @t");
var failed = Count("SELECT count(*) FROM mesh.runs WHERE trace_id = @t AND status <> 'completed'");
var leadUnits = Count("SELECT coalesce(sum(units), 0) FROM credit_usage WHERE quantum = 'lead-discovery' AND run_id IN (SELECT run_id::text FROM mesh.runs WHERE trace_id = @t)");
var charged = await ScalarAsync<long>(db, "SELECT coalesce(sum(amount), 0)::bigint FROM credit_usage WHERE job_id = @j", ("j", Guid.Parse(jobId)));
var balanceAfter = (await http.GetFromJsonAsync<JsonElement>("/credits")).GetProperty("balance").GetInt64();
var expected = (2 * qualifications) + leadUnits + scores;

Console.WriteLine();
Console.WriteLine($"Machine: {Environment.ProcessorCount} cores · {DateTime.UtcNow:yyyy-MM-dd} · .NET {Environment.Version} · deterministic scorer · setup (ingest) {setup.Elapsed.TotalSeconds:0.0} s");
Console.WriteLine();
Console.WriteLine("| Companies | Qualified | Qualify job | Wall time to the last score | Companies/s | Runs | Leads | Scores | Credits charged (expected) | Balance change |");
Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|");
Console.WriteLine($"| {companies:N0} | {qualified:N0} | {qualifyDone.TotalSeconds:0.00} s | {wall.TotalSeconds:0.00} s (client saw {observed.TotalSeconds:0.00} s) | {companies / wall.TotalSeconds:N0} | {runs:N0} ({failed} not completed) | {leads:N0} | {scores:N0} | {charged:N0} ({expected:N0}) | {balanceBefore - balanceAfter:N0} |");
Console.WriteLine();
await using (var stats = db.CreateCommand(
    """
    SELECT split_part(function_id, '/', 1), count(*),
           percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM ended_at - started_at) * 1000),
           percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM ended_at - started_at) * 1000),
           max(extract(epoch FROM started_at - created_at) * 1000)
      FROM mesh.runs WHERE trace_id = @t GROUP BY 1 ORDER BY 1
    """))
{
    stats.Parameters.AddWithValue("t", trace);
    await using var reader = await stats.ExecuteReaderAsync();
    Console.WriteLine("| Function | Runs | Run time p50 | p99 | Longest wait for a slot |");
    Console.WriteLine("|---|---|---|---|---|");
    while (await reader.ReadAsync())
    {
        Console.WriteLine($"| {reader.GetString(0)} | {reader.GetInt64(1):N0} | {reader.GetDouble(2):0.0} ms | {reader.GetDouble(3):0.0} ms | {reader.GetDouble(4) / 1000:0.00} s |");
    }
}

Console.WriteLine();
Console.WriteLine(charged == expected && balanceBefore - balanceAfter == expected && qualifications == companies && failed == 0
    ? "Consistent: one qualification per company, every run completed, credits = 2 × evaluated + people evaluated at companies with leads + companies scored."
    : "INCONSISTENT: see the figures above.");
