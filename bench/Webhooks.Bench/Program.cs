using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Alavida.Bench;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

// Webhook fan-out under load: N mesh events of one team, each delivered to three endpoints on loopback, one of which
// takes 1 s per response. Measured at the receiver: deliveries/s to the two fast endpoints and event-to-delivery p50/p99.
// The reference, in the same run, is the same N events of another team with only the two fast endpoints: if the slow
// one held the fast ones back, the workload with it would be slower than the reference. A warm-up (not reported) runs
// first; the reference runs before the slow workload, whose slow deliveries are still draining when it ends.
//   dotnet run -c Release --project bench/Webhooks.Bench [-- --events 10000 --batch 500 --senders 4 --warmup 1000]
int Arg(string name, int fallback) => args.SkipWhile(a => a != name).Skip(1).Select(int.Parse).FirstOrDefault(fallback);
var (events, batch, senders, warmup) = (Arg("--events", 10_000), Arg("--batch", 500), Arg("--senders", 4), Arg("--warmup", 1000));
var receiver = await Receiver.StartAsync();
await using var platform = await BenchPlatform.StartAsync("webhooks", new Dictionary<string, string?>
{
    ["Orleans:SiloPort"] = "21512",
    ["Orleans:GatewayPort"] = "23501",
    ["Management:Urls"] = "http://127.0.0.1:19191",
    ["Webhooks:AllowPrivateNetworks"] = "true", // the endpoints are on loopback
});
try
{
    var address = platform.Address;
    using var admin = Client(address, BenchPlatform.AdminKey);

    await RunAsync("warm-up", withSlow: false, warmup);
    var reference = await RunAsync("reference", withSlow: false, events);
    var loaded = await RunAsync("with-slow", withSlow: true, events);
    Console.WriteLine($"""
        | Workload ({events:N0} events, fanned out) | Fast deliveries | Deliveries/s (fast) | p50 event→delivery | p99 event→delivery | Slow endpoint meanwhile |
        |---|---:|---:|---:|---:|---|
        | Two fast endpoints + one slow (1 s per response) | {loaded.Fast:N0} | {loaded.PerSecond:N0} | {loaded.P50:N0} ms | {loaded.P99:N0} ms | {loaded.Slow:N0} delivered while the fast ones got all theirs |
        | Reference: the two fast endpoints alone | {reference.Fast:N0} | {reference.PerSecond:N0} | {reference.P50:N0} ms | {reference.P99:N0} ms | — |
        """);
    return loaded.Fast == 2 * events && reference.Fast == 2 * events ? 0 : 1;

    async Task<Result> RunAsync(string name, bool withSlow, int events)
    {
        var created = await (await admin.PostAsJsonAsync("/admin/teams", new { name = $"bench-{name}", owner_email = $"{name}@example.com", credits = 0 })).Content.ReadFromJsonAsync<JsonElement>();
        using var team = Client(address, created.GetProperty("api_key").GetString()!);
        var fast = new[] { receiver.Open($"{name}-fast-1", slow: false), receiver.Open($"{name}-fast-2", slow: false) };
        var slow = withSlow ? receiver.Open($"{name}-slow", slow: true) : null;
        var webhooks = new List<string>();
        foreach (var inbox in fast.Append(slow).OfType<Inbox>())
        {
            var response = await team.PostAsJsonAsync("/webhooks", new { url = inbox.Url, events = new[] { "bench/tick" } });
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            webhooks.Add(body.GetProperty("webhook_id").GetString() ?? throw new InvalidOperationException(body.ToString()));
        }

        var done = Task.WhenAll(fast.Select(f => f.WhenCount(events)));
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, events / batch), new ParallelOptions { MaxDegreeOfParallelism = senders }, async (b, _) =>
        {
            var array = new JsonArray([.. Enumerable.Range(0, batch).Select(i => (JsonNode)new JsonObject
            {
                ["name"] = "bench/tick",
                ["data"] = new JsonObject { ["n"] = (b * batch) + i, ["sent"] = Stopwatch.GetTimestamp() },
            })]);
            using var response = await team.PostAsync("/events", new StringContent(array.ToJsonString(), System.Text.Encoding.UTF8, "application/json"));
            response.EnsureSuccessStatusCode();
        });
        await done.WaitAsync(TimeSpan.FromMinutes(30));
        var elapsed = clock.Elapsed;
        var slowCount = slow?.Count ?? 0;
        if (webhooks.Count == 3)
        {
            // Stop the slow endpoint's remaining deliveries (each ends at its next attempt), so the next workload runs alone.
            await team.PatchAsJsonAsync($"/webhooks/{webhooks[2]}", new { enabled = false });
        }

        var latencies = fast.SelectMany(f => f.Latencies).Order().ToArray();
        return new Result(fast.Sum(f => f.Count), 2 * events / elapsed.TotalSeconds, latencies[latencies.Length / 2],
            latencies[(int)Math.Ceiling(latencies.Length * 0.99) - 1], slowCount);
    }
}
finally
{
    await receiver.DisposeAsync();
}

static HttpClient Client(string address, string? key)
{
    var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = new Uri(address), Timeout = TimeSpan.FromMinutes(5) };
    if (key is not null)
    {
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
    }

    return client;
}

internal sealed record Result(int Fast, double PerSecond, double P50, double P99, int Slow);

/// <summary>The endpoints on loopback: each counts distinct webhook-ids and the time from an event's sending to its delivery.</summary>
internal sealed class Receiver : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Inbox> _inboxes = new();
    private readonly WebApplication _app;

    private Receiver(WebApplication app) => _app = app;

    public static async Task<Receiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var receiver = new Receiver(builder.Build());
        receiver._app.MapPost("/{name}", async (HttpContext context, string name) =>
        {
            var inbox = receiver._inboxes[name];
            using var body = await JsonDocument.ParseAsync(context.Request.Body);
            var sent = body.RootElement.GetProperty("data").GetProperty("sent").GetInt64();
            if (inbox.Slow)
            {
                await Task.Delay(TimeSpan.FromSeconds(1)); // the slow endpoint: what the benchmark is about
            }

            inbox.Arrive(context.Request.Headers["webhook-id"].ToString(), Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
            return Results.Ok();
        });
        await receiver._app.StartAsync();
        return receiver;
    }

    private string Address => _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

    public Inbox Open(string name, bool slow) => _inboxes[name] = new Inbox($"{Address}/{name}", slow);

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}

internal sealed class Inbox(string url, bool slow)
{
    private readonly ConcurrentDictionary<string, double> _byId = new();
    private readonly ConcurrentQueue<(int Count, TaskCompletionSource Done)> _waiters = new();

    public string Url { get; } = url;

    public bool Slow { get; } = slow;

    public int Count => _byId.Count;

    public IEnumerable<double> Latencies => _byId.Values;

    public Task WhenCount(int count)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiters.Enqueue((count, done));
        if (Count >= count)
        {
            done.TrySetResult();
        }

        return done.Task;
    }

    public void Arrive(string webhookId, double latencyMs)
    {
        if (_byId.TryAdd(webhookId, latencyMs))
        {
            foreach (var (count, done) in _waiters)
            {
                if (_byId.Count >= count)
                {
                    done.TrySetResult();
                }
            }
        }
    }
}
