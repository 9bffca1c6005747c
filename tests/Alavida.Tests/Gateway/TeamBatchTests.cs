using System.Net;
using System.Net.Http.Json;
using Alavida.Grains.Platform;

namespace Alavida.Tests.Gateway;

/// <summary>Group commit of acceptances and settlements: a batch answers as the same calls would one by one, in order.</summary>
[Collection(GatewayCollection.Name)]
public sealed class TeamBatchTests(GatewayFixture gateway)
{
    [Fact]
    public async Task AcceptJobs_DecidesInOrder_AcceptsWhatTheBalanceCovers_AndTheDatabaseAgrees()
    {
        var team = await gateway.CreateTeamAsync(10);
        var estimates = new long[] { 4, 4, 4, 2, 1 };
        var submissions = estimates.Select(e => Submission(team.TeamId, e)).ToList();

        var answers = await gateway.Host.Grains.GetGrain<ITeamGrain>(team.TeamId).AcceptJobsAsync(submissions);

        Assert.Equal(
            [AcceptanceOutcome.Accepted, AcceptanceOutcome.Accepted, AcceptanceOutcome.InsufficientCredits, AcceptanceOutcome.Accepted, AcceptanceOutcome.InsufficientCredits],
            answers.Select(a => a.Outcome));
        Assert.Equal([6L, 2L, 2L, 0L, 0L], answers.Select(a => a.Balance));
        Assert.Equal([submissions[0].JobId, submissions[1].JobId, Guid.Empty, submissions[3].JobId, Guid.Empty], answers.Select(a => a.JobId));
        Assert.Equal(3L, await gateway.ScalarAsync<long>("SELECT count(*) FROM jobs WHERE team_id = @t AND status = 'queued'", ("t", team.TeamId)));
        Assert.Equal(10L, await gateway.ScalarAsync<long>("SELECT reserved FROM credit_accounts WHERE team_id = @t", ("t", team.TeamId)));
        Assert.Equal(0L, await gateway.ScalarAsync<long>("SELECT balance FROM credit_accounts WHERE team_id = @t", ("t", team.TeamId)));
    }

    [Fact]
    public async Task AcceptJobs_WithAKeyTwiceInOneBatch_ReplaysTheFirst_OrConflicts_AndWritesOneJob()
    {
        var team = await gateway.CreateTeamAsync(10);
        var first = Submission(team.TeamId, 1) with { IdempotencyKey = "batch-key", RequestHash = "aa" };
        var retry = Submission(team.TeamId, 1) with { IdempotencyKey = "batch-key", RequestHash = "aa" };
        var reuse = Submission(team.TeamId, 1) with { IdempotencyKey = "batch-key", RequestHash = "bb" };
        var other = Submission(team.TeamId, 1) with { IdempotencyKey = "other-key", RequestHash = "aa" };

        var answers = await gateway.Host.Grains.GetGrain<ITeamGrain>(team.TeamId).AcceptJobsAsync([first, retry, reuse, other]);

        Assert.Equal(
            [(AcceptanceOutcome.Accepted, first.JobId), (AcceptanceOutcome.Replayed, first.JobId), (AcceptanceOutcome.KeyConflict, first.JobId), (AcceptanceOutcome.Accepted, other.JobId)],
            answers.Select(a => (a.Outcome, a.JobId)));
        Assert.Equal(2L, await gateway.ScalarAsync<long>("SELECT count(*) FROM jobs WHERE team_id = @t", ("t", team.TeamId)));
        Assert.Equal(8L, await gateway.ScalarAsync<long>("SELECT balance FROM credit_accounts WHERE team_id = @t", ("t", team.TeamId)));
    }

    [Fact]
    public async Task ConcurrentRetries_WithOneIdempotencyKey_CreateOneJob_AndAllAnswerWithIt()
    {
        var team = await gateway.CreateTeamAsync(100);
        var body = new { companies = new[] { new { domain = $"retry-{team.TeamId:N}.com" } } };

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(async _ =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/identity/run/resolve-company") { Content = JsonContent.Create(body) };
            request.Headers.Add("Idempotency-Key", "same-retry");
            return await team.Http.SendAsync(request);
        }));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Accepted, r.StatusCode));
        var jobIds = await Task.WhenAll(responses.Select(async r => (await r.ReadJsonAsync()).GetProperty("job_id").GetString()));
        Assert.Single(jobIds.Distinct());
        Assert.Equal(19, responses.Count(r => r.Headers.Contains("Idempotent-Replayed")));
        Assert.Equal(1L, await gateway.ScalarAsync<long>("SELECT count(*) FROM jobs WHERE team_id = @t", ("t", team.TeamId)));
    }

    [Fact]
    public async Task SettleJobs_SettlesEachJobOnce_CapsCharges_AndReplaysAJobThatIsTwiceInTheBatch()
    {
        var team = await gateway.CreateTeamAsync(100);
        var teams = gateway.Host.Grains.GetGrain<ITeamGrain>(team.TeamId);
        var jobs = new[] { Submission(team.TeamId, 10), Submission(team.TeamId, 10), Submission(team.TeamId, 10) };
        await teams.AcceptJobsAsync(jobs);
        var succeeded = new JobFinish(JobStatus.Succeeded, """{"results":[]}""", """{"by_status":{"created":1}}""", null);
        var failed = new JobFinish(JobStatus.Failed, null, null, """{"code":"x","message":"y"}""");
        JobSettlement Settle(JobSubmission job, long amount, JobFinish finish) =>
            new(job.JobId, amount == 0 ? [] : [new CreditCharge("resolve-company", (int)amount, amount, $"job:{job.JobId}:resolve-company")], finish);

        var answers = await teams.SettleJobsAsync([Settle(jobs[0], 4, succeeded), Settle(jobs[1], 15, succeeded), Settle(jobs[0], 4, succeeded), Settle(jobs[2], 0, failed)]);

        Assert.Equal([(4L, 6L, false), (10L, 0L, false), (4L, 0L, true), (0L, 10L, false)], answers.Select(a => (a.Charged, a.Refunded, a.AlreadySettled)));
        Assert.Equal([JobStatus.Succeeded, JobStatus.Succeeded, JobStatus.Succeeded, JobStatus.Failed], answers.Select(a => a.Job.Status));
        Assert.Equal(new CreditBalance(86, 0, 14), await teams.GetCreditsAsync());
        Assert.Equal(14L, await gateway.ScalarAsync<long>("SELECT sum(amount)::bigint FROM credit_usage WHERE team_id = @t", ("t", team.TeamId)));
        Assert.Equal(86L, await gateway.ScalarAsync<long>("SELECT balance FROM credit_accounts WHERE team_id = @t", ("t", team.TeamId)));
        Assert.Equal(
            """{"units": 4, "by_status": {"created": 1}, "price_per_unit": 1, "credits_charged": 4, "credits_refunded": 6, "credits_reserved": 10}""",
            await gateway.ScalarAsync<string>("SELECT usage_metrics::text FROM jobs WHERE id = @j", ("j", jobs[0].JobId)));
    }

    private static JobSubmission Submission(Guid teamId, long estimate) =>
        new(Guid.CreateVersion7(), teamId, null, Quantums.Identity, "resolve-company", """{"companies":[{"domain":"acme.com"}]}""", estimate, null, null, "00", 1);
}
