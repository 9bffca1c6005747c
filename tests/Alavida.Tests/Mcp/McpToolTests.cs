using System.Net;
using Alavida.Grains.Platform;
using Alavida.Tests.Gateway;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace Alavida.Tests.Mcp;

/// <summary>
/// The MCP tools through the C# SDK's client against a real platform: failures as tool errors carrying the API's
/// ProblemDetails, the answer cap and its cursors, cancellation, the skill resources, and who may call /mcp.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class McpToolTests(GatewayFixture gateway)
{
    [Fact]
    public async Task RunComponent_WithBadInput_IsAToolErrorNamingTheField_AndChargesNothing()
    {
        var team = await gateway.CreateTeamAsync(10);
        await using var mcp = await McpClients.HttpAsync(gateway, team.ApiKey);

        var result = await mcp.CallAsync("run_component", new { quantum = "identity", action = "resolve-company", input = new { companies = new[] { new { domain = 5 } } } });

        Assert.True(result.IsError);
        Assert.Contains("HTTP 422", result.Text());
        Assert.Contains("- /companies/0/domain: ", result.Text());
        Assert.Matches("trace_id: [0-9a-f]{32}", result.Text());
        Assert.Equal(10, (await mcp.CallAsync("get_credits")).Json().GetProperty("balance").GetInt64());
    }

    [Fact]
    public async Task RunComponent_WithAWait_AnswersTheFinishedJob_ActingAsTheCallersTeam()
    {
        var team = await gateway.CreateTeamAsync(10);
        var other = await gateway.CreateTeamAsync(10);
        await using var mcp = await McpClients.HttpAsync(gateway, team.ApiKey);
        await using var otherMcp = await McpClients.HttpAsync(gateway, other.ApiKey);

        var input = new { companies = new[] { new { domain = $"wait-{Guid.NewGuid():N}.com" } } };
        var job = (await mcp.CallAsync("run_component", new { quantum = "identity", action = "resolve-company", input, wait_seconds = 30, idempotency_key = "mcp-wait" })).Json();
        var again = (await mcp.CallAsync("run_component", new { quantum = "identity", action = "resolve-company", input, idempotency_key = "mcp-wait" })).Json();
        var fromOtherTeam = await otherMcp.CallAsync("get_job", new { job_id = job.GetProperty("job_id").GetString() });

        Assert.Equal("succeeded", job.GetProperty("status").GetString());
        Assert.Equal(1, job.GetProperty("usage").GetProperty("credits_charged").GetInt32());
        Assert.Equal(job.GetProperty("job_id").GetString(), again.GetProperty("job_id").GetString()); // the key makes the retry safe
        Assert.Equal(9, (await mcp.CallAsync("get_credits")).Json().GetProperty("balance").GetInt64());
        Assert.True(fromOtherTeam.IsError); // each /mcp call acts as its caller: another team's job is not there
        Assert.Contains("HTTP 404", fromOtherTeam.Text());
    }

    [Fact]
    public async Task GetJob_OfAnUnknownJob_IsAToolErrorWithTheDetail_AndTheSessionGoesOn()
    {
        var team = await gateway.CreateTeamAsync(0);
        await using var mcp = await McpClients.HttpAsync(gateway, team.ApiKey);

        var unknown = await mcp.CallAsync("get_job", new { job_id = Guid.NewGuid() });
        var missing = await mcp.CallAsync("get_job");
        var tooLong = await mcp.CallAsync("get_job", new { job_id = Guid.NewGuid(), wait_seconds = 31 });

        Assert.True(unknown.IsError);
        Assert.Contains("HTTP 404", unknown.Text());
        Assert.True(missing.IsError);
        Assert.Contains("job_id", missing.Text());
        Assert.True(tooLong.IsError);
        Assert.Contains("wait_seconds: must be from 0 to 30", tooLong.Text());
        Assert.Equal(0, (await mcp.CallAsync("get_credits")).Json().GetProperty("balance").GetInt64());
    }

    [Fact]
    public async Task UnknownTool_IsAProtocolError_NotACrash()
    {
        var team = await gateway.CreateTeamAsync(0);
        await using var mcp = await McpClients.HttpAsync(gateway, team.ApiKey);

        await Assert.ThrowsAsync<McpProtocolException>(() => mcp.CallAsync("no_such_tool"));
        Assert.True((await mcp.CallAsync("get_credits")).IsError is not true);
    }

    [Fact]
    public async Task Mcp_OverHttp_NeedsATeamKey_AsAProblem()
    {
        var team = await gateway.CreateTeamAsync(0);
        var body = """{"jsonrpc":"2.0","id":1,"method":"tools/list"}""";

        using var anonymous = gateway.Client(null);
        await (await anonymous.PostAsync("/mcp", Json(body))).AssertProblemAsync(HttpStatusCode.Unauthorized);
        using var admin = gateway.Admin();
        await (await admin.PostAsync("/mcp", Json(body))).AssertProblemAsync(HttpStatusCode.Forbidden);
        await RevokeAsync(team);
        using var withRevokedKey = gateway.Client(team.ApiKey);
        var problem = await (await withRevokedKey.PostAsync("/mcp", Json(body))).AssertProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Contains("revoked", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Mcp_IsNotInTheOpenApiDocument()
    {
        using var anonymous = gateway.Client(null);
        var document = await (await anonymous.GetAsync("/openapi/v1.json")).ReadJsonAsync();

        Assert.DoesNotContain(document.GetProperty("paths").EnumerateObject(), p => p.Name.StartsWith("/mcp", StringComparison.Ordinal));
        Assert.Contains(document.GetProperty("paths").EnumerateObject(), p => p.Name == "/jobs/{id}");
    }

    [Fact]
    public async Task Stdio_WithARevokedKey_AnswersToolErrorsThatSayHowToSignIn()
    {
        var team = await gateway.CreateTeamAsync(5);
        await RevokeAsync(team);
        await using var mcp = await McpClients.StdioAsync(gateway, team.ApiKey, McpClients.TempDirectory());

        var credits = await mcp.CallAsync("get_credits");
        var registry = await mcp.CallAsync("search_registry"); // public: works without a valid key

        Assert.True(credits.IsError);
        Assert.Contains("revoked", credits.Text());
        Assert.Contains("alavida auth login", credits.Text());
        Assert.True(registry.IsError is not true, registry.Text());
    }

    [Fact]
    public async Task CancelJob_OfARunningJob_CancelsIt_AndGetJobSaysItWasStillRunning()
    {
        var team = await gateway.CreateTeamAsync(20);
        var jobId = Guid.CreateVersion7();
        await gateway.Host.Grains.GetGrain<ITeamGrain>(team.TeamId).AcceptJobAsync(new JobSubmission(
            jobId, team.TeamId, null, Quantums.Identity, HeldAction.Name, "{}", 7, null, null, "00", 1));
        var hold = HeldAction.For(jobId);
        await gateway.Host.Grains.GetGrain<IJobGrain>(jobId).RunAsync(null);
        await hold.Started.Task;
        await using var mcp = await McpClients.HttpAsync(gateway, team.ApiKey);

        var running = await mcp.CallAsync("get_job", new { job_id = jobId, wait_seconds = 1 });
        var cancelled = await mcp.CallAsync("cancel_job", new { job_id = jobId });
        await hold.Cancelled.Task;

        Assert.Equal("running", running.Json().GetProperty("status").GetString());
        Assert.Contains("still running: call get_job", running.Text());
        Assert.Equal("cancelled", cancelled.Json().GetProperty("status").GetString());
        Assert.Equal(20, (await mcp.CallAsync("get_credits")).Json().GetProperty("balance").GetInt64());
    }

    [Fact]
    public async Task Resources_ListEachComponentsSkill_AndReadOne_UnknownIsResourceNotFound()
    {
        var team = await gateway.CreateTeamAsync(0);
        await using var mcp = await McpClients.HttpAsync(gateway, team.ApiKey);

        var resources = await mcp.ListResourcesAsync();
        var templates = await mcp.ListResourceTemplatesAsync();
        var skill = await mcp.ReadResourceAsync("alavida://skills/buying-signals");
        var unknown = await Assert.ThrowsAsync<McpProtocolException>(() => mcp.ReadResourceAsync("alavida://skills/no-such-component").AsTask());

        var registry = (await (await team.Http.GetAsync("/registry")).ReadJsonAsync()).GetProperty("items").EnumerateArray().Select(c => c.GetProperty("slug").GetString()).ToList();
        Assert.Equal(registry.Select(s => $"alavida://skills/{s}"), resources.Select(r => r.Uri));
        Assert.All(resources, r => Assert.Equal("text/markdown", r.MimeType));
        Assert.Equal(["alavida://skills/{slug}"], templates.Select(t => t.UriTemplate));
        Assert.Equal(await (await team.Http.GetAsync("/registry/buying-signals/skill")).Content.ReadAsStringAsync(),
            Assert.IsType<TextResourceContents>(Assert.Single(skill.Contents)).Text);
        Assert.Equal(McpErrorCode.ResourceNotFound, unknown.ErrorCode);
    }

    private async Task RevokeAsync(TestTeam team)
    {
        using var admin = gateway.Admin();
        var keys = await (await admin.GetAsync($"/admin/teams/{team.TeamId}/api-keys")).ReadJsonAsync();
        var keyId = keys.GetProperty("items")[0].GetProperty("key_id").GetString();
        Assert.True((await admin.PostAsync($"/admin/teams/{team.TeamId}/api-keys/{keyId}/revoke", null)).IsSuccessStatusCode);
    }

    private static StringContent Json(string body) => new(body, System.Text.Encoding.UTF8, "application/json");
}
