using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Alavida.Tests.Gateway;

namespace Alavida.Tests.Billing;

/// <summary>A platform configured for billing against <see cref="FakeStripe"/>; webhooks signed the way Stripe signs them.</summary>
public sealed class BillingFixture : GatewayFixture
{
    public const string SecretKey = "sk_test_alavida_fixture";
    public const string WebhookSecret = "whsec_test_alavida_fixture";

    public FakeStripe Stripe { get; } = new();

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Stripe:SecretKey"] = SecretKey,
        ["Stripe:WebhookSecret"] = WebhookSecret,
        ["Stripe:ApiBase"] = Stripe.Address.ToString(),
    };

    public override async Task InitializeAsync()
    {
        await Stripe.StartAsync();
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Stripe.DisposeAsync();
    }

    /// <summary>Starts a checkout of <paramref name="pack"/> and returns its answer.</summary>
    public static async Task<Checkout> CheckoutAsync(TestTeam team, string pack = "starter")
    {
        var response = await team.Http.PostAsJsonAsync("/billing/checkout", new { pack });
        var body = await response.ReadJsonAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
        return new Checkout(team, body.GetProperty("session_id").GetString()!, Guid.Parse(body.GetProperty("purchase_id").GetString()!));
    }

    /// <summary>A Stripe event around <paramref name="obj"/>, with Stripe.net's API version.</summary>
    public static string Event(string type, JsonObject obj, string? id = null) => new JsonObject
    {
        ["id"] = id ?? $"evt_{Guid.NewGuid():N}",
        ["object"] = "event",
        ["api_version"] = global::Stripe.StripeConfiguration.ApiVersion,
        ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
        ["livemode"] = false,
        ["pending_webhooks"] = 1,
        ["type"] = type,
        ["data"] = new JsonObject { ["object"] = obj },
    }.ToJsonString();

    /// <summary>Posts <paramref name="payload"/> to the webhook, signed with Stripe's scheme (<c>t=…,v1=HMAC-SHA256("{t}.{payload}")</c>).</summary>
    public Task<HttpResponseMessage> DeliverAsync(string payload, string secret = WebhookSecret, DateTimeOffset? signedAt = null) =>
        Deliver(Client(null), payload, Sign(payload, secret, signedAt ?? DateTimeOffset.UtcNow));

    public static Task<HttpResponseMessage> Deliver(HttpClient http, string payload, string signature)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/billing/stripe/webhook") { Content = new StringContent(payload, Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Stripe-Signature", signature);
        return http.SendAsync(request);
    }

    public static string Sign(string payload, string secret, DateTimeOffset at)
    {
        var t = at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{t}.{payload}"));
        return $"t={t},v1={Convert.ToHexStringLower(mac)}";
    }

    /// <summary>Delivers and returns the webhook's <c>outcome</c>, asserting a 200.</summary>
    public async Task<string> OutcomeAsync(string payload)
    {
        var response = await DeliverAsync(payload);
        var body = await response.ReadJsonAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
        return body.GetProperty("outcome").GetString()!;
    }

    public static async Task<JsonElement> CreditsAsync(TestTeam team) => await (await team.Http.GetAsync("/credits")).ReadJsonAsync();
}

/// <summary>A checkout started in a test: the Stripe objects an event about it names.</summary>
public sealed record Checkout(TestTeam Team, string SessionId, Guid PurchaseId)
{
    public string PaymentIntentId { get; } = $"pi_{Guid.NewGuid():N}";

    public JsonObject Session(string paymentStatus = "paid", Guid? team = null) => new()
    {
        ["id"] = SessionId, ["object"] = "checkout.session", ["mode"] = "payment", ["status"] = "complete", ["payment_status"] = paymentStatus,
        ["client_reference_id"] = (team ?? Team.TeamId).ToString(), ["payment_intent"] = PaymentIntentId, ["amount_total"] = 1000, ["currency"] = "usd",
        ["metadata"] = new JsonObject { ["team_id"] = (team ?? Team.TeamId).ToString(), ["purchase_id"] = PurchaseId.ToString(), ["pack"] = "starter", ["credits"] = "1000" },
    };

    public JsonObject Charge(long amount, long refunded) => new()
    {
        ["id"] = $"ch_{Guid.NewGuid():N}", ["object"] = "charge", ["amount"] = amount, ["amount_refunded"] = refunded, ["refunded"] = refunded >= amount,
        ["currency"] = "usd", ["payment_intent"] = PaymentIntentId, ["metadata"] = new JsonObject(),
    };
}

[CollectionDefinition(Name)]
public sealed class BillingCollection : ICollectionFixture<BillingFixture>
{
    public const string Name = "billing";
}
