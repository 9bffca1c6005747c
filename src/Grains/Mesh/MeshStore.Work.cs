namespace Alavida.Grains.Mesh;

/// <summary>What one database step commits besides its own SQL: its events (stamped), their runs and cancelOn waits, its memos.</summary>
internal sealed record StepCommit(
    IReadOnlyList<MeshEvent> Events, DateTimeOffset ReceivedAt, IReadOnlyList<RunRow> Runs, IReadOnlyList<WaitRow> CancelWaits, IReadOnlyList<StepRow> Memos);

/// <summary>What the write batcher queues: events to accept, step memos and run updates, each completed on its commit.</summary>
public sealed partial class MeshStore
{
    private sealed class BatchResults
    {
        public Dictionary<EventKey, AcceptWork> Owner { get; } = [];

        public HashSet<EventKey> Accepted { get; set; } = [];

        public IReadOnlyList<(Guid RunId, string Status)> Runs { get; set; } = [];

        public IReadOnlyList<MatchedWait> Matched { get; set; } = [];
    }

    private abstract class Work
    {
        private bool _deferred;

        public IReadOnlyList<StepRow> Steps { get; init; } = [];

        /// <summary>The run this work belongs to (its deferred writes ride with the run's next write).</summary>
        public Guid? Run { get; set; }

        /// <summary>Order of arrival at its writer.</summary>
        public long Sequence { get; set; }

        /// <summary>May wait (until <see cref="Due"/>) for the run's next write.</summary>
        public bool Deferred
        {
            get => _deferred;
            init
            {
                _deferred = value;
                Due = Environment.TickCount64 + (long)DeferFor.TotalMilliseconds;
            }
        }

        /// <summary>When a deferred write is committed on its own (<see cref="Environment.TickCount64"/>).</summary>
        public long Due { get; private set; }

        public abstract void Complete(BatchResults results);

        public abstract void Fail(Exception ex);
    }

    private sealed class AcceptWork : Work
    {
        public AcceptWork(IReadOnlyList<MeshEvent> events, DateTimeOffset receivedAt, IReadOnlyList<RunRow> runs, IReadOnlyList<WaitRow> cancelWaits, IReadOnlyList<StepRow> memos)
        {
            (Events, ReceivedAt, Runs, CancelWaits, Steps) = (events, receivedAt, runs, cancelWaits, memos);
        }

        public IReadOnlyList<MeshEvent> Events { get; }

        public DateTimeOffset ReceivedAt { get; }

        public IReadOnlyList<RunRow> Runs { get; }

        public IReadOnlyList<WaitRow> CancelWaits { get; }

        /// <summary>Some runs carry an idempotency key (their insert needs an explicit transaction).</summary>
        public bool HasKeyedRuns => Runs.Any(r => r.IdempotencyKey is not null);

        public TaskCompletionSource<AcceptResult> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override void Complete(BatchResults results)
        {
            var mine = Events.Select(EventKey.Of).Where(key => results.Accepted.Contains(key) && results.Owner[key] == this).ToHashSet();
            var runIds = Runs.Select(r => r.RunId).ToHashSet();
            Result.TrySetResult(new AcceptResult(
                mine,
                results.Runs.Where(r => runIds.Contains(r.RunId)).ToList(),
                results.Matched.Where(m => mine.Contains(m.Event)).ToList()));
        }

        public override void Fail(Exception ex) => Result.TrySetException(ex);
    }

    private sealed class StepWork : Work
    {
        public StepWork(IReadOnlyList<StepRow> steps) => Steps = steps;

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override void Complete(BatchResults results) => Done.TrySetResult();

        public override void Fail(Exception ex) => Done.TrySetException(ex);
    }

    private sealed class RunWork : Work
    {
        public RunWork(RunUpdate update, IReadOnlyList<StepRow> steps) => (Update, Steps) = (update, steps);

        public RunUpdate Update { get; }

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override void Complete(BatchResults results) => Done.TrySetResult();

        public override void Fail(Exception ex) => Done.TrySetException(ex);
    }
}
