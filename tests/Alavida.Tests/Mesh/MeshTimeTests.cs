using System.Collections.Concurrent;
using System.Text.Json;
using Alavida.Grains.Mesh;
using Alavida.Tests.Infrastructure;

namespace Alavida.Tests.Mesh;

public sealed class MeshTimeFixture : MeshFixture
{
    public ConcurrentBag<string> Cron { get; } = [];

    protected override IEnumerable<MeshFunctionDefinition> Functions() =>
    [
        new()
        {
            Id = "sleeper",
            Triggers = [MeshTrigger.OnEvent("test/sleep")],
            Handler = async ctx =>
            {
                await ctx.Sleep("nap", TimeSpan.FromHours(1));
                return "awake";
            },
        },
        new()
        {
            Id = "waiter",
            Triggers = [MeshTrigger.OnEvent("test/order")],
            Handler = async ctx =>
            {
                var approval = await ctx.WaitForEvent("approval", "test/approved", TimeSpan.FromHours(1), match: "data.order_id");
                return approval is null ? "timed out" : $"{ctx.Data.GetProperty("order_id").GetString()} approved by {JsonDocument.Parse(approval.DataJson).RootElement.GetProperty("by").GetString()}";
            },
        },
        new()
        {
            Id = "cancellable",
            Triggers = [MeshTrigger.OnEvent("test/job")],
            CancelOn = [new MeshCancelOn("test/job.cancelled", "data.job_id")],
            Handler = async ctx =>
            {
                await ctx.Sleep("long", TimeSpan.FromDays(1));
                return "finished";
            },
        },
        new()
        {
            Id = "debounced",
            Triggers = [MeshTrigger.OnEvent("test/typing")],
            Debounce = new MeshDebounce(TimeSpan.FromMinutes(1), "event.data.doc"),
            Handler = ctx => Task.FromResult<object?>(ctx.Data.GetProperty("n").GetInt32()),
        },
        new()
        {
            Id = "throttled",
            Triggers = [MeshTrigger.OnEvent("test/throttle")],
            Throttle = new MeshThrottle(2, TimeSpan.FromMinutes(1)),
            Handler = ctx => Task.FromResult<object?>(ctx.Data.GetProperty("n").GetInt32()),
        },
        new()
        {
            Id = "slow",
            Triggers = [MeshTrigger.OnEvent("test/slow")],
            Timeouts = new MeshTimeouts(Finish: TimeSpan.FromMinutes(10)),
            Handler = async ctx =>
            {
                await ctx.Sleep("too-long", TimeSpan.FromHours(1));
                return "never";
            },
        },
        new()
        {
            Id = "pausable",
            Triggers = [MeshTrigger.OnEvent("test/pausable")],
            Handler = ctx => Task.FromResult<object?>("ran"),
        },
        new()
        {
            Id = "cron",
            Triggers = [MeshTrigger.OnCron("0 9 * * *", "Europe/Paris")],
            Handler = ctx =>
            {
                Cron.Add(ctx.Event.DataJson);
                return Task.FromResult<object?>(null);
            },
        },
    ];
}

public sealed class MeshTimeTests(MeshTimeFixture fixture) : IClassFixture<MeshTimeFixture>
{
    private MeshHost Host => fixture.Host;

    [Fact]
    public async Task Sleep_SuspendsTheRun_UntilItsTimeComes()
    {
        var sleeping = Host.When("sleeper", RunStatus.Sleeping);
        var id = await Host.SendAsync("test/sleep", new { });
        var change = await sleeping.Within(MeshHost.Limit, "the run to sleep");
        Assert.Equal(Host.Time!.GetUtcNow().AddHours(1), change.WakeAt);

        var done = Host.When("sleeper");
        Host.Time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(RunStatus.Completed, (await done.Within(MeshHost.Limit, "the run to wake")).Status);
        var run = await Host.RunOfAsync(id, "sleeper");
        Assert.Equal("\"awake\"", run.OutputJson);
        Assert.Equal(StepStatus.Completed, Assert.Single(run.Steps).Status);
    }

    [Fact]
    public async Task WaitForEvent_ResumesOnTheMatchingEventOnly()
    {
        var order = $"o-{Guid.NewGuid():N}";
        var waiting = Host.When("waiter", RunStatus.Waiting);
        var id = await Host.SendAsync("test/order", new { order_id = order });
        await waiting.Within(MeshHost.Limit, "the run to wait");

        var done = Host.When("waiter");
        await Host.SendAsync("test/approved", new { order_id = "another-order", by = "bob" });
        await Host.SendAsync("test/approved", new { order_id = order, by = "ana" });
        await done.Within(MeshHost.Limit, "the run to resume");

        Assert.Equal($"\"{order} approved by ana\"", (await Host.RunOfAsync(id, "waiter")).OutputJson);
    }

    [Fact]
    public async Task WaitForEvent_ReturnsNull_AfterItsTimeout()
    {
        var waiting = Host.When("waiter", RunStatus.Waiting);
        var id = await Host.SendAsync("test/order", new { order_id = $"o-{Guid.NewGuid():N}" });
        await waiting.Within(MeshHost.Limit, "the run to wait");

        var done = Host.When("waiter");
        Host.Time!.Advance(TimeSpan.FromHours(1));
        await done.Within(MeshHost.Limit, "the wait to time out");

        Assert.Equal("\"timed out\"", (await Host.RunOfAsync(id, "waiter")).OutputJson);
        Assert.Equal(0, await Host.ScalarAsync("SELECT count(*) FROM mesh.waits w JOIN mesh.runs r USING (run_id) WHERE r.event_id = @id", ("id", id)));
    }

    [Fact]
    public async Task CancelOn_CancelsTheRun_WhenTheMatchingEventArrives()
    {
        var job = $"j-{Guid.NewGuid():N}";
        var sleeping = Host.When("cancellable", RunStatus.Sleeping);
        var id = await Host.SendAsync("test/job", new { job_id = job });
        await sleeping.Within(MeshHost.Limit, "the run to sleep");

        var cancelled = Host.When("cancellable");
        await Host.SendAsync("test/job.cancelled", new { job_id = "some-other-job" });
        var cancel = await Host.SendAsync("test/job.cancelled", new { job_id = job });
        var change = await cancelled.Within(MeshHost.Limit, "the run to be cancelled");

        Assert.Equal(RunStatus.Cancelled, change.Status);
        var run = await Host.RunOfAsync(id, "cancellable");
        Assert.Equal($"cancelled by event {cancel}", run.Error);
    }

    [Fact]
    public async Task Debounce_RunsOnlyTheLastEventOfABurst()
    {
        var doc = $"d-{Guid.NewGuid():N}";
        var ids = new List<string>();
        for (var n = 1; n <= 3; n++)
        {
            ids.Add(await Host.SendAsync("test/typing", new { doc, n }));
            Host.Time!.Advance(TimeSpan.FromSeconds(20));
        }

        var done = Host.When("debounced", RunStatus.Completed);
        Host.Time!.Advance(TimeSpan.FromMinutes(1));
        await done.Within(MeshHost.Limit, "the debounced run");

        Assert.Equal(RunStatus.Skipped, (await Host.RunOfAsync(ids[0], "debounced")).Run.Status);
        Assert.Equal(RunStatus.Skipped, (await Host.RunOfAsync(ids[1], "debounced")).Run.Status);
        Assert.Equal("3", (await Host.RunOfAsync(ids[2], "debounced")).OutputJson);
    }

    [Fact]
    public async Task Throttle_StartsAtMostLimitRunsPerPeriod()
    {
        var firstTwo = CompletedAsync("throttled", 2);
        var ids = new List<string>();
        for (var n = 0; n < 5; n++)
        {
            ids.Add(await Host.SendAsync("test/throttle", new { n }));
        }

        await firstTwo.Within(MeshHost.Limit, "two runs in the first window");
        Assert.Equal(3, await CountAsync(ids, RunStatus.Queued));

        var nextTwo = CompletedAsync("throttled", 2);
        Host.Time!.Advance(TimeSpan.FromMinutes(1));
        await nextTwo.Within(MeshHost.Limit, "two runs in the second window");
        Assert.Equal(1, await CountAsync(ids, RunStatus.Queued));

        var last = CompletedAsync("throttled", 1);
        Host.Time.Advance(TimeSpan.FromMinutes(1));
        await last.Within(MeshHost.Limit, "the last run");
        Assert.Equal(5, await CountAsync(ids, RunStatus.Completed));
    }

    [Fact]
    public async Task FinishTimeout_CancelsARunThatTakesTooLong()
    {
        var sleeping = Host.When("slow", RunStatus.Sleeping);
        var id = await Host.SendAsync("test/slow", new { });
        await sleeping.Within(MeshHost.Limit, "the run to sleep");

        var done = Host.When("slow");
        Host.Time!.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(RunStatus.Cancelled, (await done.Within(MeshHost.Limit, "the timeout")).Status);
        Assert.StartsWith("timed out", (await Host.RunOfAsync(id, "slow")).Error);
    }

    [Fact]
    public async Task PausedFunction_KeepsItsEvents_AndRunsThemOnResume()
    {
        Assert.Equal(MeshControlResult.Ok, (await Host.Mesh.PauseFunctionAsync("pausable")).Outcome);
        var id = await Host.SendAsync("test/pausable", new { });
        Assert.Equal(RunStatus.Paused, (await Host.RunOfAsync(id, "pausable")).Run.Status);

        var done = Host.When("pausable");
        var resumed = await Host.Mesh.ResumeFunctionAsync("pausable");
        Assert.Equal(MeshControlResult.Ok, resumed.Outcome);
        Assert.Equal(RunStatus.Completed, (await done.Within(MeshHost.Limit, "the kept run")).Status);
        Assert.Equal(MeshControlResult.NotFound, (await Host.Mesh.PauseFunctionAsync("no-such-function")).Outcome);
    }

    [Fact]
    public async Task Cron_StartsARunAtTheNextOccurrenceInItsTimeZone()
    {
        var paris = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");
        var now = Host.Time!.GetUtcNow();
        var local = TimeZoneInfo.ConvertTime(now, paris);
        var nextLocal = new DateTime(local.Year, local.Month, local.Day, 9, 0, 0).AddDays(local.Hour >= 9 ? 1 : 0);
        var next = new DateTimeOffset(nextLocal, paris.GetUtcOffset(nextLocal));

        var done = Host.When("cron");
        Host.Time.Advance(next - now);
        await done.Within(MeshHost.Limit, "the cron run");

        Assert.Contains(fixture.Cron, d => d.Contains(next.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm")) || d.Contains(next.ToString("yyyy-MM-ddTHH:mm")));
    }

    private Task<RunChange> CompletedAsync(string functionId, int count)
    {
        var remaining = count;
        return Host.Monitor.WaitAsync(c => c.FunctionId == functionId && c.Status == RunStatus.Completed && Interlocked.Decrement(ref remaining) == 0);
    }

    private async Task<long> CountAsync(IEnumerable<string> eventIds, string status) =>
        await Host.ScalarAsync("SELECT count(*) FROM mesh.runs WHERE event_id = ANY(@ids) AND status = @status", ("ids", eventIds.ToArray()), ("status", status));
}
