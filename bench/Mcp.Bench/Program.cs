// The round trip of an MCP tools/call of get_job, over stdio (a real `alavida mcp` process) and over Streamable HTTP
// (the gateway's /mcp), beside a plain GET /jobs/{id} with HttpClient, in one run against one platform: one team, one
// finished job, the three calls interleaved one after another so the same moments of the machine fall on each.
// Prints Markdown table rows: p50/p90/p99 per path.
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ModelContextProtocol.Client;

var options = args.Select((a, i) => (a, i)).Where(x => x.a.StartsWith("--", StringComparison.Ordinal))
    .ToDictionary(x => x.a[2..], x => args.ElementAtOrDefault(x.i + 1) ?? "");
var url = new Uri(options["url"]);
var iterations = int.Parse(options.GetValueOrDefault("iterations", "300"));
var warmup = int.Parse(options.GetValueOrDefault("warmup", "50"));

using var admin = new HttpClient { BaseAddress = url };
admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", options["admin-key"]);
var created = await (await admin.PostAsJsonAsync("/admin/teams", new { name = "mcp-bench", owner_email = "bench@example.com", credits = 10 })).EnsureSuccessStatusCode()
    .Content.ReadFromJsonAsync<JsonElement>();
var key = created.GetProperty("api_key").GetString()!;

using var http = new HttpClient { BaseAddress = url };
http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
var accepted = await (await http.PostAsJsonAsync("/identity/run/resolve-company", new { companies = new[] { new { domain = "mcp-bench.example" } } }))
    .EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>();
var jobId = accepted.GetProperty("job_id").GetString()!;
(await http.GetAsync($"/jobs/{jobId}?wait_seconds=20")).EnsureSuccessStatusCode();

await using var stdio = await McpClient.CreateAsync(new StdioClientTransport(new StdioClientTransportOptions
{
    Command = "dotnet",
    Arguments = [options["cli"], "mcp"],
    EnvironmentVariables = new Dictionary<string, string?> { ["ALAVIDA_URL"] = url.ToString(), ["ALAVIDA_API_KEY"] = key },
}));
await using var streamable = await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
{
    Endpoint = new Uri(url, "/mcp"),
    TransportMode = HttpTransportMode.StreamableHttp,
    AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = $"Bearer {key}" },
}));

var arguments = new Dictionary<string, object?> { ["job_id"] = jobId };
var paths = new (string Name, Func<Task> Call)[]
{
    ("GET /jobs/{id} (HttpClient)", async () => (await http.GetAsync($"/jobs/{jobId}")).EnsureSuccessStatusCode()),
    ("MCP get_job over stdio", async () => Check(await stdio.CallToolAsync("get_job", arguments))),
    ("MCP get_job over HTTP (/mcp)", async () => Check(await streamable.CallToolAsync("get_job", arguments))),
};
var samples = paths.Select(_ => new List<double>()).ToArray();
for (var i = 0; i < warmup + iterations; i++)
{
    for (var p = 0; p < paths.Length; p++)
    {
        var started = Stopwatch.GetTimestamp();
        await paths[p].Call();
        if (i >= warmup)
        {
            samples[p].Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }
}

// Markdown table rows, one per path.
for (var p = 0; p < paths.Length; p++)
{
    Console.WriteLine($"| {paths[p].Name} | {Percentile(samples[p], 50)} ms | {Percentile(samples[p], 90)} ms | {Percentile(samples[p], 99)} ms |");
}

return 0;

static void Check(ModelContextProtocol.Protocol.CallToolResult result)
{
    if (result.IsError is true)
    {
        throw new InvalidOperationException("get_job answered a tool error.");
    }
}

static double Percentile(List<double> values, int percentile)
{
    var sorted = values.Order().ToList();
    return Math.Round(sorted[Math.Clamp((int)Math.Ceiling(percentile / 100.0 * sorted.Count) - 1, 0, sorted.Count - 1)], 2);
}
