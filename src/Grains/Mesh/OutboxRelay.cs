using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Alavida.Grains.Mesh;

/// <summary>
/// A transactional outbox's way into the mesh: rows written with the change they announce are sent in batches and
/// then marked published. The row id is the event id, so a resend after a crash is dropped by the mesh (at least
/// once, never twice). Identity's outbox and the platform's use it.
/// </summary>
public static partial class OutboxRelay
{
    private const int BatchSize = 500;

    /// <summary>
    /// Publishes what <paramref name="select"/> finds (unpublished rows, oldest first, at most <c>@BatchSize</c>) until
    /// none is left, marking each batch with <paramref name="mark"/> (<c>@ids</c>). Returns how many were published.
    /// </summary>
    public static async Task<int> PublishAsync<TRow>(
        NpgsqlDataSource db, IGrainFactory grains, string select, string mark, Func<TRow, Guid> id, Func<TRow, MeshEvent> toEvent, ILogger logger)
    {
        var published = 0;
        while (true)
        {
            await using var connection = await db.OpenConnectionAsync();
            var rows = (await connection.QueryAsync<TRow>(select, new { BatchSize })).ToList();
            if (rows.Count == 0)
            {
                return published;
            }

            var result = await grains.GetGrain<IMeshGrain>(0).SendAsync(rows.Select(toEvent).ToList());
            if (!result.Accepted)
            {
                Log.Rejected(logger, string.Join("; ", result.Errors.Select(e => $"{e.Field}: {e.Message}")));
                return published;
            }

            await connection.ExecuteAsync(mark, new { ids = rows.Select(id).ToArray() });
            published += rows.Count;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Error, "The mesh rejected outbox events: {Errors}")]
        public static partial void Rejected(ILogger logger, string errors);
    }
}

/// <summary>
/// A relay grain over one outbox table: a reminder every minute publishes what a lost nudge left behind, and
/// <see cref="PublishAsync"/> publishes now. Subclasses name the table's statements and how a row becomes an event.
/// </summary>
public abstract class OutboxRelayGrain<TRow>(NpgsqlDataSource db, ILogger logger) : Grain, IRemindable
{
    /// <summary>Unpublished rows, oldest first, at most <c>@BatchSize</c>.</summary>
    protected abstract string SelectSql { get; }

    /// <summary>Marks the rows <c>@ids</c> published.</summary>
    protected abstract string MarkSql { get; }

    /// <summary>Arms the periodic reminder (idempotent) and publishes what is pending.</summary>
    public async Task StartAsync()
    {
        await this.RegisterOrUpdateReminder("publish", TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        await PublishAsync();
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => PublishAsync();

    /// <summary>Publishes what is pending now.</summary>
    public Task<int> PublishAsync() => OutboxRelay.PublishAsync<TRow>(db, GrainFactory, SelectSql, MarkSql, IdOf, ToEvent, logger);

    protected abstract Guid IdOf(TRow row);

    protected abstract MeshEvent ToEvent(TRow row);
}

/// <summary>
/// Asks an outbox relay to publish soon after a write, without a call per event: while one publish is in flight,
/// every nudge that arrives makes one more publish after it, not one each. The relay's reminder publishes what a lost
/// nudge left behind.
/// </summary>
public abstract partial class OutboxNudge(ILogger logger)
{
    private int _state; // 0 idle, 1 publishing, 2 publishing and nudged again

    /// <summary>The outbox's owner, for the log.</summary>
    protected abstract string Component { get; }

    /// <summary>Publishes what is pending, now or right after the publish in flight.</summary>
    public void Nudge()
    {
        if (Interlocked.Exchange(ref _state, 2) == 0)
        {
            using (ExecutionContext.SuppressFlow())
            {
                _ = Task.Run(PublishLoopAsync);
            }
        }
    }

    /// <summary>One publish of everything pending.</summary>
    protected abstract Task PublishAsync();

    private async Task PublishLoopAsync()
    {
        while (true)
        {
            Volatile.Write(ref _state, 1);
            try
            {
                await PublishAsync();
            }
            catch (Exception ex)
            {
                Log.PublishFailed(logger, Component, ex);
            }

            if (Interlocked.CompareExchange(ref _state, 0, 1) == 1)
            {
                return; // nobody nudged meanwhile
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "{Component}: publishing the outbox failed; the relay's reminder publishes it later")]
        public static partial void PublishFailed(ILogger logger, string component, Exception exception);
    }
}
