using System.Net;
using System.Net.Http.Json;
using Alavida.Grains.Identity;
using Alavida.Grains.Platform;
using Alavida.Tests.Gateway;
using Alavida.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Alavida.Tests.Reliability;

/// <summary>
/// An accepted job never fails because of the infrastructure: faults injected while it works (the database refusing
/// connections, a grain call failing as one to a dead silo does) delay it; it succeeds, charged once. A failure of the
/// action's own logic still fails it at once.
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class JobFaultTests(ReliabilityFixture platform)
{
    [Fact]
    public async Task ADatabaseOutageAsTheJobSettles_DelaysIt_ThenItSucceeds_ChargedOnce_WithoutRunningTheWorkAgain()
    {
        var (team, jobId, hold) = await StartHeldJobAsync(HeldAction.Name);
        var retried = platform.WhenLoggedAsync(jobId, "could not be started or settled");

        await platform.SetReachableAsync(false);
        try
        {
            hold.Release.TrySetResult(3); // the work is done; its settlement meets the outage
            await retried.Within(TimeSpan.FromSeconds(30), "the settlement to meet the outage");
        }
        finally
        {
            await platform.SetReachableAsync(true);
        }

        var job = await team.WaitForJobAsync(jobId.ToString());
        Assert.Equal("succeeded", job.GetProperty("status").GetString());
        Assert.Equal(1, hold.Runs);
        await AssertChargedOnceAsync(team, jobId, 3);
    }

    [Fact]
    public async Task ADatabaseOutageWhileTheActionWorks_RunsTheActionAgain_ThenItSucceeds_ChargedOnce()
    {
        var (team, jobId, hold) = await StartHeldJobAsync(TouchDatabaseAction.Name);
        var retried = platform.WhenLoggedAsync(jobId, "met a transient fault");

        await platform.SetReachableAsync(false);
        try
        {
            hold.Release.TrySetResult(0); // the action now reads the database, which is gone
            await retried.Within(TimeSpan.FromSeconds(30), "the action to meet the outage");
        }
        finally
        {
            await platform.SetReachableAsync(true);
        }

        var job = await team.WaitForJobAsync(jobId.ToString());
        Assert.Equal("succeeded", job.GetProperty("status").GetString());
        Assert.True(hold.Runs >= 2, $"the action ran {hold.Runs} time(s)");
        await AssertChargedOnceAsync(team, jobId, 1);
    }

    [Fact]
    public async Task DuringAnOutage_RunAnswersA503ProblemWithRetryAfter_AndAcceptsNothing()
    {
        var team = await platform.CreateTeamAsync(20);
        await team.Http.GetAsync("/credits");

        HttpResponseMessage response;
        await platform.SetReachableAsync(false);
        try
        {
            response = await team.Http.PostAsJsonAsync("/identity/run/resolve-company", new { companies = new[] { new { domain = "outage.example.com" } } });
        }
        finally
        {
            await platform.SetReachableAsync(true);
        }

        var problem = await response.AssertProblemAsync(HttpStatusCode.ServiceUnavailable);
        Assert.Contains("retry", problem.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(TimeSpan.FromSeconds(1), response.Headers.RetryAfter?.Delta);
        Assert.Equal(0L, await platform.ScalarAsync<long>("SELECT count(*) FROM jobs WHERE team_id = @t", ("t", team.TeamId)));
        Assert.Equal(20, (await (await team.Http.GetAsync("/credits")).ReadJsonAsync()).GetProperty("balance").GetInt32());
    }

    [Fact]
    public async Task GrainCallsFailingAsToADeadSilo_AreRetried_AndTheQualifyJobSucceeds_ChargedOnce_WithItsCascadeStartedOnce()
    {
        var team = await platform.CreateTeamAsync(1_000);
        var tag = Guid.NewGuid().ToString("N")[..8];
        platform.Faults.FailNext<IIdentityResolverGrain>(3);
        var failedBefore = platform.Faults.Failed;

        var job = await team.RunToSuccessAsync("/icp-discovery/run/qualify", new
        {
            icp = new { industries = new[] { "logistics" }, min_score = 50 },
            companies = Enumerable.Range(1, 3).Select(i => new { domain = $"silo-fault-{i}-{tag}.de", industry = "logistics" }).ToArray(),
        });

        Assert.Equal(3, platform.Faults.Failed - failedBefore);
        Assert.Equal(3, job.GetProperty("result").GetProperty("counts").GetProperty("qualified").GetInt32());
        var jobId = Guid.Parse(job.GetProperty("job_id").GetString()!);
        await AssertChargedOnceAsync(team, jobId, job.GetProperty("usage").GetProperty("credits_charged").GetInt64());
        Assert.Equal(3, job.GetProperty("usage").GetProperty("units").GetInt32());
        Assert.Equal(3L, await platform.ScalarAsync<long>(
            "SELECT count(*) FROM mesh.events WHERE name = 'icp/company.qualified' AND trace_id = @trace", ("trace", JobView.TraceIdOf(jobId))));
    }

    [Fact]
    public async Task AnActionsOwnFailure_FailsTheJobAtOnce_AsADefect_WithNothingCharged()
    {
        var before = DefectiveAction.Runs;
        var (team, jobId, _) = await StartHeldJobAsync(DefectiveAction.Name, waitForStart: false);

        var job = await team.WaitForJobAsync(jobId.ToString());

        Assert.Equal("failed", job.GetProperty("status").GetString());
        var error = job.GetProperty("error");
        Assert.Equal("internal_error", error.GetProperty("code").GetString());
        Assert.Contains("not an infrastructure fault", error.GetProperty("message").GetString());
        Assert.Equal(1, DefectiveAction.Runs - before);
        Assert.Equal(0, job.GetProperty("usage").GetProperty("credits_charged").GetInt32());
    }

    [Fact]
    public async Task FaultsPastTheJobsDeadline_FailItAsDeadlineExceeded_SayingItWasTheInfrastructure_WithNothingCharged()
    {
        // A platform whose jobs may not wait for the infrastructure at all (deadline 0), on the same database.
        await using var strict = await PlatformHost.StartAsync(platform.ConnectionString, ClusterIdentity.New(), settings: new Dictionary<string, string?> { ["Jobs:Deadline"] = "00:00:00", ["Alavida:MigrateOnStart"] = "false" },
            services: services => services.AddSingleton<IOutgoingGrainCallFilter>(platform.Faults));
        var team = await platform.CreateTeamAsync(100);
        platform.Faults.FailNext<IIdentityResolverGrain>(1);
        var jobId = Guid.CreateVersion7();
        var submission = new JobSubmission(jobId, team.TeamId, null, "icp-discovery", "qualify",
            """{"icp":{"industries":["logistics"]},"companies":[{"domain":"deadline.example","industry":"logistics"}]}""", 2, null, null, null, 2);
        var accepted = await strict.Grains.GetGrain<ITeamGrain>(team.TeamId).AcceptJobAsync(submission);
        await strict.Grains.GetGrain<IJobGrain>(jobId).RunAsync(new AcceptedJob(submission, accepted.CreatedAt!.Value));

        // Read where it ran: a job's long poll is answered by its grain in its own cluster.
        var job = await (team with { Http = new HttpClient { BaseAddress = strict.Address, DefaultRequestHeaders = { Authorization = team.Http.DefaultRequestHeaders.Authorization } } })
            .WaitForJobAsync(jobId.ToString());

        Assert.Equal("failed", job.GetProperty("status").GetString());
        var error = job.GetProperty("error");
        Assert.Equal("deadline_exceeded", error.GetProperty("code").GetString());
        Assert.Contains("infrastructure fault", error.GetProperty("message").GetString());
        Assert.Contains("silo", error.GetProperty("message").GetString());
        Assert.Equal(0, job.GetProperty("usage").GetProperty("credits_charged").GetInt32());
        Assert.Equal(100, (await (await team.Http.GetAsync("/credits")).ReadJsonAsync()).GetProperty("balance").GetInt32());
    }

    /// <summary>A job of a test action for a fresh team of 20 credits (7 reserved), handed to its grain.</summary>
    private async Task<(TestTeam Team, Guid JobId, HeldAction.Hold Hold)> StartHeldJobAsync(string action, bool waitForStart = true)
    {
        var team = await platform.CreateTeamAsync(20);
        await team.Http.GetAsync("/credits"); // the team's key and balance are loaded before any outage
        var jobId = Guid.CreateVersion7();
        await platform.Host.Grains.GetGrain<ITeamGrain>(team.TeamId).AcceptJobAsync(new JobSubmission(
            jobId, team.TeamId, null, Quantums.Identity, action, "{}", 7, null, null, null, 1));
        var hold = HeldAction.For(jobId);
        await platform.Host.Grains.GetGrain<IJobGrain>(jobId).RunAsync(null);
        if (waitForStart)
        {
            await hold.Started.Task.Within(TimeSpan.FromSeconds(30), "the action to start");
        }

        return (team, jobId, hold);
    }

    /// <summary>The job charged <paramref name="credits"/> once: one usage row, and the team's ledger adds up.</summary>
    private async Task AssertChargedOnceAsync(TestTeam team, Guid jobId, long credits)
    {
        Assert.Equal(credits == 0 ? 0L : 1L, await platform.ScalarAsync<long>("SELECT count(*) FROM credit_usage WHERE job_id = @id", ("id", jobId)));
        Assert.Equal(credits, await platform.ScalarAsync<long>("SELECT coalesce(sum(amount), 0)::bigint FROM credit_usage WHERE job_id = @id", ("id", jobId)));
        var account = await (await team.Http.GetAsync("/credits")).ReadJsonAsync();
        var granted = await platform.ScalarAsync<long>("SELECT sum(credits)::bigint FROM credit_purchases WHERE team_id = @t", ("t", team.TeamId));
        Assert.Equal(0, account.GetProperty("reserved").GetInt64());
        Assert.Equal(granted, account.GetProperty("balance").GetInt64() + account.GetProperty("lifetime_used").GetInt64());
    }
}
