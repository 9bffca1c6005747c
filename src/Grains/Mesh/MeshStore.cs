using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Alavida.Grains.Mesh;

/// <summary>
/// The mesh's write path: a write-behind batcher. Callers enqueue events (with the runs they start), step memos and
/// run updates; one writer takes everything queued, commits it in one round trip (one implicit transaction) and
/// completes each caller only after that commit, so an acknowledged write is durable and concurrent runs share
/// commits. One writer rather than several: batches grow with the load instead of being split (chain-fanout: about
/// 90 writes per commit, against 20-30 with two or three writers, and less than half the PostgreSQL CPU, since
/// concurrent batches contend for the same index pages), and a run's writes through it commit in the order they were
/// made. (Batches with idempotency-keyed runs take an explicit transaction and a second round trip; database steps
/// and the run queries write the same tables on their own connections.) A batch the database refuses is written
/// again item by item, so a refusal reaches only its own caller.
/// Deferrable writes (a run's <c>running</c> status, step memos, which nothing waits on) are held back for up to
/// <see cref="DeferFor"/> so that they ride along with the run's next write (its events, its final status) instead
/// of costing a commit of their own; their callers complete only once they are committed, like every other write.
/// </summary>
public sealed partial class MeshStore : IAsyncDisposable
{
    private const int MaxBatch = 2000;

    /// <summary>
    /// How long a deferrable write waits for its run's next write before it is committed on its own: longer than a
    /// typical short run (so its <c>running</c> status and its end share one commit), short enough that a long step
    /// shows as running at once to a person watching.
    /// </summary>
    private static readonly TimeSpan DeferFor = TimeSpan.FromMilliseconds(50);
    private readonly NpgsqlDataSource _dataSource;
    private readonly ILogger<MeshStore> _logger;
    private readonly Channel<Work> _queue = Channel.CreateUnbounded<Work>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writeLoop;

    private readonly MeshMonitor _monitor;

    private readonly NpgsqlDataSource _writerPool;

    public MeshStore(NpgsqlDataSource dataSource, MeshDatabase database, MeshMonitor monitor, ILogger<MeshStore> logger)
    {
        _dataSource = dataSource;
        _writerPool = database.Writer;
        _monitor = monitor;
        _logger = logger;
        _writeLoop = Task.Run(() => WriteLoopAsync(_queue.Reader));
    }

    public NpgsqlDataSource DataSource => _dataSource;

    /// <summary>Persists events (duplicates within 24 h are skipped), the runs of accepted events and an optional step memo.</summary>
    public Task<AcceptResult> AcceptAsync(IReadOnlyList<MeshEvent> events, DateTimeOffset receivedAt, IReadOnlyList<RunRow> runs, IReadOnlyList<WaitRow> cancelWaits, IReadOnlyList<StepRow>? memos = null)
    {
        var work = new AcceptWork(events, receivedAt, runs, cancelWaits, memos ?? []);
        Enqueue(work, memos?.FirstOrDefault()?.RunId);
        return work.Result.Task;
    }

    /// <summary>Upserts step rows (memos); a completed step is never changed back. <paramref name="defer"/>: may wait for the run's next write.</summary>
    public Task SaveStepsAsync(IReadOnlyList<StepRow> steps, bool defer = false)
    {
        var work = new StepWork(steps) { Deferred = defer };
        Enqueue(work, steps.FirstOrDefault()?.RunId);
        return work.Done.Task;
    }

    /// <summary>
    /// Updates a run (a finished run is never changed again), with any step memos that must commit with it.
    /// <paramref name="defer"/>: may wait for the run's next write.
    /// </summary>
    public Task UpdateRunAsync(RunUpdate update, IReadOnlyList<StepRow>? steps = null, bool defer = false)
    {
        var work = new RunWork(update, steps ?? []) { Deferred = defer };
        Enqueue(work, update.RunId);
        return work.Done.Task;
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writeLoop;
    }

    private void Enqueue(Work work, Guid? run)
    {
        work.Run = run;
        if (!_queue.Writer.TryWrite(work))
        {
            throw new ObjectDisposedException(nameof(MeshStore));
        }
    }

    private async Task WriteLoopAsync(ChannelReader<Work> queue)
    {
        var batch = new List<Work>(MaxBatch);
        var parked = new List<Work>();
        long sequence = 0;
        var open = true;
        while (open || parked.Count > 0)
        {
            open = await WaitAsync(queue, parked, open);
            var runs = new HashSet<Guid>();
            while (batch.Count < MaxBatch && queue.TryRead(out var work))
            {
                work.Sequence = sequence++;
                if (work.Deferred && open)
                {
                    parked.Add(work);
                }
                else
                {
                    batch.Add(work);
                    if (work.Run is { } run)
                    {
                        runs.Add(run);
                    }
                }
            }

            // Parked writes go with their run's next write, or on their own once due (or at shutdown).
            var now = Environment.TickCount64;
            batch.AddRange(parked.Where(w => !open || w.Due <= now || (w.Run is { } run && runs.Contains(run))));
            parked.RemoveAll(batch.Contains);
            if (batch.Count == 0)
            {
                continue;
            }

            // Arrival order: a run's later write wins within the batch.
            batch.Sort((a, b) => a.Sequence.CompareTo(b.Sequence));
            try
            {
                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                var results = await WriteWithRetryAsync(batch);
                _monitor.BatchDuration.Record(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                _monitor.BatchSize.Record(batch.Count);
                foreach (var work in batch)
                {
                    work.Complete(results);
                }
            }
            catch (PostgresException ex) when (batch.Count > 1 && !ex.IsTransient)
            {
                // The database refused something in the batch (nothing of it was committed): each write on its own,
                // in order, so the refusal reaches only its own caller.
                Log.BatchIsolated(_logger, ex.SqlState, batch.Count);
                foreach (var work in batch)
                {
                    try
                    {
                        work.Complete(await WriteWithRetryAsync([work]));
                    }
                    catch (Exception one)
                    {
                        Log.BatchFailed(_logger, one, 1);
                        work.Fail(one);
                    }
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

    /// <summary>Waits for queued work or the oldest parked write's deadline; false once the queue is completed and drained.</summary>
    private static async Task<bool> WaitAsync(ChannelReader<Work> queue, List<Work> parked, bool open)
    {
        if (!open)
        {
            return false;
        }

        if (parked.Count == 0)
        {
            return await queue.WaitToReadAsync();
        }

        var wait = parked[0].Due - Environment.TickCount64;
        if (wait <= 0 || queue.TryPeek(out _))
        {
            return true;
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(wait));
        try
        {
            return await queue.WaitToReadAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return true;
        }
    }

    /// <summary>A batch that lost a deadlock (possible on rows shared across runs, e.g. a wait another run's event removes) is rolled back whole and written again.</summary>
    private async Task<BatchResults> WriteWithRetryAsync(List<Work> batch)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await WriteBatchAsync(batch);
            }
            catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure && attempt < 5)
            {
                Log.BatchRetried(_logger, ex.SqlState, attempt);
            }
        }
    }

    /// <summary>
    /// Persists what database steps wrote besides their own SQL (each step's events, the runs they start, its memos)
    /// inside their transaction and commits it, in one round trip (see <see cref="MeshStepGroups"/>). A step whose
    /// events were all duplicates still commits its SQL and memo. Answers per step, in order. The transaction is on
    /// the platform's pool, so the writer's planner settings (<see cref="MeshDatabase"/>) are set for its rest only.
    /// </summary>
    internal static async Task<IReadOnlyList<AcceptResult>> CommitStepsAsync(NpgsqlTransaction tx, IReadOnlyList<StepCommit> steps)
    {
        var works = steps.Select(s => new AcceptWork(s.Events, s.ReceivedAt, s.Runs, s.CancelWaits, s.Memos)).ToList();
        var results = await WriteAsync(tx.Connection!, tx, works, MeshSql.WriterPlannerSettings);
        var answers = new List<AcceptResult>(works.Count);
        foreach (var work in works)
        {
            work.Complete(results);
            answers.Add(await work.Result.Task);
        }

        return answers;
    }

    /// <summary>
    /// Writes and commits a batch in one round trip: the statements of one <see cref="NpgsqlBatch"/> without an
    /// explicit transaction run as one implicit transaction, all or nothing. Runs with an idempotency key need a
    /// statement that depends on the first one's result, so a batch with such runs takes an explicit transaction.
    /// </summary>
    private async Task<BatchResults> WriteBatchAsync(List<Work> batch)
    {
        await using var connection = await _writerPool.OpenConnectionAsync();
        try
        {
            if (!batch.Any(w => w is AcceptWork { HasKeyedRuns: true }))
            {
                return await WriteAsync(connection, null, batch);
            }

            await using var tx = await connection.BeginTransactionAsync();
            return await WriteAsync(connection, tx, batch);
        }
        catch
        {
            // The connection goes with the failure: Npgsql can keep a prepared statement broken on it (ADR 0005).
            _writerPool.Clear();
            throw;
        }
    }

    /// <summary>
    /// Writes a batch (events with their runs and waits, step memos, run updates) and commits it: in
    /// <paramref name="tx"/> when given, with its COMMIT in the same round trip unless runs with an idempotency key
    /// need a second one; without it, as one implicit transaction.
    /// </summary>
    private static async Task<BatchResults> WriteAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, IReadOnlyList<Work> batch, IReadOnlyList<string>? settings = null)
    {
        var results = new BatchResults();
        var accepts = batch.OfType<AcceptWork>().ToList();

        // The first occurrence of an event (team and id) in the batch is the one inserted; later ones are duplicates.
        var events = new List<MeshEvent>();
        foreach (var accept in accepts)
        {
            events.AddRange(accept.Events.Where(e => results.Owner.TryAdd(EventKey.Of(e), accept)));
        }

        var runs = accepts.SelectMany(a => a.Runs.Where(r => results.Owner.GetValueOrDefault(EventKey.Of(r)) == a)).ToList();
        var waits = accepts.SelectMany(a => a.CancelWaits).ToList();
        var commands = new List<NpgsqlBatchCommand>();
        // Statements without a result set: the reader still starts at the accept's rows.
        commands.AddRange((settings ?? []).Select(setting => new NpgsqlBatchCommand(setting)));

        var accepting = events.Count > 0;
        if (accepting)
        {
            // Runs with an idempotency key are inserted after their event is known to be new (below).
            commands.Add(MeshSql.Accept(events, accepts[0].ReceivedAt, runs.Where(r => r.IdempotencyKey is null).ToList(), waits));
        }

        var steps = batch.SelectMany(w => w.Steps)
            .GroupBy(s => (s.RunId, s.StepId)).Select(g => g.Last()).ToList();
        if (steps.Count > 0)
        {
            commands.Add(MeshSql.UpsertSteps(steps));
        }

        var updates = batch.OfType<RunWork>().Select(r => r.Update).GroupBy(u => u.RunId).Select(g => g.Last()).ToList();
        if (updates.Count > 0)
        {
            commands.Add(MeshSql.UpdateRuns(updates));
        }

        var keyed = runs.Where(r => r.IdempotencyKey is not null).ToList();
        if (tx is not null && keyed.Count == 0)
        {
            commands.Add(new NpgsqlBatchCommand("COMMIT"));
        }

        if (commands.Count > 0)
        {
            await MeshSql.ExecuteAsync(connection, tx, commands, !accepting ? null : async reader =>
            {
                var (accepted, inserted, matched) = await MeshSql.ReadAcceptAsync(reader);
                results.Accepted = accepted;
                results.Runs = inserted;
                results.Matched = matched;
            });
        }

        if (keyed.Count == 0)
        {
            return results;
        }

        var claimed = new List<RunRow>();
        foreach (var run in keyed.Where(r => results.Accepted.Contains(EventKey.Of(r))))
        {
            if (await MeshSql.ClaimIdempotencyAsync(connection, tx!, run))
            {
                claimed.Add(run);
            }
        }

        if (claimed.Count > 0)
        {
            var ids = claimed.Select(r => r.RunId).ToHashSet();
            results.Runs = [.. results.Runs, .. await MeshSql.InsertRunsAsync(connection, tx!, claimed, waits.Where(w => ids.Contains(w.RunId)).ToList())];
        }

        await tx!.CommitAsync();
        return results;
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Error, "Mesh write batch of {Count} item(s) failed; every caller in it sees the error")]
        public static partial void BatchFailed(ILogger logger, Exception ex, int count);

        [LoggerMessage(3, LogLevel.Warning, "Mesh write batch of {Count} item(s) refused ({SqlState}); writing each item on its own")]
        public static partial void BatchIsolated(ILogger logger, string sqlState, int count);

        [LoggerMessage(2, LogLevel.Information, "Mesh write batch rolled back ({SqlState}) on attempt {Attempt}; writing it again")]
        public static partial void BatchRetried(ILogger logger, string sqlState, int attempt);
    }
}
