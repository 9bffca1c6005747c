using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Alavida.Grains.Platform;
using Alavida.Tests.Gateway;
using Alavida.Tests.Prospect;

namespace Alavida.Tests.Cli;

/// <summary>Runs, jobs, traces, data, credits and events through the CLI, against a real platform.</summary>
[Collection(GatewayCollection.Name)]
public sealed class CliJobTests(GatewayFixture gateway)
{
    private async Task<(TestTeam Team, CliRunner Cli)> SignedInAsync(long credits)
    {
        var team = await gateway.CreateTeamAsync(credits);
        var cli = new CliRunner().With("ALAVIDA_URL", gateway.Host.Address.ToString()).With("ALAVIDA_API_KEY", team.ApiKey);
        return (team, cli);
    }

    [Fact]
    public async Task RunWait_PrintsTheResultAsATable_OrTheJobAsJson()
    {
        var (_, cli) = await SignedInAsync(100);
        using var cleanup = cli;
        var tag = Guid.NewGuid().ToString("N")[..10];
        var input = Path.Combine(cli.Project, "input.json");
        await File.WriteAllTextAsync(input, $$"""{"companies":[{"domain":"https://www.{{tag}}-one.com/about"}]}""");

        var human = await cli.RunAsync("run", "identity", "resolve-company", "--input", "input.json", "--wait");
        var json = await cli.RunAsync($$"""{"companies":[{"domain":"{{tag}}-two.com"},{"linkedin_url":"https://www.linkedin.com/company/{{tag}}"}]}""",
            CancellationToken.None, "run", "identity", "resolve-company", "--input", "-", "--wait", "--json", "--idempotency-key", tag);
        var sameKey = await cli.RunAsync($$"""{"companies":[{"domain":"{{tag}}-two.com"},{"linkedin_url":"https://www.linkedin.com/company/{{tag}}"}]}""",
            CancellationToken.None, "run", "identity", "resolve-company", "--input", "-", "--json", "--idempotency-key", tag);
        var set = await cli.RunAsync("run", "identity", "resolve-company", "--set", $$"""companies=[{"domain":"{{tag}}-three.com"}]""", "--max-credits", "5", "--json");

        Assert.True(human.ExitCode == 0, human.ToString());
        Assert.Contains("Status:   succeeded", human.Out);
        Assert.Contains("Credits:  1\n", human.Out);
        Assert.Matches(@"results \(1\):\nCOMPANY_ID\t.*\n[0-9a-f-]{36}\t0\tcreated\t", human.Out); // the result's records, as a (piped) table
        Assert.True(json.ExitCode == 0, json.ToString());
        var job = json.Json;
        Assert.Equal("succeeded", job.GetProperty("status").GetString());
        Assert.Equal(2, job.GetProperty("result").GetProperty("results").GetArrayLength());
        Assert.Equal(job.GetProperty("job_id").GetString(), sameKey.Json.GetProperty("job_id").GetString());
        Assert.Equal(0, set.ExitCode);
        Assert.Equal(5, await gateway.ScalarAsync<long>("SELECT max_credits FROM jobs WHERE id = @id", ("id", Guid.Parse(set.Json.GetProperty("job_id").GetString()!))));
    }

    [Fact]
    public async Task BadInput_ExitsWithTwo_NamingTheField_AndTooFewCredits_ExitsWithFive()
    {
        var (_, cli) = await SignedInAsync(0);
        using var cleanup = cli;

        var invalid = await cli.RunAsync("run", "identity", "resolve-company", "--set", "companies=5");
        var broke = await cli.RunAsync("run", "identity", "resolve-company", "--set", """companies=[{"domain":"broke.example"}]""");
        var notJson = await cli.RunAsync("{nope", CancellationToken.None, "run", "identity", "resolve-company", "--input", "-");
        var unknownAction = await cli.RunAsync("run", "identity", "no-such-action");

        Assert.True(invalid.ExitCode == 2, invalid.ToString());
        Assert.Contains("  /companies: ", invalid.Error);
        Assert.True(broke.ExitCode == 5, broke.ToString());
        Assert.Contains("(402", broke.Error);
        Assert.Equal(2, notJson.ExitCode);
        Assert.Contains("not valid JSON", notJson.Error);
        Assert.Equal(4, unknownAction.ExitCode);
    }

    [Fact]
    public async Task Jobs_ListGetAndCancel_WithStableJson_AndNotFoundExitsWithFour()
    {
        var (team, cli) = await SignedInAsync(20);
        using var cleanup = cli;
        var held = await StartHeldJobAsync(team);
        var done = await team.RunToSuccessAsync("/identity/run/resolve-company", new { companies = new[] { new { domain = $"{Guid.NewGuid():N}.com" } } });

        var list = await cli.RunAsync("jobs", "list", "--json");
        var lines = await cli.RunAsync("jobs", "list", "--jsonl", "--quantum", "identity", "--status", "succeeded");
        var get = await cli.RunAsync("jobs", "get", held.ToString(), "--json");
        var cancel = await cli.RunAsync("jobs", "cancel", held.ToString());
        var again = await cli.RunAsync("jobs", "cancel", held.ToString());
        var missing = await cli.RunAsync("jobs", "get", Guid.NewGuid().ToString());
        var badStatus = await cli.RunAsync("jobs", "list", "--status", "sleeping");

        Assert.Equal(2, list.Json.GetProperty("items").GetArrayLength());
        Assert.True(list.Json.TryGetProperty("next_cursor", out _));
        var line = JsonDocument.Parse(Assert.Single(lines.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries))).RootElement;
        Assert.Equal(done.GetProperty("job_id").GetString(), line.GetProperty("job_id").GetString());
        Assert.Equal("running", get.Json.GetProperty("status").GetString());
        Assert.True(cancel.ExitCode == 0, cancel.ToString());
        Assert.Contains("Status:   cancelled", cancel.Out);
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("already cancelled", again.Error);
        Assert.Equal(4, missing.ExitCode);
        Assert.Equal(2, badStatus.ExitCode);
    }

    [Fact]
    public async Task Watch_Interrupted_StopsWaiting_AndWithCancelOnInterrupt_CancelsTheJob()
    {
        var (team, cli) = await SignedInAsync(20);
        using var cleanup = cli;
        var first = await StartHeldJobAsync(team);
        var second = await StartHeldJobAsync(team);

        using var interrupt = new CancellationTokenSource();
        var watching = cli.RunAsync(null, interrupt.Token, "jobs", "watch", first.ToString());
        await interrupt.CancelAsync();
        var stopped = await watching;
        using var interruptAndCancel = new CancellationTokenSource();
        var cancelling = cli.RunAsync(null, interruptAndCancel.Token, "jobs", "watch", second.ToString(), "--cancel-on-interrupt");
        await interruptAndCancel.CancelAsync();
        var cancelled = await cancelling;

        Assert.Equal(130, stopped.ExitCode);
        Assert.Contains("goes on", stopped.Error);
        Assert.Equal("running", (await team.Http.GetFromJsonAsync<JsonElement>($"/jobs/{first}")).GetProperty("status").GetString());
        Assert.Equal(130, cancelled.ExitCode);
        Assert.Contains("cancelled job", cancelled.Error);
        await HeldAction.For(second).Cancelled.Task;
        Assert.Equal("cancelled", (await team.Http.GetFromJsonAsync<JsonElement>($"/jobs/{second}")).GetProperty("status").GetString());
        HeldAction.For(first).Release.TrySetResult(1);
    }

    [Fact]
    public async Task Trace_PrintsTheCascade_JobThenRunsThenSteps()
    {
        var (team, cli) = await SignedInAsync(100);
        using var cleanup = cli;
        var tag = Guid.NewGuid().ToString("N")[..10];
        var job = await team.RunToSuccessAsync("/icp-discovery/run/qualify", new
        {
            icp = new { industries = new[] { "logistics" }, min_score = 50 },
            companies = new[] { new { domain = $"fit-{tag}.de", industry = "logistics" } },
        });
        var traceId = job.GetProperty("trace_id").GetString()!;
        await CascadeWait.UntilAsync(gateway, traceId, counts => counts.Sum(c => c.Runs) > 0);

        var tree = await cli.RunAsync("trace", traceId);
        var json = await cli.RunAsync("trace", traceId, "--json");
        var unknown = await cli.RunAsync("trace", Guid.NewGuid().ToString("N"));
        var unknownJson = await cli.RunAsync("trace", Guid.NewGuid().ToString("N"), "--json");

        Assert.True(tree.ExitCode == 0, tree.ToString());
        Assert.Contains($"trace {traceId}", tree.Out);
        Assert.Contains("job icp-discovery/qualify succeeded", tree.Out);
        Assert.Contains("run lead-discovery/", tree.Out);
        Assert.Contains("step ", tree.Out);
        var run = json.Json.GetProperty("runs")[0];
        Assert.True(run.GetProperty("steps").GetArrayLength() > 0);
        Assert.Equal(4, unknown.ExitCode);
        Assert.Equal(4, unknownJson.ExitCode);
    }

    [Fact]
    public async Task Data_FiltersAndFollowsCursors_CreditsAndEvents()
    {
        var (team, cli) = await SignedInAsync(100);
        using var cleanup = cli;
        var tag = Guid.NewGuid().ToString("N")[..10];
        await team.RunToSuccessAsync("/identity/run/resolve-company", new { companies = Enumerable.Range(1, 3).Select(i => new { domain = $"{tag}-{i}.com" }) });

        var one = await cli.RunAsync("data", "identity", "companies", "--filter", $"domain={tag}-2.com", "--json");
        var paged = await cli.RunAsync("data", "identity", "companies", "--limit", "1", "--json");
        var all = await cli.RunAsync("data", "identity", "companies", "--limit", "1", "--all", "--jsonl");
        var badFilter = await cli.RunAsync("data", "identity", "companies", "--filter", "domain");
        var credits = await cli.RunAsync("credits", "--json");
        var usage = await cli.RunAsync("credits", "usage", "--json");
        var sent = await cli.RunAsync("""{"note":"from the cli"}""", CancellationToken.None, "events", "send", $"cli/{tag}.tested", "--data", "-", "--id", tag, "--json");
        var events = await cli.RunAsync("events", "list", "--name", $"cli/{tag}.tested", "--json");

        Assert.True(one.ExitCode == 0, one.ToString());
        Assert.Equal($"{tag}-2.com", Assert.Single(one.Json.GetProperty("items").EnumerateArray()).GetProperty("domains")[0].GetString());
        Assert.Equal(1, paged.Json.GetProperty("items").GetArrayLength());
        Assert.NotNull(paged.Json.GetProperty("next_cursor").GetString());
        Assert.Equal(3, all.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal(2, badFilter.ExitCode);
        Assert.Equal(97, credits.Json.GetProperty("balance").GetInt64());
        Assert.Equal(3, usage.Json.GetProperty("by_quantum")[0].GetProperty("credits").GetInt64());
        Assert.True(sent.ExitCode == 0, sent.ToString());
        Assert.Equal(tag, Assert.Single(events.Json.GetProperty("items").EnumerateArray()).GetProperty("id").GetString());
    }

    [Fact]
    public async Task OnATerminal_RunWaitShowsProgressThenTables_WithoutColourUnderNoColor()
    {
        var (_, cli) = await SignedInAsync(10);
        using var cleanup = cli;
        cli.Terminal = true;
        cli.With("NO_COLOR", "1");

        var run = await cli.RunAsync("run", "identity", "resolve-company", "--set", $$"""companies=[{"domain":"{{Guid.NewGuid():N}}.com"}]""", "--wait");
        var list = await cli.RunAsync("jobs", "list");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("Status:   succeeded", run.Out);
        Assert.Contains("│ COMPANY_ID", run.Out);
        Assert.Contains("╭", list.Out);
        Assert.Contains("│ JOB", list.Out);
        Assert.DoesNotContain("\u001b[", run.Out + list.Out); // no ANSI escapes with NO_COLOR
    }

    [Fact]
    public async Task CreditsBuy_OnAPlatformWithoutStripe_SaysWhatToConfigure()
    {
        var (_, cli) = await SignedInAsync(0);
        using var cleanup = cli;

        var buy = await cli.RunAsync("credits", "buy", "starter");

        Assert.Equal(1, buy.ExitCode);
        Assert.Contains("Stripe:SecretKey", buy.Error);
        Assert.Contains("(503", buy.Error);
    }

    [Fact]
    public async Task EventKeys_CreatedListedAndRevoked_FromTheCli_SendThroughTheEventApi()
    {
        var (_, cli) = await SignedInAsync(0);
        using var cleanup = cli;

        var created = await cli.RunAsync("events", "keys", "create", "n8n", "--json");
        var key = created.Json.GetProperty("key").GetString()!;
        var sent = await gateway.Client(null).PostAsJsonAsync($"/e/{key}", new { name = "cli/key.tested", data = new { } });
        var listed = await cli.RunAsync("events", "keys", "list", "--json");
        var revoked = await cli.RunAsync("events", "keys", "revoke", created.Json.GetProperty("key_id").GetString()!);
        var afterRevoke = await gateway.Client(null).PostAsJsonAsync($"/e/{key}", new { name = "cli/key.tested", data = new { } });
        var unknown = await cli.RunAsync("events", "keys", "revoke", Guid.NewGuid().ToString());

        Assert.True(created.ExitCode == 0, created.ToString());
        Assert.Equal(HttpStatusCode.OK, sent.StatusCode);
        Assert.Equal("n8n", Assert.Single(listed.Json.GetProperty("items").EnumerateArray()).GetProperty("name").GetString());
        Assert.DoesNotContain(key, listed.Out);
        Assert.Equal(0, revoked.ExitCode);
        Assert.Equal(HttpStatusCode.Unauthorized, afterRevoke.StatusCode);
        Assert.Equal(4, unknown.ExitCode);
    }

    private async Task<Guid> StartHeldJobAsync(TestTeam team)
    {
        var jobId = Guid.CreateVersion7();
        await gateway.Host.Grains.GetGrain<ITeamGrain>(team.TeamId).AcceptJobAsync(new JobSubmission(
            jobId, team.TeamId, null, Quantums.Identity, HeldAction.Name, "{}", 7, null, null, "00", 1));
        await gateway.Host.Grains.GetGrain<IJobGrain>(jobId).RunAsync(null);
        await HeldAction.For(jobId).Started.Task;
        return jobId;
    }
}
