using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Alavida.Bench;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

// Stripe webhook handling under load: signed checkout.session.completed events (new ones and replays, shuffled) from
// concurrent senders against the run command's host composition and a local PostgreSQL; then every team's balance is
// checked exactly against the events. In the same run, as references: GET /credits and admin grants, same count and
// concurrency. Stripe's API (only used to set up the checkouts) is a stand-in on loopback.
//   dotnet run -c Release --project bench/Billing.Bench [-- --events 2000 --replayed 600 --senders 32 --teams 16]
int Arg(string name, int fallback) => args.SkipWhile(a => a != name).Skip(1).Select(int.Parse).FirstOrDefault(fallback);
var (events, replayed, senders, teams) = (Arg("--events", 2000), Arg("--replayed", 600), Arg("--senders", 32), Arg("--teams", 16));
var fresh = events - replayed;
const string secret = "whsec_bench", adminKey = BenchPlatform.AdminKey;

var stripe = await StripeStandIn.StartAsync();
await using var platform = await BenchPlatform.StartAsync("billing", new Dictionary<string, string?>
{
    ["Orleans:SiloPort"] = "21511",
    ["Orleans:GatewayPort"] = "23500",
    ["Management:Urls"] = "http://127.0.0.1:19190",
    // Every sender is on one loopback address; the webhook's anonymous limit is per address (docs/billing.md).
    ["RateLimits:Anonymous:Burst"] = "0",
    ["Stripe:SecretKey"] = "sk_test_bench",
    ["Stripe:WebhookSecret"] = secret,
    ["Stripe:ApiBase"] = stripe.Address,
});
try
{
    var address = platform.Address;
    using var admin = Client(address, adminKey);
    using var anonymous = Client(address, null);

    // Setup (not timed): teams, and one pending checkout per new event.
    var teamKeys = new List<(Guid Team, HttpClient Http)>();
    for (var t = 0; t < teams; t++)
    {
        var created = await (await admin.PostAsJsonAsync("/admin/teams", new { name = $"bench-{t}", owner_email = $"bench{t}@example.com", credits = 0 })).Content.ReadFromJsonAsync<JsonElement>();
        teamKeys.Add((Guid.Parse(created.GetProperty("team_id").GetString()!), Client(address, created.GetProperty("api_key").GetString()!)));
    }

    var checkouts = new ConcurrentBag<(Guid Team, string Session, string Purchase)>();
    await Parallel.ForEachAsync(Enumerable.Range(0, fresh), new ParallelOptions { MaxDegreeOfParallelism = senders }, async (i, _) =>
    {
        var (team, http) = teamKeys[i % teams];
        var body = await (await http.PostAsJsonAsync("/billing/checkout", new { pack = "starter" })).Content.ReadFromJsonAsync<JsonElement>();
        checkouts.Add((team, body.GetProperty("session_id").GetString()!, body.GetProperty("purchase_id").GetString()!));
    });

    var newEvents = checkouts.Select(c => Event(c.Team, c.Session, c.Purchase)).ToList();
    var random = new Random(15);
    var deliveries = newEvents.Concat(Enumerable.Range(0, replayed).Select(_ => newEvents[random.Next(newEvents.Count)])).OrderBy(_ => random.Next()).ToList();
    var signed = deliveries.Select(payload => (payload, signature: Sign(payload))).ToList();

    var webhook = await MeasureAsync(signed, async (d, outcomes) =>
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/billing/stripe/webhook") { Content = new StringContent(d.payload, Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Stripe-Signature", d.signature);
        using var response = await anonymous.SendAsync(request);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        outcomes.Enqueue(response.StatusCode == HttpStatusCode.OK ? body.GetProperty("outcome").GetString()! : $"http {(int)response.StatusCode}");
    });

    var reads = await MeasureAsync(Enumerable.Range(0, events).ToList(), async (i, outcomes) =>
    {
        using var response = await teamKeys[i % teams].Http.GetAsync("/credits");
        outcomes.Enqueue(response.StatusCode == HttpStatusCode.OK ? "ok" : $"http {(int)response.StatusCode}");
    });

    var grants = await MeasureAsync(Enumerable.Range(0, events).ToList(), async (i, outcomes) =>
    {
        using var response = await admin.PostAsJsonAsync($"/admin/teams/{teamKeys[i % teams].Team}/credits", new { credits = 1, note = "bench" });
        outcomes.Enqueue(response.StatusCode == HttpStatusCode.OK ? "ok" : $"http {(int)response.StatusCode}");
    });

    // The ledger, exactly: every team holds 1,000 credits per distinct paid session plus its grants, and nothing else.
    var expected = checkouts.GroupBy(c => c.Team).ToDictionary(g => g.Key, g => 1000L * g.Count());
    var grantsPerTeam = Enumerable.Range(0, events).GroupBy(i => teamKeys[i % teams].Team).ToDictionary(g => g.Key, g => (long)g.Count());
    await using var db = new NpgsqlConnection(platform.ConnectionString);
    await db.OpenAsync();
    var mismatches = new List<string>();
    foreach (var (team, _) in teamKeys)
    {
        await using var command = new NpgsqlCommand(
            """
            SELECT a.balance, a.lifetime_purchased,
                   (SELECT coalesce(sum(credits), 0)::bigint FROM credit_purchases p WHERE p.team_id = a.team_id AND source = 'stripe' AND status = 'paid'),
                   (SELECT count(*) FROM credit_purchases p WHERE p.team_id = a.team_id AND source = 'stripe' AND status = 'paid')
              FROM credit_accounts a WHERE a.team_id = @team
            """, db);
        command.Parameters.AddWithValue("team", team);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        var (balance, purchased, paidCredits) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
        var want = expected.GetValueOrDefault(team);
        if (balance != want + grantsPerTeam.GetValueOrDefault(team) || purchased != want || paidCredits != want)
        {
            mismatches.Add($"team {team}: balance {balance}, purchased {purchased}, paid purchases {paidCredits}; expected {want} bought + {grantsPerTeam.GetValueOrDefault(team)} granted");
        }
    }

    var ledger = mismatches.Count == 0
        ? "match the events exactly (1,000 credits per distinct session + grants; lifetime_purchased and the paid purchases agree)"
        : "DO NOT MATCH: " + string.Join("; ", mismatches);
    var outcomes = webhook.Outcomes.GroupBy(o => o).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}");
    Console.WriteLine($"""
        | Workload ({events:N0} requests, {senders} concurrent) | Requests/s | p50 | p99 | Outcomes |
        |---|---:|---:|---:|---|
        | Stripe webhook: {fresh:N0} new `checkout.session.completed` + {replayed:N0} replays, shuffled | {webhook.PerSecond:N0} | {webhook.P50:N1} ms | {webhook.P99:N1} ms | {string.Join(", ", outcomes)} |
        | Reference: `GET /credits` | {reads.PerSecond:N0} | {reads.P50:N1} ms | {reads.P99:N1} ms | {string.Join(", ", reads.Outcomes.GroupBy(o => o).Select(g => $"{g.Key} {g.Count()}"))} |
        | Reference: admin grant `POST /admin/teams/<id>/credits` | {grants.PerSecond:N0} | {grants.P50:N1} ms | {grants.P99:N1} ms | {string.Join(", ", grants.Outcomes.GroupBy(o => o).Select(g => $"{g.Key} {g.Count()}"))} |

        Ledger: {teams} teams, {fresh:N0} distinct paid sessions; balances {ledger}.
        """);
    return mismatches.Count == 0 && webhook.Outcomes.Count(o => o == "applied") == fresh && webhook.Outcomes.Count(o => o == "duplicate") == replayed ? 0 : 1;
}
finally
{
    await stripe.DisposeAsync();
}

static HttpClient Client(string address, string? key)
{
    var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = new Uri(address) };
    if (key is not null)
    {
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
    }

    return client;
}

static string Event(Guid team, string session, string purchase) => new JsonObject
{
    ["id"] = $"evt_{Guid.NewGuid():N}", ["object"] = "event", ["api_version"] = Stripe.StripeConfiguration.ApiVersion,
    ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(), ["livemode"] = false, ["pending_webhooks"] = 1, ["type"] = "checkout.session.completed",
    ["data"] = new JsonObject
    {
        ["object"] = new JsonObject
        {
            ["id"] = session, ["object"] = "checkout.session", ["mode"] = "payment", ["status"] = "complete", ["payment_status"] = "paid",
            ["client_reference_id"] = team.ToString(), ["payment_intent"] = $"pi_{Guid.NewGuid():N}", ["amount_total"] = 1000, ["currency"] = "usd",
            ["metadata"] = new JsonObject { ["team_id"] = team.ToString(), ["purchase_id"] = purchase, ["pack"] = "starter", ["credits"] = "1000" },
        },
    },
}.ToJsonString();

static string Sign(string payload)
{
    var t = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
    return $"t={t},v1={Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{t}.{payload}")))}";
}

async Task<Measured> MeasureAsync<T>(IReadOnlyList<T> items, Func<T, ConcurrentQueue<string>, Task> send)
{
    var outcomes = new ConcurrentQueue<string>();
    var latencies = new ConcurrentBag<double>();
    var clock = Stopwatch.StartNew();
    await Parallel.ForEachAsync(items, new ParallelOptions { MaxDegreeOfParallelism = senders }, async (item, _) =>
    {
        var started = Stopwatch.GetTimestamp();
        await send(item, outcomes);
        latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    });
    var sorted = latencies.Order().ToArray();
    return new Measured(items.Count / clock.Elapsed.TotalSeconds, sorted[sorted.Length / 2], sorted[(int)Math.Ceiling(sorted.Length * 0.99) - 1], [.. outcomes]);
}

internal sealed record Measured(double PerSecond, double P50, double P99, IReadOnlyList<string> Outcomes);

/// <summary>Stripe's API for the setup's checkouts: a Customer and a Checkout Session per request, on loopback.</summary>
internal sealed class StripeStandIn : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _sequence;

    private StripeStandIn(WebApplication app) => _app = app;

    public string Address => _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

    public static async Task<StripeStandIn> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var stand = new StripeStandIn(builder.Build());
        stand._app.MapPost("/v1/customers", () => Results.Json(new { id = $"cus_{Interlocked.Increment(ref stand._sequence)}", @object = "customer" }));
        stand._app.MapPost("/v1/checkout/sessions", () =>
        {
            var n = Interlocked.Increment(ref stand._sequence);
            return Results.Json(new { id = $"cs_bench_{n}", @object = "checkout.session", url = $"https://checkout.stripe.test/{n}", amount_total = 1000, currency = "usd" });
        });
        await stand._app.StartAsync();
        return stand;
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
