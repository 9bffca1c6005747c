using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Alavida.Tests.Gateway;
using Alavida.Tests.Infrastructure;

namespace Alavida.Tests.Billing;

/// <summary>Low-balance crossings (billing/credits.low through the outbox) and the auto top-up they start.</summary>
[Collection(BillingCollection.Name)]
public sealed class LowBalanceTests(BillingFixture billing)
{
    [Fact]
    public async Task LowBalance_EmitsOneEventPerCrossing_AndRearmsAboveTheThreshold()
    {
        var team = await billing.CreateTeamAsync(600);
        await PutSettingsAsync(team, new { low_balance_threshold = 599 });
        Assert.False((await BillingFixture.CreditsAsync(team)).GetProperty("low_balance").GetBoolean());

        await ResolveAsync(team, "first-crossing", 2);   // 598: below
        await ResolveAsync(team, "still-low", 1);        // 597: still the same crossing
        var low = await BillingFixture.CreditsAsync(team);
        Assert.True(low.GetProperty("low_balance").GetBoolean());
        Assert.Equal(599, low.GetProperty("low_balance_threshold").GetInt64());

        using var admin = billing.Admin();
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsJsonAsync($"/admin/teams/{team.TeamId}/credits", new { credits = 100 })).StatusCode);
        Assert.False((await BillingFixture.CreditsAsync(team)).GetProperty("low_balance").GetBoolean());
        await PutSettingsAsync(team, new { low_balance_threshold = 1000 }); // 697 is below the new threshold: a second crossing

        var events = await LowEventsAsync(team);
        Assert.Equal([1L, 2L], events.Select(e => e.GetProperty("crossing").GetInt64()));
        Assert.Equal(598, events[0].GetProperty("balance").GetInt64());
        Assert.False(events[0].TryGetProperty("auto_top_up", out _));
    }

    [Fact]
    public async Task AutoTopUp_CreatesOnePaymentIntent_WhenTheThresholdIsCrossedTwiceQuickly()
    {
        var checkout = await BillingFixture.CheckoutAsync(await billing.CreateTeamAsync(0));
        var team = checkout.Team;
        await billing.OutcomeAsync(BillingFixture.Event("checkout.session.completed", checkout.Session()));
        await PutSettingsAsync(team, new { low_balance_threshold = 999, auto_top_up_pack = "starter" });
        var customerId = await billing.ScalarAsync<string>("SELECT stripe_customer_id FROM teams WHERE id = @team", ("team", team.TeamId));

        // Two jobs at once, each taking the balance below the threshold: one crossing.
        await Task.WhenAll(ResolveAsync(team, "quick-a", 1), ResolveAsync(team, "quick-b", 1));

        var intent = await billing.Stripe.PaymentIntentFor(customerId).Within(TimeSpan.FromSeconds(60), "the auto top-up's PaymentIntent");
        var purchaseId = Guid.Parse(intent.Form["metadata[purchase_id]"]);
        Assert.Equal("1000", intent.Form["amount"]);
        Assert.Equal("usd", intent.Form["currency"]);
        Assert.Equal("pm_card_visa", intent.Form["payment_method"]);
        Assert.Equal("true", intent.Form["off_session"]);
        Assert.Equal("true", intent.Form["confirm"]);
        Assert.Equal(team.TeamId.ToString(), intent.Form["metadata[team_id]"]);
        Assert.Equal($"alavida-top-up-{purchaseId:N}", intent.IdempotencyKey);
        Assert.Single(await LowEventsAsync(team));
        Assert.Equal(1L, await billing.ScalarAsync<long>(
            "SELECT count(*) FROM credit_purchases WHERE team_id = @team AND kind = 'auto_top_up'", ("team", team.TeamId)));
        Assert.Single(billing.Stripe.CallsTo("POST", "/v1/payment_intents").Where(c => c.Form["customer"] == customerId).Select(c => c.IdempotencyKey).Distinct());

        // The top-up is asynchronous: a job the balance cannot cover is refused meanwhile.
        var big = await team.Http.PostAsJsonAsync("/identity/run/resolve-company",
            new { companies = Enumerable.Range(0, 999).Select(i => new { domain = $"big-{i}-{Guid.NewGuid():N}.com" }) });
        await big.AssertProblemAsync(HttpStatusCode.PaymentRequired);

        var paymentIntentId = JsonDocument.Parse(intent.Answer!).RootElement.GetProperty("id").GetString()!;
        var metadata = new JsonObject { ["team_id"] = team.TeamId.ToString(), ["purchase_id"] = purchaseId.ToString(), ["pack"] = "starter", ["credits"] = "1000" };
        var succeeded = BillingFixture.Event("payment_intent.succeeded", new JsonObject
        {
            ["id"] = paymentIntentId, ["object"] = "payment_intent", ["status"] = "succeeded", ["amount"] = 1000, ["currency"] = "usd", ["metadata"] = metadata,
        });
        Assert.Equal("applied", await billing.OutcomeAsync(succeeded));
        Assert.Equal("duplicate", await billing.OutcomeAsync(succeeded));

        var credits = await BillingFixture.CreditsAsync(team);
        Assert.Equal(1998, credits.GetProperty("balance").GetInt64());
        Assert.Equal(2000, credits.GetProperty("lifetime_purchased").GetInt64());
        Assert.False(credits.GetProperty("low_balance").GetBoolean());
    }

    [Fact]
    public async Task AutoTopUp_RecordsTheFailure_WhenThePaymentIntentFails()
    {
        var checkout = await BillingFixture.CheckoutAsync(await billing.CreateTeamAsync(0));
        var team = checkout.Team;
        await billing.OutcomeAsync(BillingFixture.Event("checkout.session.completed", checkout.Session()));
        await PutSettingsAsync(team, new { low_balance_threshold = 1001, auto_top_up_pack = "starter" }); // already below: a crossing
        var customerId = await billing.ScalarAsync<string>("SELECT stripe_customer_id FROM teams WHERE id = @team", ("team", team.TeamId));
        var intent = await billing.Stripe.PaymentIntentFor(customerId).Within(TimeSpan.FromSeconds(60), "the auto top-up's PaymentIntent");

        var failed = BillingFixture.Event("payment_intent.payment_failed", new JsonObject
        {
            ["id"] = JsonDocument.Parse(intent.Answer!).RootElement.GetProperty("id").GetString(), ["object"] = "payment_intent", ["status"] = "requires_payment_method",
            ["amount"] = 1000, ["currency"] = "usd", ["last_payment_error"] = new JsonObject { ["type"] = "card_error", ["message"] = "Your card was declined." },
            ["metadata"] = new JsonObject { ["team_id"] = team.TeamId.ToString(), ["purchase_id"] = intent.Form["metadata[purchase_id]"] },
        });
        Assert.Equal("applied", await billing.OutcomeAsync(failed));

        var page = await (await team.Http.GetAsync("/billing/purchases")).ReadJsonAsync();
        var topUp = page.GetProperty("items").EnumerateArray().Single(p => p.GetProperty("kind").GetString() == "auto_top_up");
        Assert.Equal("failed", topUp.GetProperty("status").GetString());
        Assert.Equal("Your card was declined.", topUp.GetProperty("failure").GetString());
        Assert.Equal(1000, (await BillingFixture.CreditsAsync(team)).GetProperty("balance").GetInt64());
    }

    [Fact]
    public async Task AutoTopUp_IsNotBoughtAgain_WhileTheFirstIsInFlight_WhenTheBalanceRisesAndDipsAgain()
    {
        var checkout = await BillingFixture.CheckoutAsync(await billing.CreateTeamAsync(0));
        var team = checkout.Team;
        await billing.OutcomeAsync(BillingFixture.Event("checkout.session.completed", checkout.Session()));
        await PutSettingsAsync(team, new { low_balance_threshold = 999, auto_top_up_pack = "starter" });
        var customerId = await billing.ScalarAsync<string>("SELECT stripe_customer_id FROM teams WHERE id = @team", ("team", team.TeamId));

        await ResolveAsync(team, "dip-1", 2);                                   // 998: crossing 1, top-up 1
        await billing.Stripe.PaymentIntentFor(customerId).Within(TimeSpan.FromSeconds(60), "the first top-up's PaymentIntent");
        var grant = await billing.Admin().PostAsJsonAsync($"/admin/teams/{team.TeamId}/credits", new { credits = 10, note = "goodwill" });
        Assert.True(grant.IsSuccessStatusCode, await grant.Content.ReadAsStringAsync()); // 1008: back above, the mark cleared
        await ResolveAsync(team, "dip-2", 10);                                  // 998: crossing 2, while top-up 1 is unpaid

        var low = await LowEventsAsync(team);
        Assert.Equal(2, low.Count);
        Assert.True(low[1].GetProperty("auto_top_up").GetProperty("in_flight").GetBoolean());
        Assert.Equal(low[0].GetProperty("auto_top_up").GetProperty("purchase_id").GetString(), low[1].GetProperty("auto_top_up").GetProperty("purchase_id").GetString());
        Assert.Equal(1L, await billing.ScalarAsync<long>(
            "SELECT count(*) FROM credit_purchases WHERE team_id = @team AND kind = 'auto_top_up'", ("team", team.TeamId)));
    }

    private static async Task PutSettingsAsync(TestTeam team, object settings)
    {
        var response = await team.Http.PutAsJsonAsync("/billing/settings", settings);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    private static Task ResolveAsync(TestTeam team, string name, int companies) => team.RunToSuccessAsync("/identity/run/resolve-company",
        new { companies = Enumerable.Range(0, companies).Select(i => new { domain = $"{name}-{i}-{Guid.NewGuid():N}.com" }) });

    private async Task<List<JsonElement>> LowEventsAsync(TestTeam team)
    {
        await using var connection = new Npgsql.NpgsqlConnection(billing.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(
            "SELECT data::text FROM outbox_events WHERE team_id = @team AND name = 'billing/credits.low' ORDER BY created_at, id", connection);
        command.Parameters.AddWithValue("team", team.TeamId);
        var events = new List<JsonElement>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            events.Add(JsonDocument.Parse(reader.GetString(0)).RootElement.Clone());
        }

        return events;
    }
}
