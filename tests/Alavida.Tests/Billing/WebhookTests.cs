using System.Net;
using System.Text.Json.Nodes;
using Alavida.Tests.Gateway;

namespace Alavida.Tests.Billing;

/// <summary>Stripe's webhook, signed by the test as Stripe signs and verified by the production path.</summary>
[Collection(BillingCollection.Name)]
public sealed class WebhookTests(BillingFixture billing)
{
    [Fact]
    public async Task Webhook_CreditsOnce_WhenPaidReplayedAndSentAgainForTheSameSession()
    {
        var checkout = await BillingFixture.CheckoutAsync(await billing.CreateTeamAsync(5));
        var paid = BillingFixture.Event("checkout.session.completed", checkout.Session());

        Assert.Equal("applied", await billing.OutcomeAsync(paid));
        Assert.Equal("duplicate", await billing.OutcomeAsync(paid));
        Assert.Equal("already_applied", await billing.OutcomeAsync(BillingFixture.Event("checkout.session.async_payment_succeeded", checkout.Session())));

        var credits = await BillingFixture.CreditsAsync(checkout.Team);
        Assert.Equal(1005, credits.GetProperty("balance").GetInt64());
        Assert.Equal(1000, credits.GetProperty("lifetime_purchased").GetInt64());
        var purchase = await PurchaseAsync(checkout);
        Assert.Equal("paid", purchase.GetProperty("status").GetString());
        Assert.Equal(checkout.PaymentIntentId, purchase.GetProperty("payment_intent_id").GetString());
        // The opening grant stays a grant: the ledger keeps both, apart.
        Assert.Equal(1L, await billing.ScalarAsync<long>("SELECT count(*) FROM credit_purchases WHERE team_id = @team AND source = 'grant'", ("team", checkout.Team.TeamId)));
    }

    [Fact]
    public async Task Webhook_CreditsOnce_WhenTheSameEventArrivesTwentyTimesAtOnce()
    {
        var checkout = await BillingFixture.CheckoutAsync(await billing.CreateTeamAsync(0));
        var paid = BillingFixture.Event("checkout.session.completed", checkout.Session());

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => billing.OutcomeAsync(paid)));

        Assert.Equal(1, outcomes.Count(o => o == "applied"));
        Assert.Equal(19, outcomes.Count(o => o == "duplicate"));
        Assert.Equal(1000, (await BillingFixture.CreditsAsync(checkout.Team)).GetProperty("balance").GetInt64());
    }

    [Fact]
    public async Task Webhook_CreditsOnce_WhenCompletedArrivesAfterExpired()
    {
        var checkout = await BillingFixture.CheckoutAsync(await billing.CreateTeamAsync(0));
        Assert.Equal("applied", await billing.OutcomeAsync(BillingFixture.Event("checkout.session.expired", checkout.Session("unpaid"))));
        Assert.Equal("expired", (await PurchaseAsync(checkout)).GetProperty("status").GetString());

        Assert.Equal("applied", await billing.OutcomeAsync(BillingFixture.Event("checkout.session.completed", checkout.Session())));
        Assert.Equal("already_applied", await billing.OutcomeAsync(BillingFixture.Event("checkout.session.expired", checkout.Session("unpaid"))));

        Assert.Equal("paid", (await PurchaseAsync(checkout)).GetProperty("status").GetString());
        Assert.Equal(1000, (await BillingFixture.CreditsAsync(checkout.Team)).GetProperty("balance").GetInt64());
    }

    [Fact]
    public async Task Webhook_FollowsAsyncPayments_CreditingOnSuccessOnly()
    {
        var team = await billing.CreateTeamAsync(0);
        var failing = await BillingFixture.CheckoutAsync(team);
        var succeeding = await BillingFixture.CheckoutAsync(team);

        // Completed but not paid yet (a bank debit): nothing to do until the async outcome.
        Assert.Equal("ignored", await billing.OutcomeAsync(BillingFixture.Event("checkout.session.completed", failing.Session("unpaid"))));
        Assert.Equal("applied", await billing.OutcomeAsync(BillingFixture.Event("checkout.session.async_payment_failed", failing.Session("unpaid"))));
        Assert.Equal("ignored", await billing.OutcomeAsync(BillingFixture.Event("checkout.session.completed", succeeding.Session("unpaid"))));
        Assert.Equal("applied", await billing.OutcomeAsync(BillingFixture.Event("checkout.session.async_payment_succeeded", succeeding.Session())));

        Assert.Equal("failed", (await PurchaseAsync(failing)).GetProperty("status").GetString());
        Assert.Equal("paid", (await PurchaseAsync(succeeding)).GetProperty("status").GetString());
        Assert.Equal(1000, (await BillingFixture.CreditsAsync(team)).GetProperty("balance").GetInt64());
    }

    [Fact]
    public async Task Webhook_RemovesWhatIsLeft_AndRecordsTheShortfall_WhenARefundExceedsTheBalance()
    {
        var checkout = await BillingFixture.CheckoutAsync(await billing.CreateTeamAsync(0));
        await billing.OutcomeAsync(BillingFixture.Event("checkout.session.completed", checkout.Session()));
        await checkout.Team.RunToSuccessAsync("/identity/run/resolve-company", new { companies = new[] { new { domain = "acme-refund.com" }, new { domain = "globex-refund.com" } } });
        var before = (await BillingFixture.CreditsAsync(checkout.Team)).GetProperty("balance").GetInt64();
        Assert.True(before < 1000, $"the job should have spent credits; balance {before}");

        Assert.Equal("applied", await billing.OutcomeAsync(BillingFixture.Event("charge.refunded", checkout.Charge(1000, 1000))));
        Assert.Equal("already_applied", await billing.OutcomeAsync(BillingFixture.Event("charge.refunded", checkout.Charge(1000, 1000))));
        Assert.Equal("applied", await billing.OutcomeAsync(BillingFixture.Event("charge.dispute.created", new JsonObject
        {
            ["id"] = "dp_1", ["object"] = "dispute", ["amount"] = 1000, ["currency"] = "usd", ["status"] = "needs_response",
            ["charge"] = "ch_1", ["payment_intent"] = checkout.PaymentIntentId, ["metadata"] = new JsonObject(),
        })));

        var credits = await BillingFixture.CreditsAsync(checkout.Team);
        Assert.Equal(0, credits.GetProperty("balance").GetInt64());
        Assert.Equal(1000 - before, credits.GetProperty("refund_shortfall").GetInt64());
        var purchase = await PurchaseAsync(checkout);
        Assert.Equal("refunded", purchase.GetProperty("status").GetString());
        Assert.Equal(1000, purchase.GetProperty("refunded_credits").GetInt64());
        Assert.Equal(before, purchase.GetProperty("removed_credits").GetInt64());
        Assert.Equal(1000 - before, purchase.GetProperty("refund_shortfall").GetInt64());
        Assert.NotEqual(System.Text.Json.JsonValueKind.Null, purchase.GetProperty("disputed_at").ValueKind);
    }

    [Fact]
    public async Task ARefundArrivingBeforeThePayment_IsAppliedOnce_AndThePaymentEventAfterItAddsNothing()
    {
        var checkout = await BillingFixture.CheckoutAsync(await billing.CreateTeamAsync(0));
        billing.Stripe.KnowPaymentIntent(checkout.PaymentIntentId, checkout.Team.TeamId, checkout.PurchaseId);
        var strangers = BillingFixture.Event("charge.refunded", new JsonObject
        {
            ["id"] = $"ch_{Guid.NewGuid():N}", ["object"] = "charge", ["amount"] = 500, ["amount_refunded"] = 500, ["currency"] = "usd",
            ["payment_intent"] = $"pi_not_ours_{Guid.NewGuid():N}", ["metadata"] = new JsonObject(),
        });

        Assert.Equal("applied", await billing.OutcomeAsync(BillingFixture.Event("charge.refunded", checkout.Charge(1000, 400))));
        Assert.Equal("already_applied", await billing.OutcomeAsync(BillingFixture.Event("checkout.session.completed", checkout.Session())));
        Assert.Equal("unknown_team", await billing.OutcomeAsync(strangers));

        var credits = await BillingFixture.CreditsAsync(checkout.Team);
        Assert.Equal(600, credits.GetProperty("balance").GetInt64());          // paid 1,000, 40 % refunded
        Assert.Equal(1000, credits.GetProperty("lifetime_purchased").GetInt64());
        var purchase = await PurchaseAsync(checkout);
        Assert.Equal("refunded", purchase.GetProperty("status").GetString());
        Assert.Equal(400, purchase.GetProperty("refunded_credits").GetInt64());
    }

    [Fact]
    public async Task Webhook_Answers400_AndChangesNothing_ForABadOrStaleSignature()
    {
        var checkout = await BillingFixture.CheckoutAsync(await billing.CreateTeamAsync(0));
        var paid = BillingFixture.Event("checkout.session.completed", checkout.Session());
        var eventId = System.Text.Json.JsonDocument.Parse(paid).RootElement.GetProperty("id").GetString()!;

        await (await billing.DeliverAsync(paid, secret: "whsec_someone_else")).AssertProblemAsync(HttpStatusCode.BadRequest);
        await (await billing.DeliverAsync(paid, signedAt: DateTimeOffset.UtcNow.AddMinutes(-10))).AssertProblemAsync(HttpStatusCode.BadRequest);
        await (await BillingFixture.Deliver(billing.Client(null), paid, "")).AssertProblemAsync(HttpStatusCode.BadRequest);
        var tampered = paid.Replace("\"1000\"", "\"9000\"");
        await (await BillingFixture.Deliver(billing.Client(null), tampered, BillingFixture.Sign(paid, BillingFixture.WebhookSecret, DateTimeOffset.UtcNow)))
            .AssertProblemAsync(HttpStatusCode.BadRequest);

        Assert.Equal(0L, await billing.ScalarAsync<long>("SELECT count(*) FROM stripe_events WHERE id = @id", ("id", eventId)));
        Assert.Equal(0, (await BillingFixture.CreditsAsync(checkout.Team)).GetProperty("balance").GetInt64());
        Assert.Equal("pending", (await PurchaseAsync(checkout)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Webhook_Answers200AndRecordsTheEvent_WhenItNamesNoTeamOfOurs()
    {
        var checkout = await BillingFixture.CheckoutAsync(await billing.CreateTeamAsync(0));
        var stranger = BillingFixture.Event("checkout.session.completed", checkout.Session(team: Guid.NewGuid()));

        Assert.Equal("unknown_team", await billing.OutcomeAsync(stranger));
        Assert.Equal("duplicate", await billing.OutcomeAsync(stranger));
        Assert.Equal("ignored", await billing.OutcomeAsync(BillingFixture.Event("customer.created", new JsonObject { ["id"] = "cus_x", ["object"] = "customer" })));

        var eventId = System.Text.Json.JsonDocument.Parse(stranger).RootElement.GetProperty("id").GetString()!;
        Assert.Equal("UnknownTeam", await billing.ScalarAsync<string>("SELECT outcome FROM stripe_events WHERE id = @id", ("id", eventId)));
        Assert.Equal(0, (await BillingFixture.CreditsAsync(checkout.Team)).GetProperty("balance").GetInt64());
    }

    private static async Task<System.Text.Json.JsonElement> PurchaseAsync(Checkout checkout)
    {
        var page = await (await checkout.Team.Http.GetAsync("/billing/purchases?limit=200")).ReadJsonAsync();
        return page.GetProperty("items").EnumerateArray().Single(p => p.GetProperty("purchase_id").GetString() == checkout.PurchaseId.ToString());
    }
}
