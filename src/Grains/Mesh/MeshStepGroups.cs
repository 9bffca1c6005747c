using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Alavida.Grains.Mesh;

/// <summary>
/// Runs database steps (<see cref="MeshContext.RunInTransaction{T}"/>) with group commit. A few lanes each hold one
/// connection at a time; a lane takes the steps waiting (up to <see cref="MaxGroup"/>), runs their bodies one after
/// another in one transaction, then writes every step's memo, events and the runs they start and commits, all in one
/// round trip: one commit for the group instead of one per step, and one set-based write instead of one per step.
/// Each step's SQL, memo and events are still all or nothing. If any body fails (or sends an invalid event), or the
/// database refuses the commit, nothing of the group is committed and each of its steps runs again alone, in its own
/// transaction, exactly as it would without grouping; so one step's failure is never another's. A body sees what the
/// bodies before it in its group wrote (as if they had committed just before it) and must do only SQL on its
/// transaction's connection: a slow body delays the steps grouped after it.
/// </summary>
public sealed partial class MeshStepGroups : IAsyncDisposable
{
    /// <summary>Steps per group at most.</summary>
    public const int MaxGroup = 64;

    /// <summary>
    /// Lanes: groups in flight at once. Bodies in one lane run one after another, so this is also how many bodies run
    /// at once (chain-fanout: 4 lanes beat 2 by ~10 %, 8 were no faster than 4 and make smaller groups).
    /// </summary>
    public const int Lanes = 4;

    /// <summary>A lane stops adding bodies to its group once they have taken this long (mesh clock), and commits.</summary>
    private static readonly TimeSpan GroupBudget = TimeSpan.FromMilliseconds(20);

    private readonly Channel<Step> _queue = Channel.CreateUnbounded<Step>(new UnboundedChannelOptions { SingleReader = false });
    private readonly MeshRouter _router;
    private readonly MeshStore _store;
    private readonly MeshMonitor _monitor;
    private readonly MeshClock _clock;
    private readonly ILogger<MeshStepGroups> _logger;
    private readonly Task[] _lanes;

    public MeshStepGroups(MeshRouter router, MeshStore store, MeshMonitor monitor, MeshClock clock, ILogger<MeshStepGroups> logger)
    {
        (_router, _store, _monitor, _clock, _logger) = (router, store, monitor, clock, logger);
        _lanes = Enumerable.Range(0, Lanes).Select(_ => Task.Run(LaneAsync)).ToArray();
    }

    /// <summary>
    /// Runs <paramref name="body"/> in a (possibly shared) transaction and commits it with what
    /// <paramref name="writes"/> says the step wrote besides its SQL. Completes after the commit, with the body's
    /// value; or with the validation errors of the events it sent (then nothing was committed).
    /// </summary>
    internal Task<DatabaseStepResult> RunAsync(
        Func<MeshTransaction, Task<object?>> body, Func<object?, MeshTransaction, DatabaseStepWrites> writes, CancellationToken cancellation)
    {
        var step = new Step(body, writes, cancellation, ExecutionContext.Capture());
        if (!_queue.Writer.TryWrite(step))
        {
            throw new ObjectDisposedException(nameof(MeshStepGroups));
        }

        return step.Result.Task;
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await Task.WhenAll(_lanes);
    }

    private async Task LaneAsync()
    {
        var waiting = new List<Step>(MaxGroup);
        while (waiting.Count > 0 || await _queue.Reader.WaitToReadAsync())
        {
            while (waiting.Count < MaxGroup && _queue.Reader.TryRead(out var step))
            {
                waiting.Add(step);
            }

            if (waiting.Count == 0)
            {
                continue; // another lane took it
            }

            try
            {
                var taken = waiting.Count == 1 ? await RunAloneAsync(waiting[0]) : await RunGroupAsync(waiting);
                waiting.RemoveRange(0, taken);
            }
            catch (Exception ex)
            {
                // Never expected (each step's failure is its own); but a lane that died would leave steps waiting forever.
                Log.LaneFaulted(_logger, ex);
                foreach (var step in waiting)
                {
                    step.Result.TrySetException(ex);
                }

                waiting.Clear();
            }
        }
    }

    /// <summary>Runs the steps from the start of <paramref name="waiting"/> as one group; returns how many it took.</summary>
    private async Task<int> RunGroupAsync(List<Step> waiting)
    {
        var staged = new List<Staged>(waiting.Count);
        var started = _clock.Now;
        var taken = 0;
        NpgsqlConnection? connection = null;
        NpgsqlTransaction? tx = null;
        var committing = false;
        try
        {
            connection = await _store.DataSource.OpenConnectionAsync();
            tx = await connection.BeginTransactionAsync();
            // Over the budget, the rest wait for the next group.
            while (taken < waiting.Count && (taken == 0 || _clock.Now - started < GroupBudget))
            {
                var step = waiting[taken++];
                var scope = new MeshTransaction(connection, tx);
                var value = await step.InvokeAsync(scope);
                var writes = step.Writes(value, scope);
                var plan = _router.Prepare(writes.Events, noneIsFine: true);
                if (plan.Errors.Count > 0)
                {
                    throw new GroupAbortedException();
                }

                staged.Add(new Staged(step, value, plan, writes.Memos));
            }

            committing = true;
            var results = await MeshStore.CommitStepsAsync(tx, staged.Select(s => s.Commit).ToList());
            _monitor.StepGroupSize.Record(staged.Count);
            for (var i = 0; i < staged.Count; i++)
            {
                Complete(staged[i], results[i]);
            }

            return taken;
        }
        catch (Exception ex) when (committing && ex is not PostgresException)
        {
            // The commit's outcome is unknown (the connection broke): the bodies must not run again here; each step
            // fails as a step whose transaction failed would.
            foreach (var s in staged)
            {
                s.Step.Result.TrySetException(ex);
            }

            return taken;
        }
        catch (Exception ex)
        {
            _monitor.StepGroupRollbacks.Add(1);
            Log.GroupRolledBack(_logger, ex is GroupAbortedException ? "a step failed or sent an invalid event" : ex.Message, taken);
        }
        finally
        {
            if (tx is not null)
            {
                await tx.DisposeAsync();
            }

            if (connection is not null)
            {
                await connection.DisposeAsync();
            }
        }

        // Nothing of the group was committed: its steps run again, each alone, as without grouping.
        await Task.WhenAll(waiting.Take(taken).Select(RunAloneAsync));
        return taken;
    }

    /// <summary>One step in its own transaction: the body, then its writes and the COMMIT in one round trip.</summary>
    private async Task<int> RunAloneAsync(Step step)
    {
        try
        {
            await using var connection = await _store.DataSource.OpenConnectionAsync(step.Cancellation);
            await using var tx = await connection.BeginTransactionAsync(step.Cancellation);
            var scope = new MeshTransaction(connection, tx);
            var value = await step.InvokeAsync(scope);
            var writes = step.Writes(value, scope);
            var plan = _router.Prepare(writes.Events, noneIsFine: true);
            if (plan.Errors.Count > 0)
            {
                step.Result.TrySetResult(new DatabaseStepResult(null, plan.Errors));
                return 1;
            }

            var staged = new Staged(step, value, plan, writes.Memos);
            var result = (await MeshStore.CommitStepsAsync(tx, [staged.Commit]))[0];
            _monitor.StepGroupSize.Record(1);
            Complete(staged, result);
        }
        catch (Exception ex)
        {
            step.Result.TrySetException(ex);
        }

        return 1;
    }

    /// <summary>After the commit: the step continues; the runs its events started are dispatched in the background.</summary>
    private void Complete(Staged staged, AcceptResult result)
    {
        staged.Step.Result.TrySetResult(new DatabaseStepResult(staged.Value, []));
        _ = _router.RouteAsync(staged.Plan, result).ContinueWith(
            t => Log.RouteFailed(_logger, t.Exception!), CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
    }

    private sealed class Step(
        Func<MeshTransaction, Task<object?>> body, Func<object?, MeshTransaction, DatabaseStepWrites> writes, CancellationToken cancellation, ExecutionContext? context)
    {
        public Func<object?, MeshTransaction, DatabaseStepWrites> Writes { get; } = writes;

        public CancellationToken Cancellation { get; } = cancellation;

        public TaskCompletionSource<DatabaseStepResult> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Runs the body in its run's execution context (trace, log scope), wherever the lane runs.</summary>
        public Task<object?> InvokeAsync(MeshTransaction scope)
        {
            Cancellation.ThrowIfCancellationRequested();
            if (context is null)
            {
                return body(scope);
            }

            Task<object?>? task = null;
            ExecutionContext.Run(context, _ => task = body(scope), null);
            return task!;
        }
    }

    private sealed record Staged(Step Step, object? Value, MeshRouter.SendPlan Plan, IReadOnlyList<StepRow> Memos)
    {
        public StepCommit Commit => new(Plan.Events, Plan.Now, Plan.Runs, Plan.CancelWaits, Memos);
    }

    private sealed class GroupAbortedException() : Exception("A step of the group failed or sent an invalid event");

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "Mesh database step group of {Count} rolled back ({Reason}); its steps run again one by one")]
        public static partial void GroupRolledBack(ILogger logger, string reason, int count);

        [LoggerMessage(2, LogLevel.Warning, "Mesh: routing the events of a database step failed; reconciliation dispatches its runs")]
        public static partial void RouteFailed(ILogger logger, Exception ex);

        [LoggerMessage(3, LogLevel.Error, "Mesh database step lane faulted; the steps it held failed")]
        public static partial void LaneFaulted(ILogger logger, Exception ex);
    }
}

/// <summary>What a database step wrote besides its SQL: its memos (its own and any pending) and the events it sent (stamped).</summary>
internal sealed record DatabaseStepWrites(IReadOnlyList<StepRow> Memos, IReadOnlyList<MeshEvent> Events);

/// <summary>A committed database step's value, or the validation errors of the events it sent (nothing committed).</summary>
internal sealed record DatabaseStepResult(object? Value, IReadOnlyList<MeshInputError> Errors);
