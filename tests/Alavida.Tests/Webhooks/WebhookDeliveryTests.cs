using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Alavida.Grains.Platform;
using Alavida.Tests.Gateway;
using Alavida.Tests.Infrastructure;

namespace Alavida.Tests.Webhooks;

/// <summary>Deliveries to a receiver on loopback: what arrives, signed how, retried when, and what disables an endpoint.</summary>
[Collection(WebhookCollection.Name)]
public sealed class WebhookDeliveryTests(WebhookFixture fixture)
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task EverySubscribedEvent_IsDeliveredOnce_Signed_WithItsDataAndTrace()
    {
        var team = await fixture.CreateTeamAsync(30);
        var inbox = fixture.Receiver.Open();
        var webhookId = await WebhookFixture.RegisterAsync(team, inbox,
            "job.succeeded", "job.failed", "job.cancelled", "billing/credits.low", "signal/company.scored", "meeting/*");

        var succeeded = await StartJobAsync(team, HeldAction.Name);
        HeldAction.For(succeeded).Release.TrySetResult(1);
        var failed = await StartJobAsync(team, FailingAction.Name);
        var cancelled = await StartJobAsync(team, HeldAction.Name);
        await HeldAction.For(cancelled).Started.Task.Within(Limit, "the held job to start");
        Assert.Equal(CancelOutcome.Cancelled, await fixture.Host.Grains.GetGrain<IJobGrain>(cancelled).CancelAsync());
        Assert.Equal(HttpStatusCode.OK, (await team.Http.PutAsJsonAsync("/billing/settings", new { low_balance_threshold = 1000 })).StatusCode);
        var scored = await WebhookFixture.SendEventAsync(team, "signal/company.scored", new { company_id = "c-1", score = 87 });
        var meeting = await WebhookFixture.SendEventAsync(team, "meeting/booked", new { meeting_id = "m-1" });
        var ignored = await WebhookFixture.SendEventAsync(team, "lead/company.completed", new { company_id = "c-1" });

        var types = new[] { "job.succeeded", "job.failed", "job.cancelled", "billing/credits.low", "signal/company.scored", "meeting/booked" };
        var received = await inbox.WaitForAsync(r => types.All(t => r.Any(x => x.Type == t))).Within(Limit, "one delivery of each event");

        Assert.All(received, r => Assert.Equal(inbox.Secrets.ToList(), r.VerifiedWith));
        Assert.Equal(received.Count, received.Select(r => r.WebhookId).Distinct().Count());
        Assert.Equal(succeeded.ToString(), One(received, "job.succeeded").Data.GetProperty("job_id").GetString());
        Assert.Equal(succeeded.ToString("N"), One(received, "job.succeeded").Json.GetProperty("trace_id").GetString());
        Assert.Equal("failed", One(received, "job.failed").Data.GetProperty("status").GetString());
        Assert.Equal("test_failure", One(received, "job.failed").Data.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(cancelled.ToString(), One(received, "job.cancelled").Data.GetProperty("job_id").GetString());
        Assert.Equal(87, One(received, "signal/company.scored").Data.GetProperty("score").GetInt32());
        Assert.Equal(scored, One(received, "signal/company.scored").Json.GetProperty("event_id").GetString());
        var stored = (await (await team.Http.GetAsync($"/events/{scored}")).ReadJsonAsync()).GetProperty("event");
        Assert.Equal(stored.GetProperty("trace_id").GetString(), One(received, "signal/company.scored").Json.GetProperty("trace_id").GetString());
        Assert.Equal(meeting, One(received, "meeting/booked").Json.GetProperty("event_id").GetString());
        Assert.True(DateTimeOffset.TryParse(One(received, "meeting/booked").Json.GetProperty("timestamp").GetString(), out _));

        // Every delivery was made once, and the event nobody subscribed to started no webhook run at all.
        var items = (await (await team.Http.GetAsync($"/webhooks/{webhookId}/deliveries")).ReadJsonAsync()).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(types.Order(), items.Select(d => d.GetProperty("event_type").GetString()!).Order());
        var runs = (await (await team.Http.GetAsync($"/events/{ignored}")).ReadJsonAsync()).GetProperty("runs");
        Assert.DoesNotContain(runs.EnumerateArray(), r => r.GetProperty("function_id").GetString()!.StartsWith("webhooks/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AttemptAnswered500_IsRetried_WithTheSameWebhookId_ThenDelivered()
    {
        var team = await fixture.CreateTeamAsync(0);
        var inbox = fixture.Receiver.Open();
        inbox.Answer = (_, n, _) => Task.FromResult(n == 1 ? 500 : 200);
        var webhookId = await WebhookFixture.RegisterAsync(team, inbox, "signal/*");

        var eventId = await WebhookFixture.SendEventAsync(team, "signal/company.scored", new { score = 1 });
        var received = await inbox.WaitForAsync(r => r.Count == 2).Within(Limit, "the retry");

        Assert.Equal(received[0].WebhookId, received[1].WebhookId);
        Assert.Equal(received[0].Body, received[1].Body);
        var delivery = await fixture.DeliveryAsync(team, webhookId, d => d.GetProperty("status").GetString() == "delivered");
        Assert.Equal((eventId, 2, 200), (delivery.GetProperty("event_id").GetString(), delivery.GetProperty("attempts").GetInt32(), delivery.GetProperty("response_status").GetInt32()));
        Assert.Equal(received[0].WebhookId, delivery.GetProperty("webhook_message_id").GetString());
        Assert.Equal("ok", delivery.GetProperty("response_excerpt").GetString());
        Assert.Null((await WebhookFixture.GetAsync(team, webhookId)).GetProperty("failing_since").GetString());
    }

    [Fact]
    public async Task EndpointAnswering410_IsDisabled_AfterOneAttempt_AndTheTeamIsToldByAnEvent()
    {
        var team = await fixture.CreateTeamAsync(0);
        var gone = fixture.Receiver.Open();
        gone.Answer = (_, _, _) => Task.FromResult(410);
        var watcher = fixture.Receiver.Open();
        var goneId = await WebhookFixture.RegisterAsync(team, gone, "signal/*");
        await WebhookFixture.RegisterAsync(team, watcher, "webhook/endpoint.disabled");

        await WebhookFixture.SendEventAsync(team, "signal/company.scored", new { score = 1 });
        var told = await watcher.WaitForAsync(r => r.Count >= 1).Within(Limit, "webhook/endpoint.disabled");

        Assert.Equal((goneId, "gone"), (told[0].Data.GetProperty("webhook_id").GetString(), told[0].Data.GetProperty("reason").GetString()));
        var endpoint = await WebhookFixture.GetAsync(team, goneId);
        Assert.False(endpoint.GetProperty("enabled").GetBoolean());
        Assert.Equal("gone", endpoint.GetProperty("disabled_reason").GetString());
        var delivery = await fixture.DeliveryAsync(team, goneId, d => d.GetProperty("status").GetString() == "failed");
        Assert.Equal((1, 410), (delivery.GetProperty("attempts").GetInt32(), delivery.GetProperty("response_status").GetInt32()));
        Assert.Single(gone.All);
    }

    [Fact]
    public async Task EndpointThatNeverAnswers_TimesOutEachAttempt_AndIsDisabledOnceTheScheduleIsSpent()
    {
        var team = await fixture.CreateTeamAsync(0);
        var hanging = fixture.Receiver.Open();
        hanging.Answer = (_, _, aborted) => Answers.HangAsync(aborted);
        var watcher = fixture.Receiver.Open();
        var hangingId = await WebhookFixture.RegisterAsync(team, hanging, "signal/company.scored");
        await WebhookFixture.RegisterAsync(team, watcher, "webhook/*");

        await WebhookFixture.SendEventAsync(team, "signal/company.scored", new { score = 1 });
        var told = await watcher.WaitForAsync(r => r.Any(x => x.Type == "webhook/endpoint.disabled")).Within(Limit, "the endpoint disabled");

        Assert.Equal("failing", told.Single(x => x.Type == "webhook/endpoint.disabled").Data.GetProperty("reason").GetString());
        var delivery = await fixture.DeliveryAsync(team, hangingId, d => d.GetProperty("status").GetString() == "failed");
        Assert.Equal(3, delivery.GetProperty("attempts").GetInt32()); // the schedule's two waits: three attempts
        Assert.Equal(JsonValueKind.Null, delivery.GetProperty("response_status").ValueKind);
        Assert.StartsWith("timed out", delivery.GetProperty("error").GetString());
        Assert.Equal(3, hanging.All.Count);
        Assert.Single(hanging.All.Select(r => r.WebhookId).Distinct());
        var endpoint = await WebhookFixture.GetAsync(team, hangingId);
        Assert.Equal((false, "failing"), (endpoint.GetProperty("enabled").GetBoolean(), endpoint.GetProperty("disabled_reason").GetString()));

        // Enabled again, it starts with a clean record and receives events again.
        hanging.Answer = (_, _, _) => Task.FromResult(204);
        var enabled = await (await team.Http.PatchAsJsonAsync($"/webhooks/{hangingId}", new { enabled = true })).ReadJsonAsync();
        Assert.Equal(JsonValueKind.Null, enabled.GetProperty("disabled_reason").ValueKind);
        Assert.Equal(JsonValueKind.Null, enabled.GetProperty("failing_since").ValueKind);
        await WebhookFixture.SendEventAsync(team, "signal/company.scored", new { score = 2 });
        await hanging.WaitForAsync(r => r.Count == 4).Within(Limit, "a delivery after enabling");
    }

    [Fact]
    public async Task RotatedSecret_SignsWithTheNewSecret_AndTheOldOneForTheOverlap()
    {
        var team = await fixture.CreateTeamAsync(0);
        var inbox = fixture.Receiver.Open();
        var webhookId = await WebhookFixture.RegisterAsync(team, inbox, "signal/*");
        var old = inbox.Secrets.Single();

        var rotated = await (await team.Http.PostAsync($"/webhooks/{webhookId}/rotate-secret", null)).ReadJsonAsync();
        var fresh = rotated.GetProperty("secret").GetString()!;
        Assert.NotEqual(old, fresh);
        Assert.StartsWith("whsec_", fresh);
        Assert.True(rotated.GetProperty("previous_secret_expires_at").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddHours(23));
        inbox.Secrets.Add(fresh);

        await WebhookFixture.SendEventAsync(team, "signal/company.scored", new { score = 1 });
        var received = (await inbox.WaitForAsync(r => r.Count == 1).Within(Limit, "the delivery"))[0];

        Assert.Equal(2, received.Signature.Split(' ').Length);
        Assert.Equal(new[] { old, fresh }.Order(), received.VerifiedWith.Order());
        Assert.False((await WebhookFixture.GetAsync(team, webhookId)).TryGetProperty("secret", out _));
    }

    [Fact]
    public async Task Redelivery_SendsTheSameMessageAgain_AndTestSendsAWebhookTest()
    {
        var team = await fixture.CreateTeamAsync(0);
        var inbox = fixture.Receiver.Open();
        var webhookId = await WebhookFixture.RegisterAsync(team, inbox, "signal/*");
        await WebhookFixture.SendEventAsync(team, "signal/company.scored", new { score = 1 });
        var delivery = await fixture.DeliveryAsync(team, webhookId, d => d.GetProperty("status").GetString() == "delivered");
        var deliveryId = delivery.GetProperty("delivery_id").GetString();

        var again = await team.Http.PostAsync($"/webhooks/{webhookId}/deliveries/{deliveryId}/redeliver", null);
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        var received = await inbox.WaitForAsync(r => r.Count == 2).Within(Limit, "the redelivery");
        Assert.Equal((received[0].WebhookId, received[0].Body), (received[1].WebhookId, received[1].Body));
        var redelivered = await fixture.DeliveryAsync(team, webhookId, d => d.GetProperty("attempts").GetInt32() == 2 && d.GetProperty("status").GetString() == "delivered");
        Assert.Equal(deliveryId, redelivered.GetProperty("delivery_id").GetString());

        var test = await team.Http.PostAsync($"/webhooks/{webhookId}/test", null);
        Assert.Equal(HttpStatusCode.Accepted, test.StatusCode);
        var tested = await inbox.WaitForAsync(r => r.Any(x => x.Type == "webhook.test")).Within(Limit, "the test delivery");
        Assert.Equal(webhookId, tested.Single(x => x.Type == "webhook.test").Data.GetProperty("webhook_id").GetString());

        var unknown = await team.Http.PostAsync($"/webhooks/{webhookId}/deliveries/{Guid.NewGuid()}/redeliver", null);
        await unknown.AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task AnotherTeamsEvents_AreNeverDelivered_AndItsEndpointsAreNotFound()
    {
        var mine = await fixture.CreateTeamAsync(0);
        var theirs = await fixture.CreateTeamAsync(0);
        var myInbox = fixture.Receiver.Open();
        var theirInbox = fixture.Receiver.Open();
        var myWebhook = await WebhookFixture.RegisterAsync(mine, myInbox, "signal/company.scored");
        var theirWebhook = await WebhookFixture.RegisterAsync(theirs, theirInbox, "signal/company.scored");

        var theirEvent = await WebhookFixture.SendEventAsync(theirs, "signal/company.scored", new { score = 5 });
        await theirInbox.WaitForAsync(r => r.Count == 1).Within(Limit, "their delivery");
        var myEvent = await WebhookFixture.SendEventAsync(mine, "signal/company.scored", new { score = 6 });
        await myInbox.WaitForAsync(r => r.Count == 1).Within(Limit, "my delivery");

        // Their event's deliveries were all made with it (one transaction): none of them is mine.
        Assert.Equal([myEvent], myInbox.All.Select(r => r.Json.GetProperty("event_id").GetString()));
        Assert.Equal([theirEvent], theirInbox.All.Select(r => r.Json.GetProperty("event_id").GetString()));
        var myLog = (await (await mine.Http.GetAsync($"/webhooks/{myWebhook}/deliveries")).ReadJsonAsync()).GetProperty("items");
        Assert.Equal([myEvent], myLog.EnumerateArray().Select(d => d.GetProperty("event_id").GetString()));
        await (await mine.Http.GetAsync($"/webhooks/{theirWebhook}")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await mine.Http.GetAsync($"/webhooks/{theirWebhook}/deliveries")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await mine.Http.DeleteAsync($"/webhooks/{theirWebhook}")).AssertProblemAsync(HttpStatusCode.NotFound);
    }

    private async Task<Guid> StartJobAsync(TestTeam team, string action)
    {
        var jobId = Guid.CreateVersion7();
        await fixture.Host.Grains.GetGrain<ITeamGrain>(team.TeamId).AcceptJobAsync(
            new JobSubmission(jobId, team.TeamId, null, Quantums.Identity, action, "{}", 2, null, null, null, 1));
        await fixture.Host.Grains.GetGrain<IJobGrain>(jobId).RunAsync(null);
        return jobId;
    }

    private static Received One(IReadOnlyList<Received> received, string type) => Assert.Single(received, r => r.Type == type);
}
