// Load generator for the gateway's /run acceptance: N concurrent clients, each POSTing one-company resolve jobs as fast
// as answers come back, for a fixed time after a warm-up. Prints accepted/s and latency percentiles as JSON.
//   dotnet run -c Release --project bench/Gateway.Bench -- --url http://127.0.0.1:18080 --admin-key KEY --clients 32 --teams 32 --seconds 15
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

var options = Options.Parse(args);
using var admin = new HttpClient { BaseAddress = new Uri(options.Url) };
admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", options.AdminKey);

var keys = new List<string>();
for (var i = 0; i < options.Teams; i++)
{
    var created = await admin.PostAsJsonAsync("/admin/teams", new { name = $"bench-{i}", owner_email = $"bench-{i}-{Guid.NewGuid():N}@example.com", credits = 100_000_000 });
    created.EnsureSuccessStatusCode();
    keys.Add(JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("api_key").GetString()!);
}

var handler = new SocketsHttpHandler { MaxConnectionsPerServer = options.Clients * 2, PooledConnectionLifetime = TimeSpan.FromMinutes(10) };
using var http = new HttpClient(handler) { BaseAddress = new Uri(options.Url) };

await RunAsync(TimeSpan.FromSeconds(options.WarmupSeconds), record: false);
var (latencies, elapsed, failures) = await RunAsync(TimeSpan.FromSeconds(options.Seconds), record: true);

latencies.Sort();
double Percentile(double p) => latencies.Count == 0 ? double.NaN : latencies[Math.Min(latencies.Count - 1, (int)Math.Ceiling(p * latencies.Count) - 1)];
Console.WriteLine(JsonSerializer.Serialize(new
{
    mode = options.Get is not null ? $"GET {options.Get}" : options.Warm ? "run (known company)" : "run (new company)",
    clients = options.Clients,
    teams = options.Teams,
    seconds = Math.Round(elapsed.TotalSeconds, 2),
    accepted = latencies.Count,
    failed = failures,
    accepted_per_second = Math.Round(latencies.Count / elapsed.TotalSeconds, 1),
    p50_ms = Math.Round(Percentile(0.50), 2),
    p99_ms = Math.Round(Percentile(0.99), 2),
}));

async Task<(List<double> Latencies, TimeSpan Elapsed, int Failures)> RunAsync(TimeSpan duration, bool record)
{
    var all = new List<double>[options.Clients];
    var failures = 0;
    var clock = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, options.Clients).Select(async c =>
    {
        var mine = all[c] = new List<double>(8192);
        var key = keys[c % keys.Count];
        var n = 0;
        while (clock.Elapsed < duration)
        {
            using var request = options.Get is { } path
                ? new HttpRequestMessage(HttpMethod.Get, path)
                : new HttpRequestMessage(HttpMethod.Post, "/identity/run/resolve-company")
                {
                    // --warm: every job resolves an already known company, so the job itself is cheap and the gateway,
                    // credits and job lifecycle dominate; otherwise each job creates a new company (a cold write).
                    Content = JsonContent.Create(new { companies = new[] { new { domain = options.Warm ? $"warm-{c}.bench.com" : $"c{c}-{n++}.bench-{Guid.NewGuid():N}.com" } } }),
                };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            var started = Stopwatch.GetTimestamp();
            using var response = await http.SendAsync(request);
            var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (response.StatusCode == (options.Get is null ? HttpStatusCode.Accepted : HttpStatusCode.OK))
            {
                if (record)
                {
                    mine.Add(ms);
                }
            }
            else
            {
                Interlocked.Increment(ref failures);
            }
        }
    }));
    return (all.SelectMany(l => l).ToList(), clock.Elapsed, failures);
}

internal sealed record Options(string Url, string AdminKey, int Clients, int Teams, int Seconds, int WarmupSeconds, string? Get, bool Warm)
{
    public static Options Parse(string[] args)
    {
        string Get(string name, string fallback)
        {
            var i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
        }

        return new Options(
            Get("--url", "http://127.0.0.1:18080"),
            Get("--admin-key", Environment.GetEnvironmentVariable("ALAVIDA_ADMIN_KEY") ?? ""),
            int.Parse(Get("--clients", "32")),
            int.Parse(Get("--teams", "32")),
            int.Parse(Get("--seconds", "15")),
            int.Parse(Get("--warmup", "3")),
            Get("--get", "") is { Length: > 0 } path ? path : null,
            args.Contains("--warm"));
    }
}
