using System.Collections.Frozen;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Alavida.Bench;
using Alavida.Grains.MeetingAnalysis;
using Alavida.Grains.Meetings;
using Microsoft.Extensions.Options;
using static Alavida.Bench.BenchJobs;
using Npgsql;

// 1,000 sales calls of about 30 minutes (≈ 5,000 words, 5–10 participants) through meeting-sync's ingest and
// meeting-analysis (deterministic), and the prospect cascade their mentions start, over real HTTP against the run
// command's host composition and a local PostgreSQL. meeting-sync's ingest jobs alone are the reference.
//   dotnet run -c Release --project bench/Meetings.Bench [-- --meetings 1000 --per-request 25 --concurrency 5 --warm-up 100]
var meetings = args.SkipWhile(a => a != "--meetings").Skip(1).Select(int.Parse).FirstOrDefault(1000);
var perRequest = args.SkipWhile(a => a != "--per-request").Skip(1).Select(int.Parse).FirstOrDefault(25);
var concurrency = args.SkipWhile(a => a != "--concurrency").Skip(1).FirstOrDefault("5"); // MeetingAnalysis:ConcurrencyPerTeam
var warmUp = args.SkipWhile(a => a != "--warm-up").Skip(1).Select(int.Parse).FirstOrDefault(100);
const int Prospects = 200;
var calls = Enumerable.Range(0, meetings).Select(Call).ToList();
var alone = AnalyserAlone(calls.Select(c => c.Meeting).ToList());

await using var platform = await BenchPlatform.StartAsync("meetings", new Dictionary<string, string?>
{
    ["Orleans:SiloPort"] = "21412",
    ["Orleans:GatewayPort"] = "23401",
    ["Management:Urls"] = "http://127.0.0.1:19091",
    ["MeetingAnalysis:ConcurrencyPerTeam"] = concurrency,
});
using var admin = Client(platform.Address, BenchPlatform.AdminKey);
await using var db = NpgsqlDataSource.Create(platform.ConnectionString);
var words = calls.Sum(c => c.Words);

// A warm-up round first, on a team of its own with calls of its own (as a running platform is warm: code compiled
// to its optimised tier, pools filled, grains placed); then the measured round on the bench team.
if (warmUp > 0)
{
    Console.Error.WriteLine($"warm-up: {warmUp} calls on a team of its own");
    await RoundAsync("warm-up", Enumerable.Range(meetings, warmUp).Select(Call).ToList());
}

Console.Error.WriteLine($"{meetings} calls, {words / meetings:N0} words and {calls.Average(c => c.Participants):0.0} participants on average");
var (jitMethods, jitTime, cpu) = (System.Runtime.JitInfo.GetCompiledMethodCount(), System.Runtime.JitInfo.GetCompilationTime(), Process.GetCurrentProcess().TotalProcessorTime);
var (jobs, traces) = await RoundAsync("bench", calls);
(jitMethods, jitTime, cpu) = (System.Runtime.JitInfo.GetCompiledMethodCount() - jitMethods, System.Runtime.JitInfo.GetCompilationTime() - jitTime,
    Process.GetCurrentProcess().TotalProcessorTime - cpu);
var jobIds = jobs.Select(Guid.Parse).ToArray();
const string Analysis = "meeting-analysis/analyze-added-transcript";

// One round: a team, its ICP and the facts of the 200 prospects the calls are with (so their mentions qualify), then
// the calls ingested 25 per request, 4 requests in flight; done when every run of the cascade they start is final.
async Task<(List<string> Jobs, string[] Traces)> RoundAsync(string team, IReadOnlyList<(object Json, int Words, int Participants, AnalysisMeeting Meeting)> round)
{
    var created = await (await admin.PostAsJsonAsync("/admin/teams", new { name = team, owner_email = $"{team}@example.com", credits = 10_000_000 })).Content.ReadFromJsonAsync<JsonElement>();
    using var http = Client(platform.Address, created.GetProperty("api_key").GetString()!, TimeSpan.FromSeconds(300));
    await RunAsync(http, "/icp-discovery/run/qualify", new
    {
        icp = new { industries = new[] { "logistics" }, employee_range = new { min = 50, max = 5000 }, countries = new[] { "DE" }, min_score = 70 },
        persona = new { title_keywords = new[] { "operations", "logistics" }, seniorities = new[] { "vp", "head", "director" } },
        companies = Enumerable.Range(0, Prospects).Select(p => new { name = $"Prospect {p} Logistik GmbH", domain = Domain(p), industry = "logistics", employees = 200 + p, country = "DE" }).ToArray(),
    });

    var payloads = round.Chunk(perRequest).Select(chunk => JsonSerializer.SerializeToUtf8Bytes(new { meetings = chunk.Select(c => c.Json).ToArray() })).ToList();
    var jobs = new List<string>();
    await Parallel.ForEachAsync(payloads, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (payload, _) =>
    {
        var content = new ByteArrayContent(payload);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var response = await http.PostAsync("/meeting-sync/run/ingest", content);
        var accepted = await response.Content.ReadFromJsonAsync<JsonElement>();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"ingest: {(int)response.StatusCode} {accepted}");
        }

        lock (jobs)
        {
            jobs.Add(accepted.GetProperty("job_id").GetString()!);
        }
    });
    foreach (var job in jobs)
    {
        var done = await WaitAsync(http, job);
        if (done.GetProperty("status").GetString() != "succeeded")
        {
            throw new InvalidOperationException($"ingest: {done}");
        }
    }

    // Polled gently (the measurement comes from the rows' own timestamps, not from when the poll saw them).
    var traces = jobs.Select(j => Guid.Parse(j).ToString("N")).ToArray();
    while (await ScalarAsync<long>(db, "SELECT count(*) FROM mesh.runs WHERE trace_id = ANY(@t) AND function_id = @f AND status IN ('completed', 'failed', 'skipped')",
               ("t", traces), ("f", Analysis)) < round.Count)
    {
        await Task.Delay(500);
    }

    while (await ScalarAsync<long>(db, "SELECT count(*) FROM mesh.runs WHERE trace_id = ANY(@t) AND status NOT IN ('completed', 'failed', 'cancelled', 'skipped')", ("t", traces)) > 0
           || await ScalarAsync<long>(db, "SELECT count(*) FROM mesh.events WHERE trace_id = ANY(@t) AND name = 'icp/company.qualified'", ("t", traces))
              > await ScalarAsync<long>(db, "SELECT count(*) FROM mesh.runs WHERE trace_id = ANY(@t) AND function_id LIKE 'lead-discovery/%' AND status = 'completed'", ("t", traces)))
    {
        await Task.Delay(500);
    }

    return (jobs, traces);
}

var start = await ScalarAsync<DateTime>(db, "SELECT min(created_at) FROM jobs WHERE id = ANY(@j)", ("j", jobIds));
TimeSpan Since(string sql, params (string, object)[] parameters) => ScalarAsync<DateTime>(db, sql, parameters).GetAwaiter().GetResult() - start;
var ingested = Since("SELECT max(ended_at) FROM jobs WHERE id = ANY(@j)", ("j", jobIds));
var analysed = Since("SELECT max(ended_at) FROM mesh.runs WHERE trace_id = ANY(@t) AND function_id = @f", ("t", traces), ("f", Analysis));
var cascaded = Since("SELECT max(ended_at) FROM mesh.runs WHERE trace_id = ANY(@t)", ("t", traces));
long Count(string sql) => ScalarAsync<long>(db, sql, ("t", traces)).GetAwaiter().GetResult();
var mentions = Count("SELECT count(*) FROM meeting_analysis.mentions WHERE trace_id = ANY(@t)");
var failed = Count("SELECT count(*) FROM mesh.runs WHERE trace_id = ANY(@t) AND status NOT IN ('completed', 'skipped')");
var peakRss = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];

Console.WriteLine();
Console.WriteLine($"Machine: {Environment.ProcessorCount} cores · {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC · .NET {Environment.Version} · deterministic analyser · {meetings:N0} calls of {words / meetings:N0} words, {perRequest} per ingest request, 4 requests in flight, analysis concurrency {concurrency} per team · after a warm-up round of {warmUp} calls on another team");
Console.WriteLine();
Console.WriteLine($"The analyser alone (one thread, in process, no identity or database): {alone.PerSecond:N0} transcripts/s, p50 {alone.P50:0.0} ms, p99 {alone.P99:0.0} ms per transcript");
Console.WriteLine();
Console.WriteLine("| Stage (from the first ingest request) | Done after | Transcripts/s |");
Console.WriteLine("|---|---|---|");
Console.WriteLine($"| meeting-sync ingest jobs all succeeded (reference) | {ingested.TotalSeconds:0.0} s | {meetings / ingested.TotalSeconds:N0} |");
Console.WriteLine($"| meeting-analysis: every transcript analysed | {analysed.TotalSeconds:0.0} s | {meetings / analysed.TotalSeconds:N0} |");
Console.WriteLine($"| the cascade the mentions started, all runs final | {cascaded.TotalSeconds:0.0} s | {meetings / cascaded.TotalSeconds:N0} |");
Console.WriteLine();
await using (var stats = db.CreateCommand(
    """
    SELECT split_part(function_id, '/', 1), count(*)::bigint,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM ended_at - started_at) * 1000),
           percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM ended_at - started_at) * 1000),
           percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM ended_at - created_at) * 1000),
           percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM ended_at - created_at) * 1000)
      FROM mesh.runs WHERE trace_id = ANY(@t) AND ended_at IS NOT NULL GROUP BY 1 ORDER BY 1
    """))
{
    stats.Parameters.AddWithValue("t", traces);
    await using var reader = await stats.ExecuteReaderAsync();
    Console.WriteLine("| Function | Runs | Run time p50 | p99 | Event to end p50 | p99 |");
    Console.WriteLine("|---|---|---|---|---|---|");
    while (await reader.ReadAsync())
    {
        Console.WriteLine($"| {reader.GetString(0)} | {reader.GetInt64(1):N0} | {reader.GetDouble(2):0.0} ms | {reader.GetDouble(3):0.0} ms | {reader.GetDouble(4):0} ms | {reader.GetDouble(5):0} ms |");
    }
}

Console.WriteLine();
Console.WriteLine($"The harness process (silo, gateway, client) during the measured round: {cpu.TotalSeconds:0.0} s of CPU; the JIT compiled {jitMethods:N0} methods ({jitTime.TotalSeconds:0.0} s spent compiling, by the runtime's own clock)");
Console.WriteLine($"Mentions: {mentions:N0} ({(double)mentions / meetings:0.0} per call) · runs not completed or skipped: {failed} · peak RSS of the harness process (silo + gateway + client; PostgreSQL apart): {long.Parse(peakRss) / 1024.0:N0} MB");

static string Domain(int prospect) => $"prospect-{prospect}-logistik.de";

// The deterministic analyser alone, in this process, one call after another on one thread: find the companies, build
// each mention's snippets, read its intents (no identity, no database: what the run adds to them).
static (double PerSecond, double P50, double P99) AnalyserAlone(IReadOnlyList<AnalysisMeeting> calls)
{
    var options = new MeetingAnalysisOptions();
    var rules = new IntentRules(Options.Create(options));
    var builder = new MentionBuilder(options.MaxSnippets, options.MaxSnippetChars);
    var ignored = options.IgnoredDomains.ToFrozenSet(StringComparer.Ordinal);
    var times = new List<double>(calls.Count);
    MentionFinder.Find(calls[0], KnownNames.Empty, ignored, []); // warm-up: the rule data and the compiled patterns load once
    var total = Stopwatch.StartNew();
    foreach (var call in calls)
    {
        var one = Stopwatch.StartNew();
        var found = MentionFinder.Find(call, KnownNames.Empty, ignored, []);
        var counts = new int?[call.Segments.Count];
        foreach (var candidate in found.Candidates)
        {
            var draft = builder.Build(call, Guid.NewGuid(), [candidate], [], s => counts[s] ??= rules.Count(call.Segments[s].Text));
            rules.Detect(draft.Snippets);
        }

        times.Add(one.Elapsed.TotalMilliseconds);
    }

    times.Sort();
    return (calls.Count / total.Elapsed.TotalSeconds, times[times.Count / 2], times[(int)(times.Count * 0.99)]);
}

static (object Json, int Words, int Participants, AnalysisMeeting Meeting) Call(int i)
{
    var random = new Random(i);
    var prospect = i % Prospects;
    var guests = 3 + random.Next(6);
    // The hosts are the team's own sellers: seven account executives and five solutions engineers, each always under
    // the same name (a person called something else in every call would be a new name for identity to record each time).
    var participants = new List<Dictionary<string, string>>
    {
        new() { ["name"] = $"Maya Host{i % 7}", ["email"] = $"maya{i % 7}@brightwave-bench.io", ["title"] = "Account Executive", ["role"] = "host" },
        new() { ["name"] = $"Sam Host{i % 5}", ["email"] = $"sam{i % 5}@brightwave-bench.io", ["title"] = "Solutions Engineer", ["role"] = "host" },
    };
    for (var g = 0; g < guests; g++)
    {
        participants.Add(new() { ["name"] = $"Guest{g} Person{i}", ["email"] = $"guest{g}.{i}@{Domain(prospect)}", ["title"] = g == 0 ? "VP Operations" : "Logistics Analyst", ["role"] = "guest" });
    }

    participants.Add(new() { ["name"] = $"Free Consultant{i}", ["email"] = $"consultant{i}@gmail.com", ["role"] = "guest" });
    var segments = new List<TranscriptSegment>();
    var count = 0;
    var t = 0.0;
    while (count < 5000)
    {
        var speaker = participants[random.Next(participants.Count)]["name"];
        var text = Sentence(random, prospect, segments.Count);
        count += text.Count(c => c == ' ') + 1;
        segments.Add(new TranscriptSegment(speaker, text, t, t + 6));
        t += 6;
    }

    var startedAt = DateTimeOffset.UtcNow.AddDays(-1);
    var meeting = new AnalysisMeeting(Guid.NewGuid(), "bench", startedAt, $"maya{i % 7}@brightwave-bench.io",
        [.. participants.Select(p => new MeetingParticipant(p["name"], p["email"], p.GetValueOrDefault("title"), null, p["role"]))], segments);
    return (new
    {
        source = "gong", external_id = $"bench-{i}", title = $"Discovery call {i}", started_at = startedAt.ToString("yyyy-MM-ddTHH:mm:ssZ"),
        organizer_email = $"maya{i % 7}@brightwave-bench.io", participants,
        segments = segments.Select(x => new { speaker = x.Speaker, text = x.Text, start_s = x.StartS, end_s = x.EndS }),
    }, count, participants.Count, meeting);
}

// Mostly small talk and process detail; now and then a company (a URL, a legal name, a competitor) and an intent.
static string Sentence(Random random, int prospect, int n)
{
    string[] filler =
    [
        "So the way we handle it today is that every team keeps its own spreadsheet and we reconcile them at the end of the week.",
        "Right, and that works until someone is on holiday and the numbers no longer add up across the warehouses.",
        "I think the main thing for us is that the drivers see the same plan as the dispatchers in the morning.",
        "Yeah that makes sense, can you walk me through how the approvals work once an order is confirmed?",
        "We have about forty people in operations and another ten in customer service who would use this daily.",
        "Okay, and how do you currently measure on-time delivery for the regional routes versus the long haul?",
    ];
    var sb = new StringBuilder(filler[random.Next(filler.Length)]);
    switch (n % 40)
    {
        case 3: sb.Append($" Our pricing page is https://www.{Domain(prospect)}/pricing if you need the tiers."); break;
        case 9: sb.Append(" We currently use Kardex Systems AG for the shuttles and looked at Stackwise Inc. last year."); break;
        case 17: sb.Append(" Honestly the manual process is a bottleneck and we have budget approved for Q3."); break;
        case 25: sb.Append($" Prospect {prospect} Logistik GmbH wants to go live by September, send the proposal to procurement."); break;
        case 33: sb.Append(" The deck.pdf and the v2.0 notes are in notes.md, and the invite is on zoom.us."); break;
    }

    return sb.ToString();
}
