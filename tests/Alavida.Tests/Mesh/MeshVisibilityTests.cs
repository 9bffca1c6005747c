using Alavida.Grains.Mesh;
using Alavida.Tests.Infrastructure;

namespace Alavida.Tests.Mesh;

public sealed class MeshVisibilityFixture : MeshFixture
{
    protected override IEnumerable<MeshFunctionDefinition> Functions() =>
    [
        new()
        {
            Id = "visible",
            Triggers = [MeshTrigger.OnEvent("vis/ping")],
            Handler = async ctx =>
            {
                var n = await ctx.Run("read", () => Task.FromResult(ctx.Data.GetProperty("n").GetInt32()));
                return n * 10;
            },
        },
        new()
        {
            Id = "holding",
            Triggers = [MeshTrigger.OnEvent("vis/hold")],
            Handler = async ctx =>
            {
                await ctx.Sleep("hold", TimeSpan.FromDays(1));
                return null;
            },
        },
    ];
}

public sealed class MeshVisibilityTests(MeshVisibilityFixture fixture) : IClassFixture<MeshVisibilityFixture>
{
    private MeshHost Host => fixture.Host;

    [Fact]
    public async Task Runs_AreListedWithFilters_AndPagedByCursor_PerTeam()
    {
        var team = $"team-{Guid.NewGuid():N}";
        var trace = $"trace-{Guid.NewGuid():N}";
        var remaining = 5;
        var done = Host.Monitor.WaitAsync(c => c.FunctionId == "visible" && RunStatus.IsFinal(c.Status) && Interlocked.Decrement(ref remaining) == 0);
        var result = await Host.Mesh.SendAsync(Enumerable.Range(1, 5).Select(n => MeshEvents.Create("vis/ping", new { n }, team, traceId: trace)).ToList());
        await done.Within(MeshHost.Limit, "five runs");

        var seen = new List<RunSummary>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await Host.Mesh.QueryRunsAsync(new RunQuery(team, FunctionId: "visible", Status: RunStatus.Completed, Limit: 2, Cursor: cursor));
            seen.AddRange(page.Items);
            cursor = page.NextCursor;
            pages++;
        }
        while (cursor is not null);

        Assert.Equal(3, pages);
        Assert.Equal(5, seen.Select(r => r.RunId).Distinct().Count());
        Assert.True(seen.SequenceEqual(seen.OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.RunId)));
        Assert.All(seen, r => Assert.Equal((team, trace, 1), (r.TeamId, r.TraceId, r.Attempts)));
        Assert.All(seen, r => Assert.True(r.StartedAt <= r.EndedAt));
        Assert.Equal(5, (await Host.Mesh.QueryRunsAsync(new RunQuery(null, TraceId: trace))).Items.Count);
        Assert.Empty((await Host.Mesh.QueryRunsAsync(new RunQuery("another-team", TraceId: trace))).Items);
        Assert.Empty((await Host.Mesh.QueryRunsAsync(new RunQuery(team, Since: Host.Time!.GetUtcNow().AddMinutes(1)))).Items);
        Assert.Equal(5, result.Ids.Count);
    }

    [Fact]
    public async Task Run_IsReadWithItsSteps_OnlyByItsTeam()
    {
        var done = Host.When("visible");
        var id = await Host.SendAsync("vis/ping", new { n = 4 }, "team-x");
        await done.Within(MeshHost.Limit, "the run");
        var runId = (await Host.Mesh.GetEventAsync(id, "team-x"))!.Runs.Single().RunId;

        var run = await Host.Mesh.GetRunAsync(runId, "team-x");
        Assert.Equal("40", run!.OutputJson);
        var step = Assert.Single(run.Steps);
        Assert.Equal(("read", StepStatus.Completed, 1, "4"), (step.Name, step.Status, step.Attempts, step.OutputJson));
        Assert.Null(await Host.Mesh.GetRunAsync(runId, "team-y"));
        Assert.Null(await Host.Mesh.GetEventAsync(id, "team-y"));
        Assert.NotNull(await Host.Mesh.GetRunAsync(runId, null));
    }

    [Fact]
    public async Task Cancel_StopsAnUnfinishedRun_AndReplay_StartsANewRunFromTheSameEvent()
    {
        var sleeping = Host.When("holding", RunStatus.Sleeping);
        var id = await Host.SendAsync("vis/hold", new { }, "team-c");
        await sleeping.Within(MeshHost.Limit, "the run to sleep");
        var runId = (await Host.Mesh.GetEventAsync(id, null))!.Runs.Single().RunId;

        Assert.Equal(MeshControlResult.NotFound, (await Host.Mesh.CancelRunAsync(runId, "team-other")).Outcome);
        Assert.Equal(MeshControlResult.Ok, (await Host.Mesh.CancelRunAsync(runId, "team-c")).Outcome);
        Assert.Equal(MeshControlResult.Conflict, (await Host.Mesh.CancelRunAsync(runId, "team-c")).Outcome);
        Assert.Equal(RunStatus.Cancelled, (await Host.Mesh.GetRunAsync(runId, null))!.Run.Status);

        var replayedSleeping = Host.When("holding", RunStatus.Sleeping);
        var replay = await Host.Mesh.ReplayRunAsync(runId, "team-c");
        Assert.Equal(MeshControlResult.Ok, replay.Outcome);
        await replayedSleeping.Within(MeshHost.Limit, "the replay to run");
        var runs = (await Host.Mesh.GetEventAsync(id, "team-c"))!.Runs;
        Assert.Equal(2, runs.Count);
        Assert.Contains(runs, r => r.RunId == replay.RunId && r.Status == RunStatus.Sleeping);
        Assert.Equal(MeshControlResult.NotFound, (await Host.Mesh.ReplayRunAsync(Guid.NewGuid(), null)).Outcome);
    }

    [Fact]
    public async Task Events_AreListedByNameAndTime_PerTeam()
    {
        var team = $"team-{Guid.NewGuid():N}";
        var since = Host.Time!.GetUtcNow();
        var ids = new List<string>();
        for (var n = 0; n < 3; n++)
        {
            ids.Add(await Host.SendAsync("vis/listed", new { n }, team));
        }

        var page = await Host.Mesh.QueryEventsAsync(new EventQuery(team, Name: "vis/listed", Since: since, Limit: 2));
        Assert.Equal(2, page.Items.Count);
        var rest = await Host.Mesh.QueryEventsAsync(new EventQuery(team, Name: "vis/listed", Since: since, Limit: 2, Cursor: page.NextCursor));
        Assert.Equal(ids.Order(), page.Items.Concat(rest.Items).Select(e => e.Event.Id).Order());
        Assert.Null(rest.NextCursor);
        Assert.Empty((await Host.Mesh.QueryEventsAsync(new EventQuery("another-team", Name: "vis/listed"))).Items);
        Assert.All(page.Items, e => Assert.Equal(e.Event.Id, e.Event.TraceId));
    }
}
