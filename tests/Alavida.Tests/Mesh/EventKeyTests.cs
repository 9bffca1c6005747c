using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Alavida.Tests.Gateway;
using Alavida.Tests.Infrastructure;

namespace Alavida.Tests.Mesh;

/// <summary>Event keys and Inngest's event API (<c>POST /e/{key}</c>), over real HTTP; the official Inngest SDK as a client.</summary>
[Collection(GatewayCollection.Name)]
public sealed class EventKeyTests(GatewayFixture gateway)
{
    private async Task<string> EventKeyAsync(TestTeam team, string name = "connector")
    {
        var response = await team.Http.PostAsJsonAsync("/event-keys", new { name });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.ReadJsonAsync()).GetProperty("key").GetString()!;
    }

    private async Task<JsonElement> EventAsync(TestTeam team, string id)
    {
        var response = await team.Http.GetAsync($"/events/{Uri.EscapeDataString(id)}");
        Assert.True(response.IsSuccessStatusCode, $"GET /events/{id}: {(int)response.StatusCode}");
        return (await response.ReadJsonAsync()).GetProperty("event");
    }

    [Fact]
    public async Task TheInngestSdk_SendsOneEventAndABatch_ThatReachTheMeshUnchanged_UnderTheKeysTeam()
    {
        var team = await gateway.CreateTeamAsync(10);
        var key = await EventKeyAsync(team);
        var tag = Guid.NewGuid().ToString("N")[..12];

        var (code, output, error) = await NodeScript.RunAsync(NodeScript.Folder("Mesh/inngest"), "send.mjs",
            new Dictionary<string, string> { ["ALAVIDA_URL"] = gateway.Host.Address.ToString(), ["EVENT_KEY"] = key, ["TAG"] = tag });

        Assert.True(code == 0, $"{error}\n{output}");
        var sent = JsonDocument.Parse(output).RootElement;
        Assert.False(sent.TryGetProperty("error", out var failure), failure.ToString());
        var one = await EventAsync(team, Assert.Single(sent.GetProperty("one").EnumerateArray()).GetString()!);
        Assert.Equal($"conformance/{tag}.one", one.GetProperty("name").GetString());
        Assert.Equal(1, one.GetProperty("data").GetProperty("n").GetInt32());
        Assert.Equal("""[1,"two",null]""", one.GetProperty("data").GetProperty("nested").GetProperty("list").GetRawText());
        Assert.Equal($"trace-{tag}", one.GetProperty("trace_id").GetString());
        Assert.Equal(team.TeamId.ToString(), one.GetProperty("team_id").GetString());
        var batch = sent.GetProperty("batch").EnumerateArray().Select(i => i.GetString()!).ToList();
        Assert.Equal(2, batch.Count);
        Assert.Equal($"fixed-{tag}", batch[1]);
        var fixedEvent = await EventAsync(team, batch[1]);
        Assert.Equal(3, fixedEvent.GetProperty("data").GetProperty("n").GetInt32());
        Assert.Equal("user-1", fixedEvent.GetProperty("user").GetProperty("external_id").GetString());
        Assert.Equal("2026-12-01.1", fixedEvent.GetProperty("v").GetString());
        Assert.Equal(1764979200000, fixedEvent.GetProperty("ts").GetInt64());
        Assert.Equal(2, (await EventAsync(team, batch[0])).GetProperty("data").GetProperty("n").GetInt32());
    }

    [Fact]
    public async Task TheInngestSdk_WithARevokedKey_IsRefused()
    {
        var team = await gateway.CreateTeamAsync(10);
        var key = await EventKeyAsync(team);
        var keyId = (await team.Http.GetFromJsonAsync<JsonElement>("/event-keys")).GetProperty("items")[0].GetProperty("key_id").GetString();
        Assert.Equal(HttpStatusCode.NoContent, (await team.Http.PostAsync($"/event-keys/{keyId}/revoke", null)).StatusCode);
        var tag = Guid.NewGuid().ToString("N")[..12];

        var (code, output, _) = await NodeScript.RunAsync(NodeScript.Folder("Mesh/inngest"), "send.mjs",
            new Dictionary<string, string> { ["ALAVIDA_URL"] = gateway.Host.Address.ToString(), ["EVENT_KEY"] = key, ["TAG"] = tag });

        Assert.Equal(0, code);
        Assert.True(JsonDocument.Parse(output).RootElement.TryGetProperty("error", out _), output);
        var listed = await team.Http.GetFromJsonAsync<JsonElement>($"/events?name=conformance/{tag}.one");
        Assert.Empty(listed.GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task EventKeys_AreShownOnce_ListedWithoutSecrets_OnlySendEvents_AndRevokeAtOnce()
    {
        var team = await gateway.CreateTeamAsync(10);
        var other = await gateway.CreateTeamAsync(10);
        var created = await (await team.Http.PostAsJsonAsync("/event-keys", new { name = "granola" })).ReadJsonAsync();
        var key = created.GetProperty("key").GetString()!;
        var keyId = created.GetProperty("key_id").GetString()!;
        using var withEventKey = gateway.Client(key);

        var listed = await team.Http.GetFromJsonAsync<JsonElement>("/event-keys");
        var asBearer = await withEventKey.GetAsync("/events");
        var apiKeyAsEventKey = await gateway.Client(null).PostAsJsonAsync($"/e/{team.ApiKey}", new { name = "x/y", data = new { } });
        var othersRevoke = await other.Http.PostAsync($"/event-keys/{keyId}/revoke", null);
        var sent = await gateway.Client(null).PostAsJsonAsync($"/e/{key}", new { name = "x/before-revoke", data = new { } });
        var revoke = await team.Http.PostAsync($"/event-keys/{keyId}/revoke", null);
        var afterRevoke = await gateway.Client(null).PostAsJsonAsync($"/e/{key}", new { name = "x/after-revoke", data = new { } });
        var unknown = await gateway.Client(null).PostAsJsonAsync($"/e/{key[..^4]}AAAA", new { name = "x/y", data = new { } });
        var malformedKey = await gateway.Client(null).PostAsJsonAsync("/e/not-a-key", new { name = "x/y", data = new { } });
        var adminList = await gateway.Admin().GetFromJsonAsync<JsonElement>($"/admin/teams/{team.TeamId}/api-keys");

        Assert.StartsWith("alve_", key); // not an API key's alv_: releases before event keys refuse it outright
        var item = Assert.Single(listed.GetProperty("items").EnumerateArray());
        Assert.Equal(("granola", keyId), (item.GetProperty("name").GetString(), item.GetProperty("key_id").GetString()));
        Assert.DoesNotContain(key, listed.ToString());
        Assert.Contains("event key", (await asBearer.AssertProblemAsync(HttpStatusCode.Unauthorized)).GetProperty("detail").GetString());
        Assert.Contains("not an event key", (await apiKeyAsEventKey.AssertProblemAsync(HttpStatusCode.Unauthorized)).GetProperty("detail").GetString());
        await othersRevoke.AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.OK, sent.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        await afterRevoke.AssertProblemAsync(HttpStatusCode.Unauthorized);
        await unknown.AssertProblemAsync(HttpStatusCode.Unauthorized);
        await malformedKey.AssertProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Contains(adminList.GetProperty("items").EnumerateArray(), k => k.GetProperty("kind").GetString() == "event");
        Assert.Empty((await team.Http.GetFromJsonAsync<JsonElement>("/events?name=x/after-revoke")).GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task Send_AnswersAsInngest_DeduplicatesPerTeam_AndDerivesIdsFromTheSdksSeed()
    {
        var team = await gateway.CreateTeamAsync(10);
        var other = await gateway.CreateTeamAsync(10);
        var key = await EventKeyAsync(team);
        var otherKey = await EventKeyAsync(other);
        var http = gateway.Client(null);
        var id = $"evt-{Guid.NewGuid():N}";

        var first = await (await http.PostAsJsonAsync($"/e/{key}", new { id, name = "deal/won", data = new { amount = 5 } })).ReadJsonAsync();
        var again = await (await http.PostAsJsonAsync($"/e/{key}", new[] { new { id, name = "deal/won", data = new { amount = 6 } } })).ReadJsonAsync();
        var othersSameId = await http.PostAsJsonAsync($"/e/{otherKey}", new { id, name = "deal/won", data = new { amount = 7 } });
        SeedsOf(http, "1764979200000,c2VlZA==");
        var seeded = await (await http.PostAsJsonAsync($"/e/{key}", new object[] { new { name = "deal/seeded", data = new { } }, new { name = "deal/seeded", data = new { } } })).ReadJsonAsync();
        var retried = await (await http.PostAsJsonAsync($"/e/{key}", new object[] { new { name = "deal/seeded", data = new { } }, new { name = "deal/seeded", data = new { } } })).ReadJsonAsync();

        Assert.Equal(200, first.GetProperty("status").GetInt32());
        Assert.Equal(id, Assert.Single(first.GetProperty("ids").EnumerateArray()).GetString());
        Assert.Equal(id, Assert.Single(again.GetProperty("ids").EnumerateArray()).GetString());
        Assert.Equal(5, (await EventAsync(team, id)).GetProperty("data").GetProperty("amount").GetInt32());
        Assert.Equal(HttpStatusCode.OK, othersSameId.StatusCode);
        Assert.Equal(7, (await EventAsync(other, id)).GetProperty("data").GetProperty("amount").GetInt32());
        Assert.Equal(seeded.GetProperty("ids").ToString(), retried.GetProperty("ids").ToString());
        Assert.Equal(2, seeded.GetProperty("ids").EnumerateArray().Select(i => i.GetString()).Distinct().Count());
        Assert.Equal(2, (await team.Http.GetFromJsonAsync<JsonElement>("/events?name=deal/seeded")).GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task AMalformedEvent_Is400NamingItsIndexAndField_AndNoneOfTheBatchIsStored()
    {
        var team = await gateway.CreateTeamAsync(10);
        var key = await EventKeyAsync(team);
        var http = gateway.Client(null);
        var tag = Guid.NewGuid().ToString("N")[..10];

        var badTs = await http.PostAsync($"/e/{key}", new StringContent($$$"""[{"name":"ok/{{{tag}}}","data":{}},{"name":"ok/{{{tag}}}","data":{},"ts":"soon"}]""", System.Text.Encoding.UTF8, "application/json"));
        var noName = await http.PostAsync($"/e/{key}", new StringContent($$$"""[{"name":"ok/{{{tag}}}","data":{}},{"data":{"a":1}}]""", System.Text.Encoding.UTF8, "application/json"));
        var notJson = await http.PostAsync($"/e/{key}", new StringContent("{nope", System.Text.Encoding.UTF8, "application/json"));
        var notEvents = await http.PostAsync($"/e/{key}", new StringContent("[1,2]", System.Text.Encoding.UTF8, "application/json"));

        var problem = await badTs.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal("events[1].ts", problem.GetProperty("errors")[0].GetProperty("field").GetString());
        var missing = await noName.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("[1]", missing.GetProperty("errors")[0].GetProperty("field").GetString());
        await notJson.AssertProblemAsync(HttpStatusCode.BadRequest);
        await notEvents.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.Empty((await team.Http.GetFromJsonAsync<JsonElement>($"/events?name=ok/{tag}")).GetProperty("items").EnumerateArray());
    }

    private static void SeedsOf(HttpClient http, string seed) => http.DefaultRequestHeaders.Add("x-inngest-event-id-seed", seed);
}
