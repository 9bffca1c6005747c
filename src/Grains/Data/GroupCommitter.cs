using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Alavida.Grains.Data;

/// <summary>
/// Group commit for the platform's short, hot writes (job acceptance and settlement by the team grains, job status,
/// team links): callers hand over their statements and wait; one writer runs everything queued as one
/// <see cref="NpgsqlBatch"/> in one transaction and answers each caller from its own result sets once the commit
/// succeeded (two round trips and one commit for the batch). Without it, 32 teams accepting jobs at once pay 32
/// commits where one does. Every statement must return exactly one result set (a SELECT, or a write with RETURNING),
/// so each caller's sets can be told apart; the commit is sent only once every result was read as expected, so a
/// statement without a result set, or a caller unable to read its own, rolls the batch back instead of committing it.
/// A batch is all or nothing: when one statement fails (or its result cannot be read), the batch is rolled back and
/// every caller's statements run again on their own, so the failure reaches only its caller. Callers keep their own
/// ordering (a team grain waits for its write before it makes the next); statements of different callers must not
/// depend on each other. A transient fault (the database unreachable or restarting) fails every caller of the batch at
/// once: retrying them one by one would only meet the same outage, and each caller retries as its work allows.
/// The committer has a pool of its own, and a connection that saw a failure is never used again: Npgsql 10.0.3 can
/// leave one behind that answers its next statement with another's rows (see ADR 0005).
/// </summary>
public sealed partial class GroupCommitter : IAsyncDisposable
{
    /// <summary>Statements per batch at most.</summary>
    public const int MaxStatements = 512;

    private readonly Channel<Request> _queue = Channel.CreateUnbounded<Request>(new UnboundedChannelOptions { SingleReader = true });
    private readonly NpgsqlDataSource _db;
    private readonly ILogger<GroupCommitter> _logger;
    private readonly Task _writer;

    /// <param name="db">A pool of the committer's own (see <see cref="Create"/>); it is cleared after every failure and disposed with the committer.</param>
    /// <param name="logger">Its logger.</param>
    public GroupCommitter(NpgsqlDataSource db, ILogger<GroupCommitter> logger)
    {
        (_db, _logger) = (db, logger);
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>
    /// Runs the statements <paramref name="commands"/> makes in a group commit (it may be called again to run them
    /// alone: a batch command belongs to one batch); <paramref name="read"/> parses one statement's result set (called
    /// once per statement, in order, with the reader on that set). Completes after the commit.
    /// </summary>
    public Task<IReadOnlyList<T>> ExecuteAsync<T>(Func<IReadOnlyList<NpgsqlBatchCommand>> commands, Func<NpgsqlDataReader, Task<T>> read)
    {
        var request = new Request<T>(commands, read);
        if (request.Commands.Count == 0)
        {
            return Task.FromResult<IReadOnlyList<T>>([]);
        }

        if (!_queue.Writer.TryWrite(request))
        {
            throw new ObjectDisposedException(nameof(GroupCommitter));
        }

        return request.Result.Task;
    }

    /// <summary>A committer on a pool of its own over <paramref name="connectionString"/> (one writer: a connection or two).</summary>
    public static GroupCommitter Create(string connectionString, ILogger<GroupCommitter> logger) =>
        new(PostgresPool.Create(new NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = 4, ApplicationName = "alavida-commit" }), logger);

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer;
        await _db.DisposeAsync();
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<Request>();
        while (await _queue.Reader.WaitToReadAsync())
        {
            var statements = 0;
            while (statements < MaxStatements && _queue.Reader.TryRead(out var request))
            {
                batch.Add(request);
                statements += request.Commands.Count;
            }

            var outcome = await TryCommitAsync(batch);
            if (outcome.Error is { } fault && !outcome.Committing && TransientFaults.IsTransient(fault))
            {
                // Nothing of it was committed: once more on a fresh connection (the failed one went with the pool's
                // clearing), which is all a connection killed by a database restart needs once the server is back.
                outcome = await TryCommitAsync(batch);
            }

            if (outcome.Error is { } error)
            {
                if (outcome.Committing || batch.Count == 1 || TransientFaults.IsTransient(error))
                {
                    // Alone, the commit's outcome unknown (the connection broke as it committed), or an outage: every
                    // caller sees the error, as it would on its own.
                    foreach (var request in batch)
                    {
                        request.Fail(error);
                    }
                }
                else
                {
                    // Nothing of the batch was committed: each caller on its own, so only the failing one sees its error.
                    Log.BatchRetried(_logger, error.Message, batch.Count);
                    foreach (var request in batch)
                    {
                        if ((await TryCommitAsync([request])).Error is { } own)
                        {
                            request.Fail(own);
                        }
                    }
                }
            }

            batch.Clear();
        }
    }

    /// <summary>
    /// Runs the callers' statements in one transaction, reads every result (a result set missing, or a caller unable to
    /// read its own, rolls it all back), then commits and answers them. On failure: the error, and whether it came
    /// from the commit itself (then whether anything was committed is unknown).
    /// </summary>
    private async Task<(Exception? Error, bool Committing)> TryCommitAsync(List<Request> requests)
    {
        var committing = false;
        NpgsqlConnection? connection = null;
        try
        {
            connection = await _db.OpenConnectionAsync();
            await using var tx = await connection.BeginTransactionAsync();
            await using (var batch = new NpgsqlBatch(connection, tx))
            {
                foreach (var request in requests)
                {
                    request.Reset();
                    foreach (var command in request.Commands)
                    {
                        batch.BatchCommands.Add(command);
                    }
                }

                await using var reader = await batch.ExecuteReaderAsync();
                var first = true;
                foreach (var request in requests)
                {
                    for (var i = 0; i < request.Commands.Count; i++)
                    {
                        if (!first && !await reader.NextResultAsync())
                        {
                            throw new InvalidOperationException("A group-committed statement returned no result set (every statement must: use RETURNING).");
                        }

                        first = false;
                        await request.ReadAsync(reader);
                    }
                }

                if (await reader.NextResultAsync())
                {
                    throw new InvalidOperationException("A group-committed statement returned more than one result set.");
                }
            }

            // Its own round trip: a batch whose results did not all read as expected is rolled back, never committed.
            committing = true;
            await tx.CommitAsync();
        }
        catch (Exception ex)
        {
            // Whatever failed, the connection goes: returned to the pool, it could carry a broken state into the next batch.
            _db.Clear();
            return (ex, committing && ex is not PostgresException);
        }
        finally
        {
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }
        }

        foreach (var request in requests)
        {
            request.Complete();
        }

        return (null, false);
    }

    private abstract class Request(Func<IReadOnlyList<NpgsqlBatchCommand>> commands)
    {
        /// <summary>This attempt's statements.</summary>
        public IReadOnlyList<NpgsqlBatchCommand> Commands { get; private set; } = commands();

        public abstract Task ReadAsync(NpgsqlDataReader reader);

        /// <summary>Starts an attempt: fresh statements (after the first), no rows read.</summary>
        public void Reset()
        {
            if (_attempts++ > 0)
            {
                Commands = commands();
            }

            ClearRows();
        }

        private int _attempts;

        protected abstract void ClearRows();

        public abstract void Complete();

        public abstract void Fail(Exception ex);
    }

    private sealed class Request<T>(Func<IReadOnlyList<NpgsqlBatchCommand>> commands, Func<NpgsqlDataReader, Task<T>> read) : Request(commands)
    {
        private readonly List<T> _rows = [];

        public TaskCompletionSource<IReadOnlyList<T>> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override async Task ReadAsync(NpgsqlDataReader reader) => _rows.Add(await read(reader));

        protected override void ClearRows() => _rows.Clear();

        public override void Complete() => Result.TrySetResult(_rows.ToList());

        public override void Fail(Exception ex) => Result.TrySetException(ex);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Group commit of {Count} callers rolled back ({Reason}); committing each on its own")]
        public static partial void BatchRetried(ILogger logger, string reason, int count);
    }
}

public static class GroupCommitterServiceCollectionExtensions
{
    /// <summary>The silo's one <see cref="GroupCommitter"/>, on a pool of its own over <paramref name="connectionString"/>. Safe to call twice.</summary>
    public static IServiceCollection AddGroupCommitter(this IServiceCollection services, string connectionString)
    {
        services.TryAddSingleton(sp => GroupCommitter.Create(connectionString, sp.GetRequiredService<ILogger<GroupCommitter>>()));
        return services;
    }
}
