using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Alavida.Grains.Mesh;

/// <summary>
/// The mesh's write path: a write-behind batcher. Callers enqueue events (with the runs they start), step memos and
/// run updates; one writer commits everything queued in one transaction and completes each caller only after the
/// commit, so an acknowledged write is durable and concurrent runs share commits.
/// </summary>
public sealed partial class MeshStore : IAsyncDisposable
{
    private const int MaxBatch = 2000;
    private readonly NpgsqlDataSource _dataSource;
    private readonly ILogger<MeshStore> _logger;
    private readonly Channel<Work> _queue = Channel.CreateUnbounded<Work>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;

    public MeshStore(NpgsqlDataSource dataSource, ILogger<MeshStore> logger)
    {
        _dataSource = dataSource;
        _logger = logger;
        _writer = Task.Run(WriteLoopAsync);
    }

    public NpgsqlDataSource DataSource => _dataSource;

    /// <summary>Persists events (duplicates within 24 h are skipped), the runs of accepted events and an optional step memo.</summary>
    public Task<AcceptResult> AcceptAsync(IReadOnlyList<MeshEvent> events, DateTimeOffset receivedAt, IReadOnlyList<RunRow> runs, IReadOnlyList<WaitRow> cancelWaits, StepRow? memo = null)
    {
        var work = new AcceptWork(events, receivedAt, runs, cancelWaits, memo);
        Enqueue(work);
        return work.Result.Task;
    }

    public Task SaveStepAsync(StepRow step)
    {
        var work = new StepWork(step);
        Enqueue(work);
        return work.Done.Task;
    }

    public Task UpdateRunAsync(RunUpdate update)
    {
        var work = new RunWork(update);
        Enqueue(work);
        return work.Done.Task;
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer;
    }

    private void Enqueue(Work work)
    {
        if (!_queue.Writer.TryWrite(work))
        {
            throw new ObjectDisposedException(nameof(MeshStore));
        }
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<Work>(MaxBatch);
        while (await _queue.Reader.WaitToReadAsync())
        {
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var work))
            {
                batch.Add(work);
            }

            try
            {
                var results = await WriteBatchAsync(batch);
                foreach (var work in batch)
                {
                    work.Complete(results);
                }
            }
            catch (Exception ex)
            {
                Log.BatchFailed(_logger, ex, batch.Count);
                foreach (var work in batch)
                {
                    work.Fail(ex);
                }
            }

            batch.Clear();
        }
    }

    private async Task<BatchResults> WriteBatchAsync(List<Work> batch)
    {
        await using var connection = await _dataSource.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        var results = new BatchResults();
        var accepts = batch.OfType<AcceptWork>().ToList();
        if (accepts.Count > 0)
        {
            await WriteAcceptsAsync(connection, tx, accepts, results);
        }

        var steps = batch.OfType<StepWork>().Select(s => s.Step).Concat(accepts.Where(a => a.Memo is not null).Select(a => a.Memo!))
            .GroupBy(s => (s.RunId, s.StepId)).Select(g => g.Last()).ToList();
        if (steps.Count > 0)
        {
            await MeshSql.UpsertStepsAsync(connection, tx, steps);
        }

        var updates = batch.OfType<RunWork>().Select(r => r.Update).GroupBy(u => u.RunId).Select(g => g.Last()).ToList();
        if (updates.Count > 0)
        {
            await MeshSql.UpdateRunsAsync(connection, tx, updates);
        }

        await tx.CommitAsync();
        return results;
    }

    private static async Task WriteAcceptsAsync(NpgsqlConnection connection, NpgsqlTransaction tx, List<AcceptWork> accepts, BatchResults results)
    {
        // The first occurrence of an id in the batch is the one inserted; later ones are duplicates.
        var events = new List<MeshEvent>();
        foreach (var accept in accepts)
        {
            foreach (var e in accept.Events)
            {
                if (results.Owner.TryAdd(e.Id, accept))
                {
                    events.Add(e);
                }
            }
        }

        var accepted = await MeshSql.InsertEventsAsync(connection, tx, events, accepts[0].ReceivedAt);
        accepted.RemoveWhere(id => !results.Owner.ContainsKey(id));
        results.Accepted = accepted;
        if (accepted.Count == 0)
        {
            return;
        }

        results.Matched = await MeshSql.MatchWaitsAsync(connection, tx, events.Where(e => accepted.Contains(e.Id)).ToList(), accepts[0].ReceivedAt);
        var runs = new List<RunRow>();
        foreach (var run in accepts.SelectMany(a => a.Runs.Where(r => accepted.Contains(r.EventId) && results.Owner[r.EventId] == a)))
        {
            if (run.IdempotencyKey is null || await MeshSql.ClaimIdempotencyAsync(connection, tx, run))
            {
                runs.Add(run);
            }
        }

        if (runs.Count > 0)
        {
            results.Runs = await MeshSql.InsertRunsAsync(connection, tx, runs);
            var inserted = results.Runs.Select(r => r.RunId).ToHashSet();
            var waits = accepts.SelectMany(a => a.CancelWaits).Where(w => inserted.Contains(w.RunId)).ToList();
            if (waits.Count > 0)
            {
                await MeshSql.InsertWaitsAsync(connection, tx, waits);
            }
        }
    }

    private sealed class BatchResults
    {
        public Dictionary<string, AcceptWork> Owner { get; } = new(StringComparer.Ordinal);

        public HashSet<string> Accepted { get; set; } = [];

        public IReadOnlyList<(Guid RunId, string Status)> Runs { get; set; } = [];

        public IReadOnlyList<MatchedWait> Matched { get; set; } = [];
    }

    private abstract class Work
    {
        public abstract void Complete(BatchResults results);

        public abstract void Fail(Exception ex);
    }

    private sealed class AcceptWork(IReadOnlyList<MeshEvent> events, DateTimeOffset receivedAt, IReadOnlyList<RunRow> runs, IReadOnlyList<WaitRow> cancelWaits, StepRow? memo) : Work
    {
        public IReadOnlyList<MeshEvent> Events { get; } = events;

        public DateTimeOffset ReceivedAt { get; } = receivedAt;

        public IReadOnlyList<RunRow> Runs { get; } = runs;

        public IReadOnlyList<WaitRow> CancelWaits { get; } = cancelWaits;

        public StepRow? Memo { get; } = memo;

        public TaskCompletionSource<AcceptResult> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override void Complete(BatchResults results)
        {
            var mine = Events.Select(e => e.Id).Where(id => results.Accepted.Contains(id) && results.Owner[id] == this).ToHashSet(StringComparer.Ordinal);
            var runIds = Runs.Select(r => r.RunId).ToHashSet();
            Result.TrySetResult(new AcceptResult(
                mine,
                results.Runs.Where(r => runIds.Contains(r.RunId)).ToList(),
                results.Matched.Where(m => mine.Contains(m.EventId)).ToList()));
        }

        public override void Fail(Exception ex) => Result.TrySetException(ex);
    }

    private sealed class StepWork(StepRow step) : Work
    {
        public StepRow Step { get; } = step;

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override void Complete(BatchResults results) => Done.TrySetResult();

        public override void Fail(Exception ex) => Done.TrySetException(ex);
    }

    private sealed class RunWork(RunUpdate update) : Work
    {
        public RunUpdate Update { get; } = update;

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override void Complete(BatchResults results) => Done.TrySetResult();

        public override void Fail(Exception ex) => Done.TrySetException(ex);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Error, "Mesh write batch of {Count} item(s) failed; every caller in it sees the error")]
        public static partial void BatchFailed(ILogger logger, Exception ex, int count);
    }
}
