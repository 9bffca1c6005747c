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
            Id = "scope-debounced",
            Triggers = [MeshTrigger.OnEvent("scope/typing")],
            Debounce = new MeshDebounce(TimeSpan.FromMinutes(1)),
            Handler = ctx => Task.FromResult<object?>(ctx.Data.GetProperty("n").GetInt32()),
        },
        new()
        {
            Id = "scope-limited",
            Triggers = [MeshTrigger.OnEvent("scope/work")],
            Concurrency = [new MeshConcurrency(1)],
            // Works (holding its slot) until the test releases it: a step, not a wait, since waiting runs hold no slot.
            Handler = async ctx => await ctx.Run("work", () => Signals.For(ctx.Data.GetProperty("work").GetString()!)),
        },
        new()
        {
            Id = "scope-sender",
            Triggers = [MeshTrigger.OnEvent("scope/forward")],
            Handler = async ctx =>
            {
                await ctx.SendEvent("forward", MeshEvents.Create("scope/forwarded", new { }, teamId: ctx.Data.GetProperty("to").GetString()));
                return "sent";
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

    [Fact]
    public async Task Debounce_SupersedesOnlyItsOwnTeamsEarlierEvent()
    {
        var (a, b) = (Team("a"), Team("b"));
        var firstOfA = await Host.SendAsync("scope/typing", new { n = 1 }, a);
        var onlyOfB = await Host.SendAsync("scope/typing", new { n = 2 }, b);
        var lastOfA = await Host.SendAsync("scope/typing", new { n = 3 }, a);
        var done = Task.WhenAll(FinalAsync(onlyOfB, b), FinalAsync(lastOfA, a));

        Host.Time!.Advance(TimeSpan.FromMinutes(2));
        await done.Within(MeshHost.Limit, "both teams' debounced runs");

        Assert.Equal(RunStatus.Skipped, (await RunOfAsync(firstOfA, a)).Run.Status);
        Assert.Equal("2", (await RunOfAsync(onlyOfB, b)).OutputJson);
        Assert.Equal("3", (await RunOfAsync(lastOfA, a)).OutputJson);
    }

    [Fact]
    public async Task AConcurrencyLimit_HoldsATeamsRunsAmongThemselves_NeverAnotherTeams()
    {
        var (a, b) = (Team("a"), Team("b"));
        var (workOfA, workOfB) = ($"w-{Guid.NewGuid():N}", $"w-{Guid.NewGuid():N}");
        var running = Host.Monitor.WaitAsync(c => c.FunctionId == "scope-limited" && c.Status == RunStatus.Running);
        var held = await Host.SendAsync("scope/work", new { work = workOfA }, a);
        await running.Within(MeshHost.Limit, "team a's run to take the slot");

        // Team a's run holds the function's one slot; team b's run takes its own team's.
        var other = await Host.SendAsync("scope/work", new { work = workOfB }, b);
        var otherDone = FinalAsync(other, b);
        Signals.Raise(workOfB, "b's work");
        Assert.Equal(RunStatus.Completed, (await otherDone.Within(MeshHost.Limit, "team b's run, beside team a's")).Status);

        var heldDone = FinalAsync(held, a);
        Signals.Raise(workOfA, "a's work");
        Assert.Equal(RunStatus.Completed, (await heldDone.Within(MeshHost.Limit, "team a's run")).Status);
    }

    [Fact]
    public async Task ARunOfATeam_SendsIntoItsOwnTeamOnly()
    {
        var (a, b) = (Team("a"), Team("b"));
        var sent = FinalAsync(await Host.SendAsync("scope/forward", new { to = a }, a), a);
        var refused = FinalAsync(await Host.SendAsync("scope/forward", new { to = b }, a), a);

        Assert.Equal(RunStatus.Completed, (await sent.Within(MeshHost.Limit, "the run sending into its team")).Status);
        var failed = await refused.Within(MeshHost.Limit, "the run sending into another team");
        Assert.Equal(RunStatus.Failed, failed.Status);
        Assert.Contains("its own team only", (await Host.Mesh.GetRunAsync(failed.RunId, null))!.Error);
        Assert.Equal(0, await Host.ScalarAsync("SELECT count(*) FROM mesh.events WHERE name = 'scope/forwarded' AND team_id = @b", ("b", b!)));
    }

    /// <summary>The final change of the run <paramref name="eventId"/> (of <paramref name="team"/>) started.</summary>
    private async Task<RunChange> FinalAsync(string eventId, string? team)
    {
        var run = (await RunOfAsync(eventId, team)).Run.RunId;
        var final = Host.Monitor.WaitAsync(c => c.RunId == run && RunStatus.IsFinal(c.Status));
        var now = await Host.Mesh.GetRunAsync(run, null);
        return RunStatus.IsFinal(now!.Run.Status) ? new RunChange(run, now.Run.FunctionId, now.Run.Status, 0, null, now.Error) : await final;
    }

    private async Task<RunDetail> RunOfAsync(string eventId, string? team)
    {
        var detail = await Host.Mesh.GetEventAsync(eventId, team);
        return (await Host.Mesh.GetRunAsync(Assert.Single(detail!.Runs).RunId, null))!;
    }

    private static string? Team(string? label) => label is null ? null : $"team-{label}-{Guid.NewGuid():N}";

    private Task<long> RunsAsync(string key, string? team) => Host.ScalarAsync(
        "SELECT count(*) FROM mesh.runs r JOIN mesh.events e ON e.id = r.event_id AND e.team_id IS NOT DISTINCT FROM r.team_id WHERE e.data->>'key' = @k AND r.team_id IS NOT DISTINCT FROM @team",
        ("k", key), ("team", (object?)team ?? DBNull.Value));

    private Task<long> WaitsAsync(Guid run) => Host.ScalarAsync("SELECT count(*) FROM mesh.waits WHERE run_id = @run", ("run", run));
}
