using System.Net;
using Alavida.Grains.Platform;

namespace Alavida.Tests.Gateway;

[Collection(GatewayCollection.Name)]
public sealed class CreditTests(GatewayFixture gateway)
{
    [Fact]
    public async Task Settlement_ReplayedTwice_ChargesOnce_AndRefundsTheRestOnce()
    {
        var team = await gateway.CreateTeamAsync(100);
        var teams = gateway.Host.Grains.GetGrain<ITeamGrain>(team.TeamId);
        var jobId = Guid.CreateVersion7();
        var accepted = await teams.AcceptJobAsync(Submission(team.TeamId, jobId, estimate: 30));
        Assert.Equal(AcceptanceOutcome.Accepted, accepted.Outcome);
        var charge = new CreditCharge("resolve-company", 12, 12, $"job:{jobId}:resolve-company");

        var first = await teams.SettleJobAsync(jobId, [charge], Succeeded);
        var second = await teams.SettleJobAsync(jobId, [charge], Succeeded);

        Assert.Equal((12L, 18L, false), (first.Charged, first.Refunded, first.AlreadySettled));
        Assert.Equal((12L, true), (second.Charged, second.AlreadySettled));
        Assert.Equal(new CreditBalance(88, 0, 12), second.Balance);
        Assert.Equal(1L, await gateway.ScalarAsync<long>("SELECT count(*) FROM credit_usage WHERE job_id = @job", ("job", jobId)));
        Assert.Equal(88L, await gateway.ScalarAsync<long>("SELECT balance FROM credit_accounts WHERE team_id = @team", ("team", team.TeamId)));
        Assert.Equal(JobStatus.Succeeded, second.Job.Status);
        Assert.Equal(first.Job.EndedAt, second.Job.EndedAt);
    }

    [Fact]
    public async Task Settlement_NeverChargesMoreThanWasReserved()
    {
        var team = await gateway.CreateTeamAsync(10);
        var teams = gateway.Host.Grains.GetGrain<ITeamGrain>(team.TeamId);
        var jobId = Guid.CreateVersion7();
        await teams.AcceptJobAsync(Submission(team.TeamId, jobId, estimate: 4));

        var settled = await teams.SettleJobAsync(jobId, [new CreditCharge("resolve-company", 9, 9, $"job:{jobId}:x")], Succeeded);

        Assert.Equal((4L, 0L), (settled.Charged, settled.Refunded));
        Assert.Equal(new CreditBalance(6, 0, 4), settled.Balance);
    }

    [Fact]
    public async Task ConcurrentAcceptances_NeverOverdraw_TheDatabaseAgrees()
    {
        var team = await gateway.CreateTeamAsync(10);
        var teams = gateway.Host.Grains.GetGrain<ITeamGrain>(team.TeamId);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => teams.AcceptJobAsync(Submission(team.TeamId, Guid.CreateVersion7(), estimate: 1))));

        Assert.Equal(10, outcomes.Count(o => o.Outcome == AcceptanceOutcome.Accepted));
        Assert.Equal(90, outcomes.Count(o => o.Outcome == AcceptanceOutcome.InsufficientCredits));
        Assert.Equal(new CreditBalance(0, 10, 0), await teams.GetCreditsAsync());
        Assert.Equal(10L, await gateway.ScalarAsync<long>("SELECT count(*) FROM jobs WHERE team_id = @team", ("team", team.TeamId)));
        Assert.Equal(10L, await gateway.ScalarAsync<long>("SELECT sum(reserved_credits)::bigint FROM jobs WHERE team_id = @team", ("team", team.TeamId)));
    }

    [Fact]
    public async Task Database_RefusesANegativeBalance_EvenWithoutTheGrain()
    {
        var team = await gateway.CreateTeamAsync(3);

        var error = await Assert.ThrowsAsync<Npgsql.PostgresException>(() =>
            gateway.ScalarAsync<object>("UPDATE credit_accounts SET balance = balance - 4 WHERE team_id = @team", ("team", team.TeamId)));

        Assert.Equal("23514", error.SqlState); // check_violation
    }

    [Fact]
    public async Task OversizedBody_Is413Problem_AndWritesNothing()
    {
        var before = await gateway.ScalarAsync<long>("SELECT count(*) FROM teams");
        using var admin = gateway.Admin();
        var huge = $$"""{"name":"{{new string('x', 3 * 1024 * 1024)}}","owner_email":"a@example.com","credits":1}""";

        await (await admin.PostExpectingContinueAsync("/admin/teams", huge)).AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge);

        Assert.Equal(before, await gateway.ScalarAsync<long>("SELECT count(*) FROM teams"));
    }

    private static readonly JobFinish Succeeded = new(JobStatus.Succeeded, """{"results":[]}""", null, null);

    private static JobSubmission Submission(Guid teamId, Guid jobId, long estimate) =>
        new(jobId, teamId, null, Quantums.Identity, "resolve-company", """{"companies":[{"domain":"acme.com"}]}""", estimate, null, null, "00", 1);
}
