using System.Text.Json;
using Alavida.Grains.Mesh;
using Alavida.Tests.Infrastructure;

namespace Alavida.Tests.Mesh;

public sealed class MeshTeamScopeFixture : MeshFixture
{
    protected override IEnumerable<MeshFunctionDefinition> Functions() =>
    [
        new()
        {
            Id = "scope-waiter",
            Triggers = [MeshTrigger.OnEvent("scope/order")],
            Handler = async ctx =>
            {
                var approval = await ctx.WaitForEvent("approval", "scope/approved", TimeSpan.FromHours(1), match: "data.order_id");
                return approval is null ? "timed out" : JsonDocument.Parse(approval.DataJson).RootElement.GetProperty("by").GetString();
            },
        },
        new()
        {
            Id = "scope-waiter-any",
            Triggers = [MeshTrigger.OnEvent("scope/start")],
            Handler = async ctx =>
            {
                var go = await ctx.WaitForEvent("go", "scope/go", TimeSpan.FromHours(1));
                return go is null ? "timed out" : JsonDocument.Parse(go.DataJson).RootElement.GetProperty("by").GetString();
            },
        },
        new()
        {
            Id = "scope-cancellable",
            Triggers = [MeshTrigger.OnEvent("scope/job")],
            CancelOn = [new MeshCancelOn("scope/job.cancelled", "data.job_id"), new MeshCancelOn("scope/stop")],
            Handler = async ctx =>
            {
                await ctx.Sleep("long", TimeSpan.FromDays(1));
                return "finished";
            },
        },
        new()
        {
            Id = "scope-idempotent",
            Triggers = [MeshTrigger.OnEvent("scope/idem")],
            Idempotency = "event.data.key",
            Handler = ctx => Task.FromResult<object?>(ctx.Data.GetProperty("key").GetString()),
        },
    ];
}

/// <summary>
/// A run's waits (WaitForEvent, cancelOn) and a function's idempotency keys belong to the run's team: another team's
/// event never resumes, cancels or suppresses it; events without a team are a team of their own (PRODUCT.md §3).
/// </summary>
public sealed class MeshTeamScopeTests(MeshTeamScopeFixture fixture) : IClassFixture<MeshTeamScopeFixture>
{
    private MeshHost Host => fixture.Host;

    // Team labels: "a" and "b" become fresh team ids per test, null is the events without a team.
    [Theory]
    [InlineData("a", "b", true)]
    [InlineData("a", null, true)]
    [InlineData(null, "a", true)]
    [InlineData("a", "b", false)]
    [InlineData("a", null, false)]
    [InlineData(null, "a", false)]
    public async Task WaitForEvent_ResumesOnItsOwnTeamsEvent_NotOnAnotherTeamsEqualOne(string? runLabel, string? otherLabel, bool withMatch)
    {
        var (mine, other) = (Team(runLabel), Team(otherLabel));
        var (function, trigger, reply) = withMatch ? ("scope-waiter", "scope/order", "scope/approved") : ("scope-waiter-any", "scope/start", "scope/go");
        var order = $"o-{Guid.NewGuid():N}";
        var waiting = Host.Monitor.WaitAsync(c => c.FunctionId == function && c.Status == RunStatus.Waiting);
        await Host.SendAsync(trigger, new { order_id = order }, mine);
        var run = (await waiting.Within(MeshHost.Limit, "the run to wait")).RunId;
        var done = Host.Monitor.WaitAsync(c => c.RunId == run && RunStatus.IsFinal(c.Status));

        // Committed when SendAsync returns: had it satisfied the wait, the wait would be gone.
        await Host.SendAsync(reply, new { order_id = order, by = "the other team" }, other);
        Assert.Equal(1, await WaitsAsync(run));

        await Host.SendAsync(reply, new { order_id = order, by = "its own team" }, mine);
        Assert.Equal(RunStatus.Completed, (await done.Within(MeshHost.Limit, "the run to resume")).Status);
        Assert.Equal("\"its own team\"", (await Host.Mesh.GetRunAsync(run, null))!.OutputJson);
    }

    [Theory]
    [InlineData("a", "b", true)]
    [InlineData("a", null, true)]
    [InlineData(null, "a", true)]
    [InlineData("a", "b", false)]
    [InlineData("a", null, false)]
    [InlineData(null, "a", false)]
    public async Task CancelOn_CancelsOnItsOwnTeamsEvent_NotOnAnotherTeamsEqualOne(string? runLabel, string? otherLabel, bool withMatch)
    {
        var (mine, other) = (Team(runLabel), Team(otherLabel));
        var job = $"j-{Guid.NewGuid():N}";
        var cancelEvent = withMatch ? "scope/job.cancelled" : "scope/stop";
        var sleeping = Host.Monitor.WaitAsync(c => c.FunctionId == "scope-cancellable" && c.Status == RunStatus.Sleeping);
        await Host.SendAsync("scope/job", new { job_id = job }, mine);
        var run = (await sleeping.Within(MeshHost.Limit, "the run to sleep")).RunId;
        var cancelled = Host.Monitor.WaitAsync(c => c.RunId == run && RunStatus.IsFinal(c.Status));

        await Host.SendAsync(cancelEvent, new { job_id = job }, other);
        Assert.Equal(2, await WaitsAsync(run));
        Assert.Equal(RunStatus.Sleeping, (await Host.Mesh.GetRunAsync(run, null))!.Run.Status);

        var own = await Host.SendAsync(cancelEvent, new { job_id = job }, mine);
        Assert.Equal(RunStatus.Cancelled, (await cancelled.Within(MeshHost.Limit, "the run to be cancelled")).Status);
        Assert.Equal($"cancelled by event {own}", (await Host.Mesh.GetRunAsync(run, null))!.Error);
    }

    [Fact]
    public async Task IdempotencyKey_SuppressesTheSameTeamsSecondRun_NotAnotherTeamsOrTheTeamlessRun()
    {
        var key = $"k-{Guid.NewGuid():N}";
        var teams = new[] { Team("a"), Team("b"), null };
        foreach (var team in teams)
        {
            var done = Host.When("scope-idempotent");
            await Host.SendAsync("scope/idem", new { key }, team);
            // The key is claimed in the commit that stores the event: the run exists (or not) once SendAsync returns.
            Assert.Equal(1, await RunsAsync(key, team));
            Assert.Equal(RunStatus.Completed, (await done.Within(MeshHost.Limit, $"the run of team {team ?? "none"}")).Status);
        }

        foreach (var team in teams)
        {
            await Host.SendAsync("scope/idem", new { key }, team);
            Assert.Equal(1, await RunsAsync(key, team));
        }

        Assert.Equal(6, await Host.ScalarAsync("SELECT count(*) FROM mesh.events WHERE data->>'key' = @k", ("k", key)));
    }

    private static string? Team(string? label) => label is null ? null : $"team-{label}-{Guid.NewGuid():N}";

    private Task<long> RunsAsync(string key, string? team) => Host.ScalarAsync(
        "SELECT count(*) FROM mesh.runs r JOIN mesh.events e ON e.id = r.event_id AND e.team_id IS NOT DISTINCT FROM r.team_id WHERE e.data->>'key' = @k AND r.team_id IS NOT DISTINCT FROM @team",
        ("k", key), ("team", (object?)team ?? DBNull.Value));

    private Task<long> WaitsAsync(Guid run) => Host.ScalarAsync("SELECT count(*) FROM mesh.waits WHERE run_id = @run", ("run", run));
}
