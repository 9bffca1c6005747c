using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Alavida.Bench;
using Npgsql;

// Dashboard pages server-rendered for a large team: 100,000 jobs (with their charges) and 10,000 scored companies,
// written straight into the platform's tables; then each page is fetched sequentially with a signed-in session and
// its server time measured (p50, p95). In the same run, as the reference, the equivalent API GETs with the team's key.
//   dotnet run -c Release --project bench/Dashboard.Bench [-- --jobs 100000 --companies 10000 --requests 200]
int Arg(string name, int fallback) => args.SkipWhile(a => a != name).Skip(1).Select(int.Parse).FirstOrDefault(fallback);
var (jobs, companies, requests) = (Arg("--jobs", 100_000), Arg("--companies", 10_000), Arg("--requests", 200));

await using var platform = await BenchPlatform.StartAsync("dashboard", new Dictionary<string, string?>
{
    ["Orleans:SiloPort"] = "21611",
    ["Orleans:GatewayPort"] = "23600",
    ["Management:Urls"] = "http://127.0.0.1:19290",
    ["RateLimits:Anonymous:Burst"] = "0", // every request comes from one loopback address
});
var address = new Uri(platform.Address);
using var admin = new HttpClient { BaseAddress = address };
admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", BenchPlatform.AdminKey);
var created = await (await admin.PostAsJsonAsync("/admin/teams", new { name = "bench", owner_email = "bench@example.com", credits = 1_000_000 })).Content.ReadFromJsonAsync<JsonElement>();
var (teamId, key) = (created.GetProperty("team_id").GetGuid(), created.GetProperty("api_key").GetString()!);
using var api = new HttpClient { BaseAddress = address };
api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);

// One real job (resolved companies, a cascade-free trace) for the detail pages; the rest written in bulk.
var run = await (await api.PostAsJsonAsync("/identity/run/resolve-company", new { companies = new[] { new { domain = "bench-one-logistics.de" } } })).Content.ReadFromJsonAsync<JsonElement>();
var jobId = run.GetProperty("job_id").GetString()!;
var company = (await (await api.GetAsync($"/jobs/{jobId}?wait_seconds=20")).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("result").GetProperty("results")[0].GetProperty("company_id").GetString()
    ?? throw new InvalidOperationException("The sample company was not resolved: the company page would be measured without one.");

var seed = Stopwatch.StartNew();
await using (var db = new NpgsqlConnection(platform.ConnectionString))
{
    await db.OpenAsync();
    await using var batch = new NpgsqlCommand("""
        INSERT INTO jobs (id, team_id, component_slug, action, status, input, result_payload, usage_metrics, price_per_unit, reserved_credits, charged_credits,
                          settled_at, created_at, started_at, ended_at, updated_at)
        SELECT gen_random_uuid(), @team, (ARRAY['identity','icp-discovery','lead-discovery','buying-signals'])[1 + i % 4], 'bench',
               (ARRAY['succeeded','succeeded','succeeded','failed','cancelled'])[1 + i % 5], '{"companies":[{"domain":"x.example"}]}',
               '{"results":[]}', '{"units":1,"credits_charged":1}', 1, 1, 1, t, t, t, t, t
          FROM generate_series(1, @jobs) AS i, LATERAL (SELECT now() - make_interval(secs => i * 25) AS t) AS at;
        INSERT INTO credit_usage (team_id, job_id, quantum, step, units, amount, idempotency_key, created_at)
        SELECT team_id, id, component_slug, 'bench', 1, 1, 'bench:' || id, created_at FROM jobs WHERE team_id = @team AND action = 'bench';
        INSERT INTO buying_signals.scores (id, team_id, trace_id, polyseme_company_id, score, tier, signal_count, evidence, reasons, reasoner, scored_at)
        SELECT gen_random_uuid(), @team, 'bench-' || i, c, (i % 100), (ARRAY['hot','warm','cold'])[1 + i % 3], 3,
               '[{"type":"hiring","points":40,"detail":"Hiring 3 sales roles"}]', '[]', 'deterministic', now() - make_interval(secs => i * 60)
          FROM generate_series(1, @companies) AS i, LATERAL (SELECT gen_random_uuid() AS c) AS company;
        """, db) { CommandTimeout = 600 };
    batch.Parameters.AddWithValue("team", teamId);
    batch.Parameters.AddWithValue("jobs", jobs);
    batch.Parameters.AddWithValue("companies", companies);
    await batch.ExecuteNonQueryAsync();
    // As autovacuum leaves a table in steady state: statistics and the visibility map (index-only scans) up to date.
    foreach (var table in new[] { "jobs", "credit_usage", "buying_signals.scores" })
    {
        await using var vacuum = new NpgsqlCommand($"VACUUM ANALYZE {table}", db) { CommandTimeout = 600 };
        await vacuum.ExecuteNonQueryAsync();
    }
}

Console.Error.WriteLine($"seeded {jobs:N0} jobs and {companies:N0} scores in {seed.Elapsed.TotalSeconds:0.0} s");

// Sign in as a browser does: the form with its antiforgery token; then the session cookie only.
var cookies = new CookieContainer();
using var browser = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = address };
var token = Regex.Match(await browser.GetStringAsync("/app/sign-in"), "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
var signIn = await browser.PostAsync("/app/sign-in", new FormUrlEncodedContent(new Dictionary<string, string>
{
    ["_handler"] = "sign-in", ["__RequestVerificationToken"] = token, ["ApiKey"] = key,
}));
if (signIn.StatusCode != HttpStatusCode.Redirect)
{
    throw new InvalidOperationException($"sign-in answered {(int)signIn.StatusCode}");
}

// The first reads of the period aggregates roll up the team's closed days (once: later views read the roll-ups).
foreach (var (client, path) in new[] { (browser, "/app"), (api, "/credits/usage"), (browser, "/app") })
{
    var started = Stopwatch.GetTimestamp();
    (await client.GetAsync(path)).EnsureSuccessStatusCode();
    Console.Error.WriteLine($"first views: GET {path} {Stopwatch.GetElapsedTime(started).TotalMilliseconds:0} ms");
}

// The plans of the pages' queries on this data (the same SQL as PlatformQueryGrain and ProspectDataGrain), on stderr.
await using (var db = new NpgsqlConnection(platform.ConnectionString))
{
    await db.OpenAsync();
    async Task<DateTime> WatermarkAsync(string kind)
    {
        await using var read = new NpgsqlCommand("SELECT rolled_until::timestamp FROM rollup_watermarks WHERE team_id = @team AND kind = @kind", db);
        read.Parameters.AddWithValue("team", teamId);
        read.Parameters.AddWithValue("kind", kind);
        return DateTime.SpecifyKind((DateTime)(await read.ExecuteScalarAsync())!, DateTimeKind.Utc);
    }

    var (usageUntil, jobsUntil) = (await WatermarkAsync("credit_usage"), await WatermarkAsync("jobs"));
    Console.Error.WriteLine($"rolled up: usage before {usageUntil:yyyy-MM-dd}, jobs before {jobsUntil:yyyy-MM-dd}");
    foreach (var (name, sql) in new[]
    {
        ("jobs, first page", "SELECT id FROM jobs WHERE team_id = @team ORDER BY created_at DESC, id DESC LIMIT 51"),
        ("jobs, status + quantum", "SELECT id FROM jobs WHERE team_id = @team AND status = 'failed' AND component_slug = 'identity' ORDER BY created_at DESC, id DESC LIMIT 51"),
        ("jobs by status, full scan (before the roll-ups)", "SELECT status, count(*) FROM jobs WHERE team_id = @team GROUP BY status"),
        ("oldest unfinished job (bounds the jobs roll-up; every Overview)", "SELECT min(created_at) FROM jobs WHERE team_id = @team AND status IN ('queued', 'running')"),
        ("jobs by status: rolled days + jobs created since", """
            SELECT status, sum(jobs) FROM (SELECT status, jobs FROM jobs_daily WHERE team_id = @team AND day < (@jobs AT TIME ZONE 'UTC')::date
                                           UNION ALL
                                           SELECT status, count(*) FROM jobs WHERE team_id = @team AND created_at >= @jobs GROUP BY status) p GROUP BY status
            """),
        ("usage by day, 30 days, full scan (before the roll-ups)", "SELECT date_trunc('day', created_at AT TIME ZONE 'UTC'), quantum, sum(amount) FROM credit_usage WHERE team_id = @team AND created_at >= now() - interval '30 days' GROUP BY 1, 2"),
        ("usage per quantum, all time, full scan (before the roll-ups)", "SELECT quantum, count(DISTINCT job_id), sum(units), sum(amount) FROM credit_usage WHERE team_id = @team GROUP BY quantum"),
        ("usage per quantum, all time: rolled days + days not rolled", """
            SELECT quantum, sum(jobs), sum(units), sum(credits)
              FROM (SELECT quantum, jobs, units, credits FROM credit_usage_daily WHERE team_id = @team AND day < (@usage AT TIME ZONE 'UTC')::date
                    UNION ALL
                    SELECT u.quantum, CASE WHEN NOT EXISTS (SELECT 1 FROM credit_usage e WHERE e.job_id = u.job_id AND e.team_id = u.team_id AND e.quantum = u.quantum
                                                              AND (e.created_at, e.id) < (u.created_at, u.id)) THEN 1 ELSE 0 END, u.units, u.amount
                      FROM credit_usage u WHERE u.team_id = @team AND u.created_at >= @usage) p (quantum, jobs, units, credits)
             GROUP BY quantum
            """),
        ("ledger, first page", """
            WITH latest AS (
                SELECT u.job_id, u.created_at FROM credit_usage u
                 WHERE u.team_id = @team
                   AND NOT EXISTS (SELECT 1 FROM credit_usage l WHERE l.job_id = u.job_id AND l.team_id = @team AND (l.created_at, l.id) > (u.created_at, u.id))
                 ORDER BY u.created_at DESC, u.job_id DESC LIMIT 51)
            SELECT l.job_id, s.credits FROM latest l
             CROSS JOIN LATERAL (SELECT sum(x.amount) AS credits FROM credit_usage x WHERE x.job_id = l.job_id AND x.team_id = @team) s
            """),
        ("scores, hot tier", "SELECT id FROM buying_signals.scores WHERE team_id = @team AND tier = 'hot' ORDER BY scored_at DESC, id DESC LIMIT 51"),
    })
    {
        await using var explain = new NpgsqlCommand($"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {sql}", db);
        explain.Parameters.AddWithValue("team", teamId);
        explain.Parameters.AddWithValue("usage", usageUntil);
        explain.Parameters.AddWithValue("jobs", jobsUntil);
        await using var reader = await explain.ExecuteReaderAsync();
        Console.Error.WriteLine($"-- {name}");
        while (await reader.ReadAsync())
        {
            Console.Error.WriteLine(reader.GetString(0));
        }
    }
}


async Task<(double P50, double P95)> MeasureAsync(HttpClient client, string path)
{
    for (var i = 0; i < 5; i++)
    {
        (await client.GetAsync(path)).EnsureSuccessStatusCode();
    }

    var samples = new List<double>(requests);
    for (var i = 0; i < requests; i++)
    {
        var started = Stopwatch.GetTimestamp();
        using var response = await client.GetAsync(path, HttpCompletionOption.ResponseContentRead);
        samples.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        response.EnsureSuccessStatusCode();
    }

    samples.Sort();
    return (samples[(int)(samples.Count * 0.5)], samples[Math.Min(samples.Count - 1, (int)Math.Ceiling(samples.Count * 0.95) - 1)]);
}

(string Page, string Path, string? Api)[] pages =
[
    ("Overview", "/app", "/credits"),
    ("Jobs", "/app/jobs", "/jobs"),
    ("Jobs, filtered (status=failed, quantum=identity)", "/app/jobs?status=failed&quantum=identity", "/jobs?status=failed&quantum=identity"),
    ("Job detail", $"/app/jobs/{jobId}", $"/jobs/{jobId}"),
    ("Runs", "/app/runs", "/runs"),
    ("Events", "/app/events", "/events"),
    ("Credits", "/app/credits", "/credits/usage"),
    ("Billing", "/app/billing", "/billing/purchases"),
    ("Registry", "/app/registry", "/registry"),
    ("Component (identity)", "/app/registry/identity", "/registry/identity"),
    ("Accounts", "/app/accounts", "/buying-signals/data/scores"),
    ("Accounts, hot tier", "/app/accounts?tier=hot", "/buying-signals/data/scores?tier=hot"),
    ("Company", $"/app/accounts/{company}", $"/identity/data/companies/{company}"),
    ("Meetings", "/app/meetings", "/meeting-sync/data/meetings"),
    ("Settings", "/app/settings", "/event-keys"),
];
Console.WriteLine($"Machine: {Environment.ProcessorCount} cores; {DateTime.UtcNow:yyyy-MM-dd}; `dotnet run -c Release --project bench/Dashboard.Bench` " +
                  $"({jobs:N0} jobs, {companies:N0} scored companies in one team; {requests} sequential requests per row, after 5 warm-ups)");
Console.WriteLine();
Console.WriteLine("| Page | p50 ms | p95 ms | reference: API GET | p50 ms | p95 ms |");
Console.WriteLine("|---|---:|---:|---|---:|---:|");
foreach (var (page, path, reference) in pages)
{
    var (p50, p95) = await MeasureAsync(browser, path);
    var (r50, r95) = reference is null ? (0, 0) : await MeasureAsync(api, reference);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {page} `{path.Split('?')[0]}` | {p50:0.0} | {p95:0.0} | `{reference}` | {r50:0.0} | {r95:0.0} |"));
}
