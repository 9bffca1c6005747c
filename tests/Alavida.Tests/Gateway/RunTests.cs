using System.Net;
using System.Net.Http.Json;
using System.Text;
using Alavida.Grains.Platform;
using Npgsql;

namespace Alavida.Tests.Gateway;

[Collection(GatewayCollection.Name)]
public sealed class RunTests(GatewayFixture gateway)
{
    private const string ResolveCompany = "/identity/run/resolve-company";

    [Fact]
    public async Task Run_Returns202WithTheJob_ThenTheJobSucceedsAndSettlesItsCredits()
    {
        var team = await gateway.CreateTeamAsync(100);

        var response = await team.Http.PostAsJsonAsync(ResolveCompany, new
        {
            companies = new object[] { new { domain = "https://www.run-test-acme.co.uk/about" }, new { domain = "run-test-acme.co.uk" }, new { domain = "gmail.com" } },
        });
        var accepted = await response.ReadJsonAsync();

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var jobId = accepted.GetProperty("job_id").GetString()!;
        Assert.Equal(Guid.Parse(jobId).ToString("N"), accepted.GetProperty("trace_id").GetString());
        Assert.Equal(("identity", "resolve-company"), (accepted.GetProperty("quantum").GetString(), accepted.GetProperty("action").GetString()));
        Assert.Equal($"/jobs/{jobId}", accepted.GetProperty("status_url").GetString());
        Assert.Equal($"/jobs/{jobId}", response.Headers.Location?.OriginalString);

        var job = await team.WaitForJobAsync(jobId);
        Assert.Equal("succeeded", job.GetProperty("status").GetString());
        var results = job.GetProperty("result").GetProperty("results").EnumerateArray().ToList();
        Assert.Equal([0, 1, 2], results.Select(r => r.GetProperty("index").GetInt32()));
        Assert.Equal(results[0].GetProperty("company_id").GetString(), results[1].GetProperty("company_id").GetString());
        Assert.Equal("rejected", results[2].GetProperty("status").GetString());
        var usage = job.GetProperty("usage");
        Assert.Equal((3, 2, 1), (usage.GetProperty("credits_reserved").GetInt32(), usage.GetProperty("credits_charged").GetInt32(), usage.GetProperty("credits_refunded").GetInt32()));
        var credits = await (await team.Http.GetAsync("/credits")).ReadJsonAsync();
        Assert.Equal((98, 0, 2), (credits.GetProperty("balance").GetInt32(), credits.GetProperty("reserved").GetInt32(), credits.GetProperty("lifetime_used").GetInt32()));

        var company = await team.Http.GetAsync($"/identity/data/companies/{results[0].GetProperty("company_id").GetString()}");
        Assert.Contains("run-test-acme.co.uk", (await company.ReadJsonAsync()).GetProperty("domains").EnumerateArray().Select(d => d.GetString()));
        var usagePage = await (await team.Http.GetAsync("/credits/usage")).ReadJsonAsync();
        Assert.Equal(jobId, Assert.Single(usagePage.GetProperty("items").EnumerateArray()).GetProperty("job_id").GetString());
        Assert.Equal(2, Assert.Single(usagePage.GetProperty("by_quantum").EnumerateArray()).GetProperty("credits").GetInt32());
    }

    [Fact]
    public async Task HundredConcurrentRuns_WithCreditsForTen_AcceptExactlyTen_AndTheLedgerAgrees()
    {
        var team = await gateway.CreateTeamAsync(10);

        var responses = await Task.WhenAll(Enumerable.Range(0, 100).Select(i =>
            team.Http.PostAsJsonAsync(ResolveCompany, new { companies = new[] { new { domain = $"concurrent-{i}-{team.TeamId:N}.com" } } })));

        Assert.Equal(10, responses.Count(r => r.StatusCode == HttpStatusCode.Accepted));
        Assert.Equal(90, responses.Count(r => r.StatusCode == HttpStatusCode.PaymentRequired));
        var problem = await responses.First(r => r.StatusCode == HttpStatusCode.PaymentRequired).AssertProblemAsync(HttpStatusCode.PaymentRequired);
        Assert.Equal(1, problem.GetProperty("required").GetInt32());
        foreach (var accepted in responses.Where(r => r.StatusCode == HttpStatusCode.Accepted))
        {
            await team.WaitForJobAsync((await accepted.ReadJsonAsync()).GetProperty("job_id").GetString()!);
        }

        var credits = await (await team.Http.GetAsync("/credits")).ReadJsonAsync();
        var used = await gateway.ScalarAsync<long>("SELECT coalesce(sum(amount), 0)::bigint FROM credit_usage WHERE team_id = @t", ("t", team.TeamId));
        Assert.Equal(10L, used);
        Assert.Equal((0L, 0L, 10L), (credits.GetProperty("balance").GetInt64(), credits.GetProperty("reserved").GetInt64(), credits.GetProperty("lifetime_used").GetInt64()));
        Assert.Equal(10L, await gateway.ScalarAsync<long>("SELECT count(*) FROM jobs WHERE team_id = @t", ("t", team.TeamId)));
    }

    [Fact]
    public async Task IdempotencyKey_ReplaysTheSameJob_AndRejectsItsReuseForAnotherRequest()
    {
        var team = await gateway.CreateTeamAsync(10);
        var body = new { companies = new[] { new { domain = $"idem-{team.TeamId:N}.com" } } };

        var first = await Send(JsonContent.Create(body), "key-1");
        var second = await Send(JsonContent.Create(body), "key-1");
        // The same request laid out differently is the same request.
        var spaced = await Send(new StringContent($"{{ \"companies\" : [ {{ \"domain\" : \"idem-{team.TeamId:N}.com\" }} ] }}", Encoding.UTF8, "application/json"), "key-1");
        var other = await Send(JsonContent.Create(new { companies = new[] { new { domain = "another.com" } } }), "key-1");

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        var firstId = (await first.ReadJsonAsync()).GetProperty("job_id").GetString();
        Assert.Equal(firstId, (await second.ReadJsonAsync()).GetProperty("job_id").GetString());
        Assert.Equal("true", second.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(firstId, (await spaced.ReadJsonAsync()).GetProperty("job_id").GetString());
        var conflict = await other.AssertProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal(firstId, conflict.GetProperty("job_id").GetString());
        Assert.Equal(1L, await gateway.ScalarAsync<long>("SELECT count(*) FROM jobs WHERE team_id = @t", ("t", team.TeamId)));

        async Task<HttpResponseMessage> Send(HttpContent content, string key)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, ResolveCompany) { Content = content };
            request.Headers.Add("Idempotency-Key", key);
            return await team.Http.SendAsync(request);
        }
    }

    [Fact]
    public async Task TeamIsolation_AnotherTeamSees404_ForJobsAndData()
    {
        var owner = await gateway.CreateTeamAsync(10);
        var other = await gateway.CreateTeamAsync(10);
        var accepted = await (await owner.Http.PostAsJsonAsync(ResolveCompany, new { companies = new[] { new { domain = $"isolated-{owner.TeamId:N}.com" } } })).ReadJsonAsync();
        var jobId = accepted.GetProperty("job_id").GetString()!;
        var job = await owner.WaitForJobAsync(jobId);
        var companyId = job.GetProperty("result").GetProperty("results")[0].GetProperty("company_id").GetString();

        await (await other.Http.GetAsync($"/jobs/{jobId}")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await other.Http.PostAsync($"/jobs/{jobId}/cancel", null)).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await other.Http.GetAsync($"/identity/data/companies/{companyId}")).AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.Empty((await (await other.Http.GetAsync("/jobs")).ReadJsonAsync()).GetProperty("items").EnumerateArray());
        Assert.Empty((await (await other.Http.GetAsync($"/identity/data/companies?domain=isolated-{owner.TeamId:N}.com")).ReadJsonAsync()).GetProperty("items").EnumerateArray());
        Assert.Empty((await (await other.Http.GetAsync("/credits/usage")).ReadJsonAsync()).GetProperty("items").EnumerateArray());
        Assert.Equal(jobId, Assert.Single((await (await owner.Http.GetAsync("/jobs")).ReadJsonAsync()).GetProperty("items").EnumerateArray()).GetProperty("job_id").GetString());
    }

    public static TheoryData<string, string, string?, HttpStatusCode, string?> BadRuns() => new()
    {
        { ResolveCompany, "{not json", null, HttpStatusCode.BadRequest, null },
        { ResolveCompany, "[1,2,3]", null, HttpStatusCode.BadRequest, null },
        { ResolveCompany, """{"companies":[{"domain":1}]}""", null, HttpStatusCode.UnprocessableEntity, "/companies/0/domain" },
        { ResolveCompany, """{"companies":"acme.com"}""", null, HttpStatusCode.UnprocessableEntity, "/companies" },
        { ResolveCompany, """{"companies":[]}""", null, HttpStatusCode.UnprocessableEntity, "/companies" },
        { ResolveCompany, """{"firms":[{"domain":"acme.com"}]}""", null, HttpStatusCode.UnprocessableEntity, "/" },
        { ResolveCompany, """{"companies":[{"domain":"acme.com"}],"max_credits":-1}""", null, HttpStatusCode.UnprocessableEntity, "/max_credits" },
        { ResolveCompany, """{"companies":[{"domain":"acme.com"}],"companies":[{"domain":"b.com"}]}""", null, HttpStatusCode.BadRequest, null },
        { "/nope/run/resolve-company", """{"companies":[{"domain":"acme.com"}]}""", null, HttpStatusCode.NotFound, null },
        { "/identity/run/nope", """{"companies":[{"domain":"acme.com"}]}""", null, HttpStatusCode.NotFound, null },
        { "/identity%27%3B%20DROP%20TABLE%20jobs%3B--/run/resolve-company", "{}", null, HttpStatusCode.NotFound, null },
        { "/meeting-sync/run/ingest", """{"meetings":[]}""", null, HttpStatusCode.UnprocessableEntity, "/meetings" },
        { "/meeting-analysis/run/analyze", """{"meeting_ids":[]}""", null, HttpStatusCode.UnprocessableEntity, "/meeting_ids" },
        { "/meeting-analysis/run/analyze", """{"meeting_ids":["not-a-uuid"]}""", null, HttpStatusCode.UnprocessableEntity, "/meeting_ids/0" },
        { "/meeting-analysis/run/analyze", """{"meeting_ids":["0f8fad5b-d9cb-469f-a165-70867728950e","0F8FAD5B-D9CB-469F-A165-70867728950E"]}""", null, HttpStatusCode.UnprocessableEntity, "/meeting_ids/1" },
        { ResolveCompany, """{"companies":[{"domain":"acme.com"}]}""", new string('k', 256), HttpStatusCode.BadRequest, null },
    };

    [Theory]
    [MemberData(nameof(BadRuns))]
    public async Task BadRun_IsTheRightProblem_AndChangesNothing(string path, string body, string? idempotencyKey, HttpStatusCode status, string? field)
    {
        var team = await gateway.CreateTeamAsync(10);
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        var problem = await (await team.Http.SendAsync(request)).AssertProblemAsync(status);

        if (field is not null)
        {
            Assert.Contains(problem.GetProperty("errors").EnumerateArray(), e => e.GetProperty("field").GetString() == field);
        }

        Assert.Equal(0L, await gateway.ScalarAsync<long>("SELECT count(*) FROM jobs WHERE team_id = @t", ("t", team.TeamId)));
        Assert.Equal(10, (await (await team.Http.GetAsync("/credits")).ReadJsonAsync()).GetProperty("balance").GetInt32());
    }

    [Fact]
    public async Task Run_OverTheBatchLimitOrTheBodyLimit_IsRejectedWithoutAJob()
    {
        var team = await gateway.CreateTeamAsync(5000);
        var tooMany = new { companies = Enumerable.Range(0, 1001).Select(i => new { domain = $"d{i}.com" }) };
        var tooBig = $$"""{"companies":[{"name":"{{new string('n', 3 * 1024 * 1024)}}"}]}""";

        await (await team.Http.PostAsJsonAsync(ResolveCompany, tooMany)).AssertProblemAsync(HttpStatusCode.UnprocessableEntity);
        await (await team.Http.PostExpectingContinueAsync(ResolveCompany, tooBig)).AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge);

        Assert.Equal(0L, await gateway.ScalarAsync<long>("SELECT count(*) FROM jobs WHERE team_id = @t", ("t", team.TeamId)));
    }

    [Fact]
    public async Task MaxCredits_BelowTheRequestsOwnCost_IsRefused_AndAboveItTheJobRuns()
    {
        var team = await gateway.CreateTeamAsync(100);
        var companies = Enumerable.Range(0, 5).Select(i => new { domain = $"capped-{i}-{team.TeamId:N}.com" });

        var refused = await (await team.Http.PostAsJsonAsync(ResolveCompany, new { companies, max_credits = 2 })).AssertProblemAsync(HttpStatusCode.UnprocessableEntity);
        Assert.Contains("up to 5 credits", refused.GetProperty("errors")[0].GetProperty("message").GetString());
        Assert.Equal(0L, await gateway.ScalarAsync<long>("SELECT count(*) FROM jobs WHERE team_id = @t", ("t", team.TeamId)));

        var accepted = await (await team.Http.PostAsJsonAsync(ResolveCompany, new { companies, max_credits = 7 })).ReadJsonAsync();
        var job = await team.WaitForJobAsync(accepted.GetProperty("job_id").GetString()!);
        Assert.Equal(5, job.GetProperty("usage").GetProperty("credits_reserved").GetInt32());
        Assert.Equal(5, job.GetProperty("usage").GetProperty("credits_charged").GetInt32());
        Assert.Equal(95, (await (await team.Http.GetAsync("/credits")).ReadJsonAsync()).GetProperty("balance").GetInt32());
    }

    [Fact]
    public async Task Cancel_OfAQueuedJob_RefundsItsReservation_AndOfAFinishedJobIs409()
    {
        var team = await gateway.CreateTeamAsync(20);
        var jobId = Guid.CreateVersion7();
        await gateway.Host.Grains.GetGrain<ITeamGrain>(team.TeamId).AcceptJobAsync(new JobSubmission(
            jobId, team.TeamId, null, Quantums.Identity, "resolve-company", """{"companies":[{"domain":"q.com"}]}""", 7, null, null, "00", 1));
        Assert.Equal(13, (await (await team.Http.GetAsync("/credits")).ReadJsonAsync()).GetProperty("balance").GetInt32());

        var cancelled = await (await team.Http.PostAsync($"/jobs/{jobId}/cancel", null)).ReadJsonAsync();
        var again = await team.Http.PostAsync($"/jobs/{jobId}/cancel", null);

        Assert.Equal("cancelled", cancelled.GetProperty("status").GetString());
        Assert.Equal("cancelled", cancelled.GetProperty("error").GetProperty("code").GetString());
        await again.AssertProblemAsync(HttpStatusCode.Conflict);
        var credits = await (await team.Http.GetAsync("/credits")).ReadJsonAsync();
        Assert.Equal((20, 0), (credits.GetProperty("balance").GetInt32(), credits.GetProperty("reserved").GetInt32()));
    }

    [Fact]
    public async Task RunningJob_AnswersWhileItWorks_AndCancel_StopsItsWork_AndRefunds()
    {
        var (team, jobId, hold, _) = await StartHeldJobAsync();

        // The job's grain runs the work and still answers: reads and a cancellation do not wait for the work.
        var running = await (await team.Http.GetAsync($"/jobs/{jobId}")).ReadJsonAsync();
        var cancelled = await (await team.Http.PostAsync($"/jobs/{jobId}/cancel", null)).ReadJsonAsync();
        await hold.Cancelled.Task;

        Assert.Equal("running", running.GetProperty("status").GetString());
        Assert.Equal("cancelled", cancelled.GetProperty("status").GetString());
        // The work would have billed 5 units had it finished; it was stopped, so nothing is charged and all is refunded.
        hold.Release.TrySetResult(5);
        var job = await team.WaitForJobAsync(jobId.ToString());
        Assert.Equal("cancelled", job.GetProperty("status").GetString());
        var credits = await (await team.Http.GetAsync("/credits")).ReadJsonAsync();
        Assert.Equal((20, 0), (credits.GetProperty("balance").GetInt32(), credits.GetProperty("reserved").GetInt32()));
        Assert.Equal(0L, await gateway.ScalarAsync<long>("SELECT count(*) FROM credit_usage WHERE job_id = @id", ("id", jobId)));
    }

    [Fact]
    public async Task AJobThatWorksPastTheRunningDelay_IsWrittenAsRunning_AndItsFinishKeepsWhenItStarted()
    {
        // The signal: PostgreSQL notifies when a job's row turns running.
        var channel = $"running_{Guid.NewGuid():N}";
        await using var listener = new NpgsqlConnection(gateway.ConnectionString);
        await listener.OpenAsync();
        var written = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        listener.Notification += (_, e) => written.TrySetResult(e.Payload);
        await using (var listen = new NpgsqlCommand($"LISTEN {channel}", listener))
        {
            await listen.ExecuteNonQueryAsync();
        }

        await using var notifying = await gateway.TriggerAsync(
            "AFTER UPDATE", "jobs", "OLD.status = 'queued' AND NEW.status = 'running'", $"PERFORM pg_notify('{channel}', NEW.id::text);");
        var (team, jobId, hold, _) = await StartHeldJobAsync();
        var view = await (await team.Http.GetAsync($"/jobs/{jobId}")).ReadJsonAsync();
        using var waiting = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!written.Task.IsCompleted)
        {
            await listener.WaitAsync(waiting.Token);
        }

        var startedAt = view.GetProperty("started_at").GetDateTimeOffset();
        Assert.Equal(jobId.ToString(), await written.Task);
        Assert.Equal(startedAt, new DateTimeOffset(await gateway.ScalarAsync<DateTime>("SELECT started_at FROM jobs WHERE id = @id AND status = 'running'", ("id", jobId))));
        hold.Release.TrySetResult(1);
        var job = await team.WaitForJobAsync(jobId.ToString());
        Assert.Equal("succeeded", job.GetProperty("status").GetString());
        Assert.Equal(startedAt, job.GetProperty("started_at").GetDateTimeOffset());
    }

    [Fact]
    public async Task Progress_MarksTheJobRunning_AndAfterACancellation_ChangesNothingAndTellsTheWorkToStop()
    {
        var (team, jobId, hold, grain) = await StartHeldJobAsync();

        var reported = await grain.ReportProgressAsync(new JobProgress(1, 4, "one of four"));
        var (status, progress) = await StoredAsync();
        var cancelled = await (await team.Http.PostAsync($"/jobs/{jobId}/cancel", null)).ReadJsonAsync();
        var late = await grain.ReportProgressAsync(new JobProgress(2, 4, "two of four"));
        hold.Release.TrySetResult(1);

        Assert.True(reported);
        Assert.Equal("running", status);
        Assert.Contains("one of four", progress);
        Assert.Equal("cancelled", cancelled.GetProperty("status").GetString());
        Assert.False(late);
        Assert.Equal(("cancelled", progress), await StoredAsync());

        async Task<(string Status, string Progress)> StoredAsync() =>
            (await gateway.ScalarAsync<string>("SELECT status FROM jobs WHERE id = @id", ("id", jobId)),
             await gateway.ScalarAsync<string>("SELECT progress::text FROM jobs WHERE id = @id", ("id", jobId)));
    }

    [Fact]
    public async Task AQuickJob_GoesFromQueuedToFinal_WithWhenItStarted()
    {
        var team = await gateway.CreateTeamAsync(10);
        var jobId = await team.RunAsync(ResolveCompany, new { companies = new[] { new { domain = $"quick-{team.TeamId:N}.com" } } });
        var job = await team.WaitForJobAsync(jobId);

        var startedAt = job.GetProperty("started_at").GetDateTimeOffset();
        Assert.Equal("succeeded", job.GetProperty("status").GetString());
        Assert.InRange(startedAt, job.GetProperty("created_at").GetDateTimeOffset(), job.GetProperty("ended_at").GetDateTimeOffset());
        Assert.Equal(startedAt, new DateTimeOffset(await gateway.ScalarAsync<DateTime>("SELECT started_at FROM jobs WHERE id = @id", ("id", Guid.Parse(jobId)))));
    }

    [Fact]
    public async Task RunningJob_ThatFinishesFirst_IsNotCancelledAfterwards_AndARunAgainRunsNothingTwice()
    {
        var (team, jobId, hold, grain) = await StartHeldJobAsync();
        await grain.RunAsync(null); // sent again while the work runs (as the reconciler may): no second run
        await grain.GetAsync();

        hold.Release.TrySetResult(3);
        var job = await team.WaitForJobAsync(jobId.ToString());
        var cancel = await team.Http.PostAsync($"/jobs/{jobId}/cancel", null);

        Assert.Equal("succeeded", job.GetProperty("status").GetString());
        Assert.Equal(1, hold.Runs);
        Assert.Equal(3, job.GetProperty("usage").GetProperty("credits_charged").GetInt32());
        await cancel.AssertProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal(17, (await (await team.Http.GetAsync("/credits")).ReadJsonAsync()).GetProperty("balance").GetInt32());
        Assert.Equal(1L, await gateway.ScalarAsync<long>("SELECT count(*) FROM credit_usage WHERE job_id = @id", ("id", jobId)));
    }

    [Fact]
    public async Task AFinishTheDatabaseRefuses_LeavesTheJobUnfinished_AndTheNextRunFinishesIt_WithoutDoingTheWorkAgain()
    {
        var (team, jobId, hold, grain) = await StartHeldJobAsync();
        // The settlement's charge is refused while this trigger exists (only this job's).
        await using var refusing = await gateway.TriggerAsync("BEFORE INSERT", "credit_usage", $"NEW.job_id = '{jobId}'", "RAISE EXCEPTION 'refused by the test';");
        var refused = gateway.Logs.WaitForAsync(e => e.Exception is not null
            && e.Properties.TryGetValue("JobId", out var id) && id.ToString() == jobId.ToString()
            && e.MessageTemplate.Text.Contains("could not be started or finished", StringComparison.Ordinal));
        hold.Release.TrySetResult(3);
        await refused;

        var unfinished = await (await team.Http.GetAsync($"/jobs/{jobId}")).ReadJsonAsync();
        await refusing.DisposeAsync();
        await grain.RunAsync(null); // what the reconciler does for a job that stopped moving
        var job = await team.WaitForJobAsync(jobId.ToString());

        Assert.Equal("running", unfinished.GetProperty("status").GetString());
        Assert.Equal("succeeded", job.GetProperty("status").GetString());
        Assert.Equal(3, job.GetProperty("usage").GetProperty("credits_charged").GetInt32());
        Assert.Equal(1, hold.Runs); // the kept outcome was settled; the work did not run again
        Assert.Equal(17, (await (await team.Http.GetAsync("/credits")).ReadJsonAsync()).GetProperty("balance").GetInt32());
    }

    /// <summary>
    /// A job of the held test action (not in the registry, so submitted through the team's grain): accepted for a fresh
    /// team of 20 credits with 7 reserved, handed to its grain, and working until the test releases it.
    /// </summary>
    private async Task<(TestTeam Team, Guid JobId, HeldAction.Hold Hold, IJobGrain Grain)> StartHeldJobAsync()
    {
        var team = await gateway.CreateTeamAsync(20);
        var jobId = Guid.CreateVersion7();
        await gateway.Host.Grains.GetGrain<ITeamGrain>(team.TeamId).AcceptJobAsync(new JobSubmission(
            jobId, team.TeamId, null, Quantums.Identity, HeldAction.Name, "{}", 7, null, null, "00", 1));
        var grain = gateway.Host.Grains.GetGrain<IJobGrain>(jobId);
        var hold = HeldAction.For(jobId);
        await grain.RunAsync(null);
        await hold.Started.Task;
        return (team, jobId, hold, grain);
    }

    [Fact]
    public async Task AcceptedJob_WhoseDispatchWasLost_IsRunByTheReconciler()
    {
        var team = await gateway.CreateTeamAsync(10);
        var jobId = Guid.CreateVersion7();
        // Accepted and written, but never dispatched: what a crash between acceptance and dispatch leaves behind.
        await gateway.Host.Grains.GetGrain<ITeamGrain>(team.TeamId).AcceptJobAsync(new JobSubmission(
            jobId, team.TeamId, null, Quantums.Identity, "resolve-company", $$"""{"companies":[{"domain":"lost-{{jobId:N}}.com"}]}""", 1, null, null, "00", 1));

        var dispatched = await gateway.Host.Grains.GetGrain<Alavida.Grains.Platform.IJobReconcilerGrain>(0).ReconcileNowAsync(TimeSpan.Zero);
        var job = await team.WaitForJobAsync(jobId.ToString());

        Assert.True(dispatched >= 1);
        Assert.Equal("succeeded", job.GetProperty("status").GetString());
        Assert.Equal(1, job.GetProperty("usage").GetProperty("credits_charged").GetInt32());
    }
}
