using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Alavida.Grains.Mesh;
using Alavida.Tests.Infrastructure;
using Npgsql;

namespace Alavida.Tests.Mesh;

public sealed class MeshStepGroupFixture : MeshFixture
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _enqueued = new();

    /// <summary>Per key: completes when the body of that key's <c>tx-hold</c> step runs (it then holds its lane).</summary>
    public ConcurrentDictionary<string, TaskCompletionSource> Holding { get; } = new();

    /// <summary>Per key: the test completes it to let that key's <c>tx-hold</c> step (and its lane) go.</summary>
    public ConcurrentDictionary<string, TaskCompletionSource> Release { get; } = new();

    private int _executions;

    /// <summary>A value no two executions of a body share.</summary>
    public int NextExecution() => Interlocked.Increment(ref _executions);

    /// <summary>Completes when the database step of the <c>tx-group</c> run of <paramref name="key"/> is queued.</summary>
    public Task Enqueued(string key) => _enqueued.GetOrAdd(key, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    protected override IEnumerable<MeshFunctionDefinition> Functions() =>
    [
        new()
        {
            Id = "tx-hold",
            Triggers = [MeshTrigger.OnEvent("test/txhold")],
            Handler = async ctx => await ctx.RunInTransaction("hold", async _ =>
            {
                var key = ctx.Data.GetProperty("key").GetString()!;
                Holding.GetOrAdd(key, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
                await Release.GetOrAdd(key, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
                return 0;
            }),
        },
        new()
        {
            Id = "tx-group",
            Triggers = [MeshTrigger.OnEvent("test/txgroup")],
            Retries = new MeshRetries(1, BaseDelay: TimeSpan.FromSeconds(1)),
            Handler = async ctx =>
            {
                var key = ctx.Data.GetProperty("key").GetString()!;
                var failFirst = ctx.Data.GetProperty("fail_first").GetBoolean();
                // RunInTransaction queues the step before it returns its task: signal once it is queued.
                var write = ctx.RunInTransaction("write", async tx =>
                {
                    // Each execution writes and returns its own value: the memo must be that of the one committed.
                    var value = $"{key}#{NextExecution()}";
                    await using var command = new NpgsqlCommand("INSERT INTO public.mesh_group_test VALUES (@key, @attempt, @value)", tx.Connection, tx.Transaction);
                    command.Parameters.AddWithValue("key", key);
                    command.Parameters.AddWithValue("attempt", ctx.Attempt);
                    command.Parameters.AddWithValue("value", value);
                    await command.ExecuteNonQueryAsync();
                    tx.SendEvent(MeshEvents.Create("test/txgroup.done", new { key }));
                    return failFirst && ctx.Attempt == 1 ? throw new InvalidOperationException("fails after its SQL and its event") : value;
                });
                _enqueued.GetOrAdd(key, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
                return await write;
            },
        },
        new()
        {
            Id = "tx-group-follower",
            Triggers = [MeshTrigger.OnEvent("test/txgroup.done")],
            Handler = ctx => Task.FromResult<object?>(ctx.Data.GetProperty("key").GetString()),
        },
    ];
}

/// <summary>Database steps of concurrent runs share a transaction and a commit; one failing step fails no other.</summary>
public sealed class MeshStepGroupTests(MeshStepGroupFixture fixture) : IClassFixture<MeshStepGroupFixture>
{
    private MeshHost Host => fixture.Host;

    [Fact]
    public async Task QueuedDatabaseSteps_CommitAsOneGroup_AndAFailingOneRollsBackTheGroup_ThenEachRunsAlone()
    {
        await Host.ScalarAsync("CREATE TABLE IF NOT EXISTS public.mesh_group_test (key text, attempt int, value text); SELECT 0");
        var monitor = Host.Monitor;
        var sizes = new ConcurrentQueue<int>();
        var rollbacks = 0L;
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (ReferenceEquals(instrument, monitor.StepGroupSize) || ReferenceEquals(instrument, monitor.StepGroupRollbacks))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<int>((_, size, _, _) => sizes.Enqueue(size));
        listener.SetMeasurementEventCallback<long>((_, n, _, _) => Interlocked.Add(ref rollbacks, n));
        listener.Start();

        // Six good steps queued behind busy lanes go as one group.
        var good = Enumerable.Range(0, 6).Select(i => $"good-{i}-{Guid.NewGuid():N}").ToList();
        await QueueBehindHeldLanesAsync(good, failing: null, Followers(good));
        Assert.Contains(good.Count, sizes);
        Assert.Equal(0, Interlocked.Read(ref rollbacks));
        foreach (var key in good)
        {
            Assert.Equal(1, await Host.ScalarAsync("SELECT count(*) FROM public.mesh_group_test WHERE key = @key", ("key", key)));
            Assert.Equal(1, await Host.ScalarAsync("SELECT count(*) FROM mesh.events WHERE name = 'test/txgroup.done' AND data->>'key' = @key", ("key", key)));
        }

        // A group with a step that fails after its SQL: nothing of the group commits, every step runs again alone;
        // the others commit once, the failing one leaves nothing and succeeds on its retry.
        var mixed = Enumerable.Range(0, 6).Select(i => $"mixed-{i}-{Guid.NewGuid():N}").ToList();
        var failing = mixed[2];
        var retry = Host.Monitor.WaitAsync(c => c.FunctionId == "tx-group" && c.Attempts == 2);
        await QueueBehindHeldLanesAsync(mixed, failing, Task.WhenAll(retry, Followers(mixed.Where(k => k != failing).ToList())));
        Assert.Equal(1, Interlocked.Read(ref rollbacks));
        Assert.Equal(0, await Host.ScalarAsync("SELECT count(*) FROM public.mesh_group_test WHERE key = @key", ("key", failing)));
        Assert.Equal(0, await Host.ScalarAsync("SELECT count(*) FROM mesh.events WHERE name = 'test/txgroup.done' AND data->>'key' = @key", ("key", failing)));
        foreach (var key in mixed.Where(k => k != failing))
        {
            Assert.Equal(1, await Host.ScalarAsync("SELECT count(*) FROM public.mesh_group_test WHERE key = @key", ("key", key)));
            Assert.Equal(1, await Host.ScalarAsync("SELECT count(*) FROM mesh.events WHERE name = 'test/txgroup.done' AND data->>'key' = @key", ("key", key)));
            // The body ran twice (in the group, then alone): the memo holds the value of the run that committed.
            Assert.Equal(1, await Host.ScalarAsync(
                "SELECT count(*) FROM mesh.steps s JOIN mesh.runs r USING (run_id) JOIN public.mesh_group_test t ON s.output #>> '{}' = t.value WHERE t.key = @key AND r.function_id = 'tx-group'",
                ("key", key)));
        }

        var done = Host.Monitor.WaitAsync(c => c.FunctionId == "tx-group" && c.Attempts == 2 && RunStatus.IsFinal(c.Status));
        Host.Time!.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(RunStatus.Completed, (await done.Within(MeshHost.Limit, "the failing step's second attempt")).Status);
        Assert.Equal(2, await Host.ScalarAsync("SELECT attempt FROM public.mesh_group_test WHERE key = @key", ("key", failing)));
        Assert.Equal(1, await Host.ScalarAsync("SELECT count(*) FROM public.mesh_group_test WHERE key = @key", ("key", failing)));
    }

    /// <summary>Completes when the follower run of each key's sent event has finished.</summary>
    private Task Followers(IReadOnlyList<string> keys)
    {
        var pending = new ConcurrentDictionary<string, bool>(keys.Select(k => KeyValuePair.Create(k, true)));
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnChanged(RunChange change)
        {
            if (change.FunctionId == "tx-group-follower" && RunStatus.IsFinal(change.Status))
            {
                // The follower's output is its key; the change does not carry it, so read the run's output.
                _ = MarkAsync(change.RunId);
            }
        }

        Host.Monitor.Changed += OnChanged;
        return done.Task.ContinueWith(_ => Host.Monitor.Changed -= OnChanged, TaskScheduler.Default);

        async Task MarkAsync(Guid runId)
        {
            var run = await Host.Mesh.GetRunAsync(runId, null);
            if (run?.OutputJson is { } output && pending.TryRemove(output.Trim('"'), out _) && pending.IsEmpty)
            {
                done.TrySetResult();
            }
        }
    }

    /// <summary>
    /// Holds every lane with a step that waits for the test, queues the steps of <paramref name="keys"/> behind them,
    /// then lets one lane go (it takes every queued step as one group) and, once they are done, the others.
    /// </summary>
    private async Task QueueBehindHeldLanesAsync(IReadOnlyList<string> keys, string? failing, Task done)
    {
        var held = new List<string>();
        for (var lane = 0; lane < MeshStepGroups.Lanes; lane++)
        {
            // One at a time, so each idle lane takes one (a lane holding two would run only the first).
            var key = $"hold-{Guid.NewGuid():N}";
            var holding = fixture.Holding.GetOrAdd(key, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
            await Host.SendAsync("test/txhold", new { key });
            await holding.Within(MeshHost.Limit, "a lane to be held");
            held.Add(key);
        }

        var result = await Host.Mesh.SendAsync(keys.Select(k => MeshEvents.Create("test/txgroup", new { key = k, fail_first = k == failing })).ToArray());
        Assert.True(result.Accepted);
        await Task.WhenAll(keys.Select(fixture.Enqueued)).Within(MeshHost.Limit, "the steps to be queued");
        fixture.Release.GetOrAdd(held[0], _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        await done.Within(MeshHost.Limit, "the queued steps");
        foreach (var key in held.Skip(1))
        {
            fixture.Release.GetOrAdd(key, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }
    }
}
