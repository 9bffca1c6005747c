using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Alavida.Grains.Meetings;
using Alavida.Tests.Gateway;
using Alavida.Tests.Infrastructure;
using Alavida.Tests.Prospect;

namespace Alavida.Tests.Meetings;

/// <summary>
/// The n8n example (<c>examples/n8n</c>): its Code node runs on a Granola-style note as n8n runs it, and the request its
/// HTTP Request node describes (method, URL path, the Header Auth credential, the JSON body) is sent to a real platform.
/// That n8n itself imports the workflow is checked by <c>examples/n8n/check-import.sh</c>, outside the suite (n8n is large).
/// </summary>
[Collection(MeetingCollection.Name)]
public sealed class N8nExampleTests(GatewayFixture fixture)
{
    private static readonly string Example = Path.Combine(RegistryContractTests.RepositoryRoot(), "examples", "n8n");

    [Fact]
    public async Task TheWorkflowsRequest_StoresTheNoteAsAMeeting_AndItsRetryIsTakenOnce()
    {
        var team = await fixture.CreateTeamAsync(credits: 10);
        var eventKey = (await (await team.Http.PostAsJsonAsync("/event-keys", new { name = "n8n" })).ReadJsonAsync()).GetProperty("key").GetString()!;
        var workflowPath = Path.Combine(Example, "granola-to-alavida.json");
        var workflow = JsonNode.Parse(await File.ReadAllTextAsync(workflowPath))!;
        var send = workflow["nodes"]!.AsArray().Single(n => (string?)n!["type"] == "n8n-nodes-base.httpRequest")!;
        var parameters = send["parameters"]!;
        var note = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(Example, "sample-granola-note.json")))!;

        // What the Code node makes of the webhook's item ({headers, params, query, body}), run by node as n8n runs it.
        var items = Path.GetTempFileName();
        await File.WriteAllTextAsync(items, new JsonArray(new JsonObject { ["headers"] = new JsonObject(), ["params"] = new JsonObject(), ["query"] = new JsonObject(), ["body"] = note.DeepClone() }).ToJsonString());
        var (code, output, error) = await NodeScript.RunAsync(NodeScript.Folder("Meetings/n8n"), "code-node.mjs",
            new Dictionary<string, string>(), workflowPath, "Note to Alavida event", items);
        File.Delete(items);
        Assert.True(code == 0, error);
        var body = Assert.Single(JsonNode.Parse(output)!.AsArray())!["json"]!;

        // The request the HTTP Request node sends: POST to the URL's path, the Header Auth credential, JSON.stringify($json).
        Assert.Equal(("POST", "genericCredentialType", "httpHeaderAuth", "json", "={{ JSON.stringify($json) }}"),
            ((string?)parameters["method"], (string?)parameters["authentication"], (string?)parameters["genericAuthType"], (string?)parameters["specifyBody"], (string?)parameters["jsonBody"]));
        Assert.NotNull(send["credentials"]!["httpHeaderAuth"]);
        var path = new Uri((string)parameters["url"]!).AbsolutePath;
        async Task<HttpResponseMessage> SendAsync()
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", eventKey); // the credential: Name "Authorization", Value "Bearer <event key>"
            return await fixture.Client(null).SendAsync(request);
        }

        var sent = await (await SendAsync()).ReadJsonAsync();
        var retried = await (await SendAsync()).ReadJsonAsync(); // n8n's retry after a lost answer

        Assert.Equal(200, sent.GetProperty("status").GetInt32());
        var eventId = Assert.Single(sent.GetProperty("ids").EnumerateArray()).GetString()!;
        Assert.Equal("granola-not_7kQ2mVx9LpR4sT-2026-11-24T15:41:03Z", eventId);
        Assert.Equal(eventId, Assert.Single(retried.GetProperty("ids").EnumerateArray()).GetString());
        var trace = (await (await team.Http.GetAsync($"/events/{Uri.EscapeDataString(eventId)}")).ReadJsonAsync()).GetProperty("event").GetProperty("trace_id").GetString()!;
        var runs = await CascadeWait.UntilAsync(fixture, trace, c => c.Runs(TranscriptReceivedFunction.Id) >= 1);
        Assert.Equal(1, runs.Runs(TranscriptReceivedFunction.Id, "completed"));
        Assert.Equal(1, runs.Runs(TranscriptReceivedFunction.Id));

        var listed = Assert.Single(await team.Http.ListAllAsync("/meeting-sync/data/meetings?source=granola&external_id=not_7kQ2mVx9LpR4sT"));
        var meeting = await (await team.Http.GetAsync($"/meeting-sync/data/meetings/{listed.GetProperty("meeting_id").GetString()}")).ReadJsonAsync();
        Assert.Equal("Northwind Logistics – discovery call", meeting.GetProperty("title").GetString());
        var participants = meeting.GetProperty("participants").EnumerateArray().Select(p => (p.GetProperty("name").GetString(), p.GetProperty("role").GetString())).ToList();
        Assert.Equal([("Dana Reyes", "host"), ("Chris Park", "guest"), ("Priya Shah", "guest")], participants);
        var segments = meeting.GetProperty("segments").EnumerateArray().ToList();
        Assert.Equal(6, segments.Count); // the blank seventh is left out
        Assert.Equal(["Dana Reyes", "Chris Park", "Priya Shah", "Dana Reyes", "Other participant", "Dana Reyes"], segments.Select(s => s.GetProperty("speaker").GetString()!).ToList());
        Assert.Equal(38, segments[1].GetProperty("start_s").GetDouble());
    }

    [Fact]
    public async Task TheHeaderForm_RefusesAMissingOrWrongKey_AndStoresNothing()
    {
        var team = await fixture.CreateTeamAsync(credits: 10);
        var body = new StringContent("""{"name":"x/header-form","data":{}}""", Encoding.UTF8, "application/json");

        var missing = await fixture.Client(null).PostAsync("/e", body);
        var apiKey = await team.Http.PostAsync("/e", body);
        var wrong = await fixture.Client("alve_AAAAAAAAAA_wrongwrongwrongwrongwrong").PostAsync("/e", body);

        Assert.Contains("Authorization: Bearer <event key>", (await missing.AssertProblemAsync(HttpStatusCode.Unauthorized)).GetProperty("detail").GetString());
        Assert.Contains("not an event key", (await apiKey.AssertProblemAsync(HttpStatusCode.Unauthorized)).GetProperty("detail").GetString());
        await wrong.AssertProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Empty(await team.Http.ListAllAsync("/events?name=x/header-form"));
    }
}
