using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Alavida.Tests.Gateway;

namespace Alavida.Tests.Billing;

[Collection(BillingCollection.Name)]
public sealed class CheckoutTests(BillingFixture billing)
{
    [Fact]
    public async Task Checkout_CreatesOneCustomerAndASessionPerRequest_WithMetadataAndIdempotencyKeys()
    {
        var team = await billing.CreateTeamAsync(0);
        var first = await BillingFixture.CheckoutAsync(team);
        var second = await BillingFixture.CheckoutAsync(team, "growth");

        var customers = billing.Stripe.CallsTo("POST", "/v1/customers").Where(c => c.Form.GetValueOrDefault("metadata[team_id]") == team.TeamId.ToString()).ToList();
        var customer = Assert.Single(customers);
        Assert.Equal($"alavida-customer-{team.TeamId:N}", customer.IdempotencyKey);
        Assert.Equal($"Bearer {BillingFixture.SecretKey}", customer.Authorization);
        var customerId = await billing.ScalarAsync<string>("SELECT stripe_customer_id FROM teams WHERE id = @team", ("team", team.TeamId));
        Assert.StartsWith("cus_", customerId);

        var sessions = billing.Stripe.CallsTo("POST", "/v1/checkout/sessions").Where(c => c.Form.GetValueOrDefault("client_reference_id") == team.TeamId.ToString()).ToList();
        Assert.Equal(2, sessions.Count);
        var session = sessions.Single(s => s.Form["metadata[purchase_id]"] == first.PurchaseId.ToString());
        Assert.Equal("payment", session.Form["mode"]);
        Assert.Equal(customerId, session.Form["customer"]);
        Assert.Equal(team.TeamId.ToString(), session.Form["metadata[team_id]"]);
        Assert.Equal("starter", session.Form["metadata[pack]"]);
        Assert.Equal("1000", session.Form["metadata[credits]"]);
        Assert.Equal("off_session", session.Form["payment_intent_data[setup_future_usage]"]);
        Assert.Equal(first.PurchaseId.ToString(), session.Form["payment_intent_data[metadata][purchase_id]"]);
        Assert.Equal("1000", session.Form["line_items[0][price_data][unit_amount]"]);
        Assert.Equal("usd", session.Form["line_items[0][price_data][currency]"]);
        Assert.Equal("1", session.Form["line_items[0][quantity]"]);
        Assert.Equal($"alavida-checkout-{first.PurchaseId:N}", session.IdempotencyKey);
        Assert.Equal(2, sessions.Select(s => s.IdempotencyKey).Distinct().Count());

        var purchases = await (await team.Http.GetAsync("/billing/purchases?limit=1")).ReadJsonAsync();
        var newest = Assert.Single(purchases.GetProperty("items").EnumerateArray());
        Assert.Equal(second.PurchaseId.ToString(), newest.GetProperty("purchase_id").GetString());
        Assert.Equal("pending", newest.GetProperty("status").GetString());
        Assert.Equal(second.SessionId, newest.GetProperty("session_id").GetString());
        var next = purchases.GetProperty("next_cursor").GetString();
        var older = await (await team.Http.GetAsync($"/billing/purchases?limit=1&cursor={next}")).ReadJsonAsync();
        Assert.Equal(first.PurchaseId.ToString(), Assert.Single(older.GetProperty("items").EnumerateArray()).GetProperty("purchase_id").GetString());
        Assert.Equal(0, (await BillingFixture.CreditsAsync(team)).GetProperty("balance").GetInt64());
    }

    [Fact]
    public async Task Checkout_UnderOneIdempotencyKey_StartsOneCheckout_AndAnswersARepeatWithIt()
    {
        var team = await billing.CreateTeamAsync(0);
        var other = await billing.CreateTeamAsync(0);
        var key = $"buy-{Guid.NewGuid():N}";

        var first = await CheckoutWithKeyAsync(team, "starter", key);
        var again = await CheckoutWithKeyAsync(team, "starter", key);
        var reused = await CheckoutWithKeyAsync(team, "growth", key);
        var othersFirst = await CheckoutWithKeyAsync(other, "starter", key);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var answer = await first.ReadJsonAsync();
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(answer.ToString(), (await again.ReadJsonAsync()).ToString()); // the same purchase, session and URL
        var conflict = await reused.AssertProblemAsync(HttpStatusCode.Conflict);
        Assert.Contains("'starter'", conflict.GetProperty("detail").GetString());
        Assert.Equal(answer.GetProperty("purchase_id").GetString(), conflict.GetProperty("purchase_id").GetString());
        Assert.Equal(HttpStatusCode.OK, othersFirst.StatusCode); // keys are per team
        Assert.NotEqual(answer.GetProperty("session_id").GetString(), (await othersFirst.ReadJsonAsync()).GetProperty("session_id").GetString());

        Assert.Equal(1L, await billing.ScalarAsync<long>("SELECT count(*) FROM credit_purchases WHERE team_id = @team", ("team", team.TeamId)));
        Assert.Single(billing.Stripe.CallsTo("POST", "/v1/checkout/sessions"), c => c.Form.GetValueOrDefault("client_reference_id") == team.TeamId.ToString());
        Assert.Equal(answer.GetProperty("checkout_url").GetString(),
            await billing.ScalarAsync<string>("SELECT checkout_url FROM credit_purchases WHERE team_id = @team", ("team", team.TeamId)));
    }

    [Fact]
    public async Task Checkout_UnderAKeyWhoseCheckoutFailed_AnswersTheSameRefusal_WithoutAskingStripeAgain()
    {
        var team = await billing.CreateTeamAsync(0);
        var key = $"buy-{Guid.NewGuid():N}";
        // As the purchase stands after Stripe refused its session (what the grain records then).
        var (_, _, sessions) = await KeyedCheckoutSetBackAsync(team, key, "status = 'failed', failure = 'No such price', stripe_session_id = NULL, checkout_url = NULL");

        var problem = await (await CheckoutWithKeyAsync(team, "starter", key)).AssertProblemAsync(HttpStatusCode.BadGateway);

        Assert.Contains("No such price", problem.GetProperty("detail").GetString());
        Assert.Equal(sessions, billing.Stripe.CallsTo("POST", "/v1/checkout/sessions").Count());
        Assert.Equal(1L, await billing.ScalarAsync<long>("SELECT count(*) FROM credit_purchases WHERE team_id = @team", ("team", team.TeamId)));
    }

    [Fact]
    public async Task Checkout_UnderAKeyWhosePurchaseHasNoSessionYet_FinishesThatPurchase()
    {
        // The first request ended between recording the purchase and storing its session (a silo died): the repeat
        // finishes that purchase, through Stripe's idempotency key (the purchase's), instead of starting another.
        var team = await billing.CreateTeamAsync(0);
        var key = $"buy-{Guid.NewGuid():N}";
        var (first, purchaseId, _) = await KeyedCheckoutSetBackAsync(team, key, "stripe_session_id = NULL, checkout_url = NULL");

        var again = await (await CheckoutWithKeyAsync(team, "starter", key)).ReadJsonAsync();

        Assert.Equal(first.ToString(), again.ToString());
        Assert.Equal(1L, await billing.ScalarAsync<long>("SELECT count(*) FROM credit_purchases WHERE team_id = @team", ("team", team.TeamId)));
        Assert.Equal(first.GetProperty("session_id").GetString(),
            await billing.ScalarAsync<string>("SELECT stripe_session_id FROM credit_purchases WHERE id = @id", ("id", purchaseId)));
    }

    [Theory]
    [InlineData(256)] // too long
    [InlineData(0)] // a control character
    public async Task Checkout_RefusesABadIdempotencyKey_AndRecordsNothing(int length)
    {
        var team = await billing.CreateTeamAsync(0);

        var response = await CheckoutWithKeyAsync(team, "starter", length > 0 ? new string('k', length) : "buy\u0001it");

        await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(0L, await billing.ScalarAsync<long>("SELECT count(*) FROM credit_purchases WHERE team_id = @team", ("team", team.TeamId)));
    }

    [Fact]
    public async Task Checkout_UnderAKeyWhoseUnfinishedPurchaseWasForAnotherPrice_IsAConflict_NotACharge()
    {
        // The pack's price changed between the first request (which ended before its session) and the repeat: Stripe
        // would charge today's price for the recorded credits, so the repeat refuses and names the purchase.
        var team = await billing.CreateTeamAsync(0);
        var key = $"buy-{Guid.NewGuid():N}";
        var (_, purchaseId, sessions) = await KeyedCheckoutSetBackAsync(team, key, "amount_cents = amount_cents + 100, stripe_session_id = NULL, checkout_url = NULL");

        var problem = await (await CheckoutWithKeyAsync(team, "starter", key)).AssertProblemAsync(HttpStatusCode.Conflict);

        Assert.Contains("changed", problem.GetProperty("detail").GetString());
        Assert.Equal(purchaseId.ToString(), problem.GetProperty("purchase_id").GetString());
        Assert.Equal(sessions, billing.Stripe.CallsTo("POST", "/v1/checkout/sessions").Count());
    }

    [Fact]
    public async Task Checkout_TwoRequestsAtOnceUnderOneKey_StartOneCheckout_AndGetTheSameAnswer()
    {
        var team = await billing.CreateTeamAsync(0);
        var key = $"buy-{Guid.NewGuid():N}";

        var answers = await Task.WhenAll(CheckoutWithKeyAsync(team, "starter", key), CheckoutWithKeyAsync(team, "starter", key));

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
        Assert.Single((await Task.WhenAll(answers.Select(a => a.ReadJsonAsync()))).Select(a => a.ToString()).Distinct());
        Assert.Equal(1L, await billing.ScalarAsync<long>("SELECT count(*) FROM credit_purchases WHERE team_id = @team", ("team", team.TeamId)));
        Assert.Single(billing.Stripe.CallsTo("POST", "/v1/checkout/sessions"), c => c.Form.GetValueOrDefault("client_reference_id") == team.TeamId.ToString());
    }

    /// <summary>
    /// A checkout of the starter pack under <paramref name="key"/>, its purchase then set back (<paramref name="set"/>, an
    /// UPDATE's SET list) to a state a real run can leave it in; with the Stripe session calls made so far.
    /// </summary>
    private async Task<(JsonElement First, Guid PurchaseId, int Sessions)> KeyedCheckoutSetBackAsync(TestTeam team, string key, string set)
    {
        var first = await (await CheckoutWithKeyAsync(team, "starter", key)).ReadJsonAsync();
        var purchaseId = Guid.Parse(first.GetProperty("purchase_id").GetString()!);
        await billing.ScalarAsync<int>($"UPDATE credit_purchases SET {set} WHERE id = @id RETURNING 1", ("id", purchaseId));
        return (first, purchaseId, billing.Stripe.CallsTo("POST", "/v1/checkout/sessions").Count());
    }

    private static async Task<HttpResponseMessage> CheckoutWithKeyAsync(TestTeam team, string pack, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/billing/checkout") { Content = JsonContent.Create(new { pack }) };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        return await team.Http.SendAsync(request);
    }

    [Fact]
    public async Task Checkout_AnswersA422Problem_AndRecordsNothing_ForAnUnknownPack()
    {
        var team = await billing.CreateTeamAsync(0);
        var problem = await (await team.Http.PostAsJsonAsync("/billing/checkout", new { pack = "platinum" })).AssertProblemAsync(HttpStatusCode.UnprocessableEntity);
        Assert.Contains("starter", problem.ToString());
        await (await team.Http.PostAsJsonAsync("/billing/checkout", new { pack = 5 })).AssertProblemAsync(HttpStatusCode.UnprocessableEntity);
        await (await team.Http.PostAsJsonAsync("/billing/checkout", new { pack = "starter", extra = 1 })).AssertProblemAsync(HttpStatusCode.UnprocessableEntity);
        Assert.Equal(0L, await billing.ScalarAsync<long>("SELECT count(*) FROM credit_purchases WHERE team_id = @team", ("team", team.TeamId)));
        Assert.Null(await billing.ScalarAsync<object>("SELECT stripe_customer_id FROM teams WHERE id = @team", ("team", team.TeamId)) as string);
    }

    [Fact]
    public async Task Packs_ListsTheConfiguredPacks()
    {
        var team = await billing.CreateTeamAsync(0);
        var packs = await (await team.Http.GetAsync("/billing/packs")).ReadJsonAsync();
        var starter = packs.GetProperty("items").EnumerateArray().Single(p => p.GetProperty("id").GetString() == "starter");
        Assert.Equal(1000, starter.GetProperty("credits").GetInt64());
        Assert.Equal(1000, starter.GetProperty("amount_cents").GetInt64());
        Assert.Equal("usd", starter.GetProperty("currency").GetString());
    }

    [Fact]
    public async Task Settings_RefuseAutoTopUp_BeforeAPaidCheckout_AndBadValues()
    {
        var team = await billing.CreateTeamAsync(100);
        await (await team.Http.PutAsJsonAsync("/billing/settings", new { low_balance_threshold = 50, auto_top_up_pack = "starter" })).AssertProblemAsync(HttpStatusCode.Conflict);
        await (await team.Http.PutAsJsonAsync("/billing/settings", new { low_balance_threshold = -1 })).AssertProblemAsync(HttpStatusCode.UnprocessableEntity);
        await (await team.Http.PutAsJsonAsync("/billing/settings", new { auto_top_up_pack = "starter" })).AssertProblemAsync(HttpStatusCode.UnprocessableEntity);
        await (await team.Http.PutAsJsonAsync("/billing/settings", new { low_balance_threshold = 50, auto_top_up_pack = "nope" })).AssertProblemAsync(HttpStatusCode.UnprocessableEntity);
        var settings = await (await team.Http.GetAsync("/billing/settings")).ReadJsonAsync();
        Assert.Equal(System.Text.Json.JsonValueKind.Null, settings.GetProperty("low_balance_threshold").ValueKind);
        Assert.Equal(0L, await billing.ScalarAsync<long>("SELECT count(*) FROM billing_settings WHERE team_id = @team", ("team", team.TeamId)));
    }
}

/// <summary>Billing on a deployment without Stripe: what needs Stripe answers 503 problems that say what to set; the rest works.</summary>
[Collection(GatewayCollection.Name)]
public sealed class BillingNotConfiguredTests(GatewayFixture gateway)
{
    [Fact]
    public async Task BillingEndpointsThatNeedStripe_Answer503ProblemsNamingTheSettings_WithoutASecretKey()
    {
        var team = await gateway.CreateTeamAsync(10);
        foreach (var response in new[]
                 {
                     await team.Http.GetAsync("/billing/packs"),
                     await team.Http.PostAsJsonAsync("/billing/checkout", new { pack = "starter" }),
                     await team.Http.PutAsJsonAsync("/billing/settings", new { low_balance_threshold = 5, auto_top_up_pack = "starter" }),
                     await BillingFixture.Deliver(gateway.Client(null), "{}", "t=1,v1=00"),
                 })
        {
            var problem = await response.AssertProblemAsync(HttpStatusCode.ServiceUnavailable);
            Assert.Contains("Stripe:SecretKey", problem.GetProperty("detail").GetString());
        }

        // What needs no Stripe works: the (empty) purchase history and the low-balance threshold.
        Assert.Equal(HttpStatusCode.OK, (await team.Http.GetAsync("/billing/purchases")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await team.Http.PutAsJsonAsync("/billing/settings", new { low_balance_threshold = 5 })).StatusCode);
        var credits = await BillingFixture.CreditsAsync(team);
        Assert.Equal(10, credits.GetProperty("balance").GetInt64());
        Assert.Equal(5, credits.GetProperty("low_balance_threshold").GetInt64());
        await (await team.Http.PostAsJsonAsync("/billing/checkout", new { pack = "nope" })).AssertProblemAsync(HttpStatusCode.UnprocessableEntity);
    }
}
