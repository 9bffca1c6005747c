// Load generator for the gateway's /run acceptance: N concurrent clients (one keep-alive connection each, see
// LeanHttpConnection), each POSTing one-company resolve jobs as fast as answers come back, for a fixed time after a
// warm-up. Prints accepted/s and latency percentiles as JSON.
//   dotnet run -c Release --project bench/Gateway.Bench -- --url http://127.0.0.1:18080 --admin-key KEY --clients 32 --teams 32 --seconds 15
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Alavida.Gateway.Bench;

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
    var server = new Uri(options.Url);
    var expected = options.Get is null ? 202 : 200;
    var clock = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, options.Clients).Select(async c =>
    {
        var mine = all[c] = new List<double>(8192);
        var key = keys[c % keys.Count];
        var connection = await LeanHttpConnection.ConnectAsync(server);
        var request = new byte[4096];
        var n = 0;
        while (clock.Elapsed < duration)
        {
            // --warm: every job resolves an already known company, so the job itself is cheap and the gateway,
            // credits and job lifecycle dominate; otherwise each job creates a new company (a cold write).
            var length = options.Get is { } path
                ? Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: {server.Authority}\r\nAuthorization: Bearer {key}\r\n\r\n", request)
                : Post(request, server, key, options.Warm ? $"warm-{c}.bench.com" : $"c{c}-{n++}.bench-{Guid.NewGuid():N}.com");
            var started = Stopwatch.GetTimestamp();
            int status;
            try
            {
                status = await connection.SendAsync(request.AsMemory(0, length));
            }
            catch (Exception ex) when (ex is IOException or SocketException)
            {
                // The server dropped the connection: a failed request, then a new connection (which fails the run
                // with its own error when the server is gone).
                status = 0;
                connection.Dispose();
                connection = await LeanHttpConnection.ConnectAsync(server);
            }

            var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (status == expected)
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

        connection.Dispose();
    }));
    return (all.SelectMany(l => l).ToList(), clock.Elapsed, failures);
}

// A one-company resolve job, as the API documents it.
static int Post(byte[] into, Uri server, string key, string domain)
{
    var body = $$"""{"companies":[{"domain":"{{domain}}"}]}""";
    return Encoding.ASCII.GetBytes(
        $"POST /identity/run/resolve-company HTTP/1.1\r\nHost: {server.Authority}\r\nAuthorization: Bearer {key}\r\n" +
        $"Content-Type: application/json\r\nContent-Length: {body.Length}\r\n\r\n{body}", into);
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
