using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Alavida.Grains.Platform;

/// <summary>
/// Finds accepted jobs that are not moving (their silo died, or dispatch was lost) and dispatches them again. Runs
/// at silo start-up, whenever a silo is declared dead (<see cref="JobRecovery"/>: every unfinished job, at once), and
/// on a durable reminder every minute for jobs unchanged for a minute. Re-dispatch is safe: a job's grain runs one run at
/// a time (a live one ignores the poke) and leaves a final job alone; a job whose start or settlement failed is finished
/// by its next dispatch with the outcome it kept.
/// </summary>
[Alias("Alavida.Platform.IJobReconcilerGrain")]
public interface IJobReconcilerGrain : IGrainWithIntegerKey
{
    /// <summary>Arms the reminder (idempotent) and runs one pass now.</summary>
    [Alias("Start")]
    Task StartAsync();

    /// <summary>Sends every unfinished job whose row has not changed for <paramref name="stalledFor"/> to its grain to run; returns how many.</summary>
    [Alias("ReconcileNow")]
    Task<int> ReconcileNowAsync(TimeSpan stalledFor);
}

public sealed partial class JobReconcilerGrain(NpgsqlDataSource db, ILogger<JobReconcilerGrain> logger) : Grain, IJobReconcilerGrain, IRemindable
{
    /// <summary>A job whose row has not changed for this long is considered stalled.</summary>
    private static readonly TimeSpan StallAfter = TimeSpan.FromMinutes(1);

    public async Task StartAsync()
    {
        await this.RegisterOrUpdateReminder("reconcile", TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        await ReconcileNowAsync(StallAfter);
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => ReconcileNowAsync(StallAfter);

    public async Task<int> ReconcileNowAsync(TimeSpan stalledFor)
    {
        // In pages by id, so a large backlog (every unfinished job, after a silo died) is sent whole without one long read.
        var total = 0;
        var after = Guid.Empty;
        while (true)
        {
            List<Guid> stalled;
            await using (var connection = await db.OpenConnectionAsync())
            {
                stalled = (await connection.QueryAsync<Guid>(
                    """
                    SELECT id FROM jobs
                     WHERE status IN ('queued', 'running') AND updated_at < now() - make_interval(secs => @seconds) AND id > @after
                     ORDER BY id
                     LIMIT 500
                    """,
                    new { seconds = stalledFor.TotalSeconds, after })).ToList();
            }

            foreach (var jobId in stalled)
            {
                await GrainFactory.GrainOf<IJobGrain>(jobId).RunAsync(null);
            }

            total += stalled.Count;
            if (stalled.Count < 500)
            {
                break;
            }

            after = stalled[^1];
        }

        if (total > 0)
        {
            Log.Redispatched(logger, total);
        }

        return total;
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Re-dispatched {Count} stalled job(s)")]
        public static partial void Redispatched(ILogger logger, int count);
    }
}
