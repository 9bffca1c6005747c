using System.Collections.Concurrent;
using System.Text.Json;
using Alavida.Grains.Mesh;
using Alavida.Tests.Infrastructure;

namespace Alavida.Tests.Mesh;

public sealed class MeshTimeFixture : MeshFixture
{
    private int _executing;
    private int _maxExecuting;

    public ConcurrentBag<string> Cron { get; } = [];

    /// <summary>Steps of "limited" runs that have executed, as "{key}:{step}".</summary>
    public ConcurrentBag<string> LimitedSteps { get; } = [];

    /// <summary>The most "limited" steps seen executing at once.</summary>
    public int MaxExecuting => Volatile.Read(ref _maxExecuting);

    /// <summary>Completes when a "limited" run in hold mode is inside its step (holding the slot).</summary>
    public TaskCompletionSource Holding { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Releases the held step.</summary>
    public TaskCompletionSource Hold { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private async Task<int> StepAsync(string key, string step, Func<Task>? body = null)
    {
        var now = Interlocked.Increment(ref _executing);
        InterlockedMax(ref _maxExecuting, now);
        LimitedSteps.Add($"{key}:{step}");
        if (body is not null)
        {
            await body();
        }

        Interlocked.Decrement(ref _executing);
        return now;
    }

    private static void InterlockedMax(ref int target, int value)
    {
        for (var seen = Volatile.Read(ref target); value > seen; seen = Volatile.Read(ref target))
        {
            if (Interlocked.CompareExchange(ref target, value, seen) == seen)
            {
                return;
            }
        }
    }

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
            Id = "limited",
            Triggers = [MeshTrigger.OnEvent("test/limited")],
            Concurrency = [new MeshConcurrency(1)],
            Handler = async ctx =>
            {
                var key = ctx.Data.GetProperty("key").GetString()!;
                var mode = ctx.Data.GetProperty("mode").GetString();
                await ctx.Run("before", () => StepAsync(key, "before"));
                if (mode == "sleep")
                {
                    await ctx.Sleep("nap", TimeSpan.FromHours(1));
                }
                else if (mode == "wait")
                {
                    await ctx.WaitForEvent("go", "test/limited.go", TimeSpan.FromHours(1), match: "data.key");
                }
                else if (mode == "hold")
                {
                    await ctx.Run("hold", () => StepAsync(key, "hold", async () =>
                    {
                        Holding.TrySetResult();
                        await Hold.Task;
                    }));
                }

                await ctx.Run("after", () => StepAsync(key, "after"));
                return key;
            },
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

    [Fact]
    public async Task SleepingRun_ReleasesItsConcurrencySlot_AndTakesItAgainOnResume()
    {
        var sleeping = Host.When("limited", RunStatus.Sleeping);
        await Host.SendAsync("test/limited", new { key = "a", mode = "sleep" });
        var a = await sleeping.Within(MeshHost.Limit, "run A to sleep");

        // Limit 1 and A is asleep: B still runs to the end.
        var b = Host.When("limited", RunStatus.Completed);
        await Host.SendAsync("test/limited", new { key = "b", mode = "quick" });
        await b.Within(MeshHost.Limit, "run B while A sleeps");

        // C takes the only slot and holds it; A wakes and must queue for the slot instead of running beside C.
        await Host.SendAsync("test/limited", new { key = "c", mode = "hold" });
        await fixture.Holding.Task.Within(MeshHost.Limit, "run C to hold the slot");
        var queued = Host.Monitor.WaitAsync(c => c.RunId == a.RunId && c.Status == RunStatus.Queued);
        var aDone = Host.Monitor.WaitAsync(c => c.RunId == a.RunId && RunStatus.IsFinal(c.Status));
        Host.Time!.Advance(TimeSpan.FromHours(1));
        await queued.Within(MeshHost.Limit, "run A to queue for its slot");
        Assert.DoesNotContain("a:after", fixture.LimitedSteps);

        fixture.Hold.SetResult();
        Assert.Equal(RunStatus.Completed, (await aDone.Within(MeshHost.Limit, "run A to finish after C")).Status);
        Assert.Contains("a:after", fixture.LimitedSteps);
        Assert.Equal(1, fixture.MaxExecuting);
    }

    [Fact]
    public async Task WaitingRun_ReleasesItsConcurrencySlot_AndResumesOnItsEvent()
    {
        var key = $"w-{Guid.NewGuid():N}";
        var waiting = Host.When("limited", RunStatus.Waiting);
        await Host.SendAsync("test/limited", new { key, mode = "wait" });
        var a = await waiting.Within(MeshHost.Limit, "run A to wait");

        var other = $"q-{Guid.NewGuid():N}";
        var quick = Host.Monitor.WaitAsync(c => c.FunctionId == "limited" && c.RunId != a.RunId && c.Status == RunStatus.Completed);
        await Host.SendAsync("test/limited", new { key = other, mode = "quick" });
        await quick.Within(MeshHost.Limit, "another run while A waits");

        var aDone = Host.Monitor.WaitAsync(c => c.RunId == a.RunId && RunStatus.IsFinal(c.Status));
        await Host.SendAsync("test/limited.go", new { key });
        Assert.Equal(RunStatus.Completed, (await aDone.Within(MeshHost.Limit, "run A to resume")).Status);
        Assert.Contains($"{key}:after", fixture.LimitedSteps);
        Assert.Contains($"{other}:after", fixture.LimitedSteps);
    }

    [Fact]
    public async Task Replay_HonoursCancelOn_LikeTheOriginal()
    {
        var job = $"j-{Guid.NewGuid():N}";
        var sleeping = Host.When("cancellable", RunStatus.Sleeping);
        await Host.SendAsync("test/job", new { job_id = job });
        var original = await sleeping.Within(MeshHost.Limit, "the original run to sleep");
        Assert.Equal(MeshControlResult.Ok, (await Host.Mesh.CancelRunAsync(original.RunId, null)).Outcome);

        var replaySleeping = Host.When("cancellable", RunStatus.Sleeping);
        var replay = await Host.Mesh.ReplayRunAsync(original.RunId, null);
        Assert.Equal(MeshControlResult.Ok, replay.Outcome);
        Assert.Equal(replay.RunId, (await replaySleeping.Within(MeshHost.Limit, "the replay to sleep")).RunId);

        var cancelled = Host.Monitor.WaitAsync(c => c.RunId == replay.RunId && RunStatus.IsFinal(c.Status));
        var cancel = await Host.SendAsync("test/job.cancelled", new { job_id = job });
        Assert.Equal(RunStatus.Cancelled, (await cancelled.Within(MeshHost.Limit, "the replay to be cancelled by the event")).Status);
        Assert.Equal($"cancelled by event {cancel}", (await Host.Mesh.GetRunAsync(replay.RunId!.Value, null))!.Error);
    }

    private Task<RunChange> CompletedAsync(string functionId, int count)
    {
        var remaining = count;
        return Host.Monitor.WaitAsync(c => c.FunctionId == functionId && c.Status == RunStatus.Completed && Interlocked.Decrement(ref remaining) == 0);
    }

    private async Task<long> CountAsync(IEnumerable<string> eventIds, string status) =>
        await Host.ScalarAsync("SELECT count(*) FROM mesh.runs WHERE event_id = ANY(@ids) AND status = @status", ("ids", eventIds.ToArray()), ("status", status));
}
