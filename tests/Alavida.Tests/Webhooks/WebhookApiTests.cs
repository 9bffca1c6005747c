using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Alavida.Tests.Gateway;

namespace Alavida.Tests.Webhooks;

/// <summary>Managing endpoints over HTTP: what is stored, what is shown, and bad input refused with nothing stored.</summary>
[Collection(WebhookCollection.Name)]
public sealed class WebhookApiTests(WebhookFixture fixture)
{
    [Fact]
    public async Task Endpoint_IsCreatedListedChangedAndDeleted_AndItsSecretIsShownOnce()
    {
        var team = await fixture.CreateTeamAsync(0);
        var url = fixture.Receiver.Open().Url.ToString();
        var created = await team.Http.PostAsJsonAsync("/webhooks", new { url, events = new[] { "job.succeeded", "meeting/*" }, description = "CRM" });
        var body = await created.ReadJsonAsync();
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = body.GetProperty("webhook_id").GetString()!;
        Assert.Equal($"/webhooks/{id}", created.Headers.Location?.ToString());
        Assert.Matches("^whsec_[A-Za-z0-9+/]{43}=$", body.GetProperty("secret").GetString());
        Assert.Equal((url, true, "CRM"), (body.GetProperty("webhook").GetProperty("url").GetString(), body.GetProperty("webhook").GetProperty("enabled").GetBoolean(),
            body.GetProperty("webhook").GetProperty("description").GetString()));

        var listed = await (await team.Http.GetAsync("/webhooks")).ReadJsonAsync();
        var item = Assert.Single(listed.GetProperty("items").EnumerateArray());
        Assert.Equal(id, item.GetProperty("webhook_id").GetString());
        Assert.False(item.TryGetProperty("secret", out _));

        var patched = await team.Http.PatchAsJsonAsync($"/webhooks/{id}", new { events = new[] { "signal/*" }, enabled = false });
        var after = await patched.ReadJsonAsync();
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        Assert.Equal(["signal/*"], after.GetProperty("events").EnumerateArray().Select(e => e.GetString()));
        Assert.False(after.GetProperty("enabled").GetBoolean());
        Assert.Equal(url, after.GetProperty("url").GetString());
        Assert.Equal("CRM", after.GetProperty("description").GetString());
        await (await team.Http.PostAsync($"/webhooks/{id}/test", null)).AssertProblemAsync(HttpStatusCode.Conflict);

        Assert.Equal(HttpStatusCode.NoContent, (await team.Http.DeleteAsync($"/webhooks/{id}")).StatusCode);
        await (await team.Http.GetAsync($"/webhooks/{id}")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await team.Http.DeleteAsync($"/webhooks/{id}")).AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task List_PagesNewestFirst()
    {
        var team = await fixture.CreateTeamAsync(0);
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add(await WebhookFixture.RegisterAsync(team, fixture.Receiver.Open(), $"signal/e{i}"));
        }

        var first = await (await team.Http.GetAsync("/webhooks?limit=2")).ReadJsonAsync();
        var cursor = first.GetProperty("next_cursor").GetString();
        var second = await (await team.Http.GetAsync($"/webhooks?limit=2&cursor={cursor}")).ReadJsonAsync();
        var seen = first.GetProperty("items").EnumerateArray().Concat(second.GetProperty("items").EnumerateArray()).Select(w => w.GetProperty("webhook_id").GetString());
        Assert.Equal(Enumerable.Reverse(ids), seen);
        Assert.Equal(JsonValueKind.Null, second.GetProperty("next_cursor").ValueKind);
    }

    public static TheoryData<string, string> InvalidBodies => new()
    {
        { """{"events":["job.succeeded"]}""", "/url" },
        { """{"url":"not a url","events":["job.succeeded"]}""", "/url" },
        { """{"url":"ftp://example.com/x","events":["job.succeeded"]}""", "/url" },
        { """{"url":"https://user:pw@example.com/x","events":["job.succeeded"]}""", "/url" },
        { """{"url":"https://example.com/x"}""", "/events" },
        { """{"url":"https://example.com/x","events":[]}""", "/events" },
        { """{"url":"https://example.com/x","events":["a*b"]}""", "/events/0" },
        { """{"url":"https://example.com/x","events":["job.succeeded","job.succeeded"]}""", "/events/1" },
        { """{"url":"https://example.com/x","events":["webhook/delivery.requested"]}""", "/events/0" },
        { """{"url":"https://example.com/x","events":["has space"]}""", "/events/0" },
        { """{"url":"https://example.com/x","events":[""]}""", "/events/0" },
        { """{"url":"https://example.com/x","events":["job.failed"],"secret":"mine"}""", "/secret" },
        { """{"url":"https://example.com/x","events":"job.failed"}""", "/events" },
        { """{"url":5,"events":["job.failed"]}""", "/url" },
    };

    [Theory]
    [MemberData(nameof(InvalidBodies))]
    public async Task Create_WithInvalidBody_Is422NamingTheField_AndStoresNothing(string json, string field)
    {
        var team = await fixture.CreateTeamAsync(0);
        var response = await team.Http.PostAsync("/webhooks", new StringContent(json, Encoding.UTF8, "application/json"));
        var problem = await response.AssertProblemAsync(HttpStatusCode.UnprocessableEntity);
        Assert.Contains(problem.GetProperty("errors").EnumerateArray(), e => e.GetProperty("field").GetString() == field);
        Assert.Equal(0L, await fixture.ScalarAsync<long>("SELECT count(*) FROM webhooks.endpoints WHERE team_id = @team", ("team", team.TeamId)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("[1]")]
    [InlineData("{\"url\":")]
    public async Task Create_WithABodyThatIsNotAnObject_Is400_AndStoresNothing(string json)
    {
        var team = await fixture.CreateTeamAsync(0);
        var response = await team.Http.PostAsync("/webhooks", new StringContent(json, Encoding.UTF8, "application/json"));
        await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(0L, await fixture.ScalarAsync<long>("SELECT count(*) FROM webhooks.endpoints WHERE team_id = @team", ("team", team.TeamId)));
    }

    [Fact]
    public async Task Update_WithNothingOrBadValues_Is422_AndChangesNothing_AndBadIdsAre400()
    {
        var team = await fixture.CreateTeamAsync(0);
        var id = await WebhookFixture.RegisterAsync(team, fixture.Receiver.Open(), "job.succeeded");

        await (await team.Http.PatchAsJsonAsync($"/webhooks/{id}", new { })).AssertProblemAsync(HttpStatusCode.UnprocessableEntity);
        await (await team.Http.PatchAsJsonAsync($"/webhooks/{id}", new { url = "https://example.com/x", events = Array.Empty<string>() }))
            .AssertProblemAsync(HttpStatusCode.UnprocessableEntity);
        Assert.Equal(["job.succeeded"], (await WebhookFixture.GetAsync(team, id)).GetProperty("events").EnumerateArray().Select(e => e.GetString()));
        await (await team.Http.PatchAsJsonAsync($"/webhooks/{Guid.NewGuid()}", new { enabled = true })).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await team.Http.GetAsync("/webhooks/not-a-uuid")).AssertProblemAsync(HttpStatusCode.BadRequest);
        await (await team.Http.PostAsync($"/webhooks/{id}/deliveries/nope/redeliver", null)).AssertProblemAsync(HttpStatusCode.BadRequest);
        await (await team.Http.GetAsync($"/webhooks/{id}/deliveries?limit=0")).AssertProblemAsync(HttpStatusCode.UnprocessableEntity);
    }
}
