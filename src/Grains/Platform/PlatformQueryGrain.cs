using Dapper;
using Npgsql;
using Orleans.Concurrency;

namespace Alavida.Grains.Platform;

/// <summary>Read models over the platform tables; stateless, keyset-paged, always filtered by team.</summary>
[StatelessWorker]
public sealed partial class PlatformQueryGrain(NpgsqlDataSource db) : Grain, IPlatformQueryGrain
{
    public async Task<Page<JobView>> ListJobsAsync(JobQuery query)
    {
        await using var connection = await db.OpenConnectionAsync();
        var rows = (await connection.QueryAsync<JobRow>(
            $"""
            {JobRow.Select}
             WHERE team_id = @TeamId
               AND (@status::text IS NULL OR status = @status)
               AND (@Quantum::text IS NULL OR component_slug = @Quantum)
               AND (@since::timestamptz IS NULL OR created_at >= @since)
               AND (@hasCursor = false OR (created_at, id) < (@cursorAt, @cursorId))
             ORDER BY created_at DESC, id DESC
             LIMIT @take
            """,
            Keyset.Parameters(new { query.TeamId, status = query.Status?.ToText(), query.Quantum, since = query.Since?.UtcDateTime }, query.Cursor, query.Limit)))
            .ToList();
        return Keyset.Page(rows, query.Limit, r => new PageCursor(r.CreatedAt, r.Id), r => r.ToView());
    }

    public async Task<Page<JobUsage>> ListUsageAsync(UsageQuery query)
    {
        await using var connection = await db.OpenConnectionAsync();
        var rows = (await connection.QueryAsync<UsageRow>(
            // A job's row is its latest charge (none of its charges in the filter is later): walking the team's charges
            // newest first and keeping those rows finds a page of jobs without grouping every charge of the period.
            """
            WITH latest AS (
                SELECT u.job_id, j.component_slug AS quantum, j.action, u.created_at AS charged_at
                  FROM credit_usage u JOIN jobs j ON j.id = u.job_id
                 WHERE u.team_id = @TeamId
                   AND (@Quantum::text IS NULL OR u.quantum = @Quantum)
                   AND (@since::timestamptz IS NULL OR u.created_at >= @since)
                   AND (@hasCursor = false OR (u.created_at, u.job_id) < (@cursorAt, @cursorId))
                   AND NOT EXISTS (
                       SELECT 1 FROM credit_usage l
                        WHERE l.job_id = u.job_id AND l.team_id = @TeamId
                          AND (@Quantum::text IS NULL OR l.quantum = @Quantum)
                          AND (l.created_at, l.id) > (u.created_at, u.id))
                 ORDER BY u.created_at DESC, u.job_id DESC
                 LIMIT @take)
            SELECT l.job_id, l.quantum, l.action, s.units, s.credits, l.charged_at
              FROM latest l
             CROSS JOIN LATERAL (
                   SELECT sum(x.units)::bigint AS units, sum(x.amount)::bigint AS credits FROM credit_usage x
                    WHERE x.job_id = l.job_id AND x.team_id = @TeamId
                      AND (@Quantum::text IS NULL OR x.quantum = @Quantum)
                      AND (@since::timestamptz IS NULL OR x.created_at >= @since)) s
             ORDER BY l.charged_at DESC, l.job_id DESC
            """,
            Keyset.Parameters(new { query.TeamId, query.Quantum, since = query.Since?.UtcDateTime }, query.Cursor, query.Limit)))
            .ToList();
        return Keyset.Page(rows, query.Limit, r => new PageCursor(r.ChargedAt, r.JobId), r => new JobUsage(r.JobId, r.Quantum, r.Action, r.Units, r.Credits, r.ChargedAt.Utc()));
    }

    public async Task<IReadOnlyList<QuantumUsage>> UsageByQuantumAsync(UsageQuery query)
    {
        // jobs: the jobs whose first charge in the quantum falls in the period (additive over days, unlike DISTINCT).
        await using var connection = await db.OpenConnectionAsync();
        var window = Split(query.Since, await RollUpUsageAsync(connection, query.TeamId));
        var rows = await connection.QueryAsync<QuantumUsage>(
            $"""
            SELECT quantum, sum(jobs)::bigint AS jobs, sum(units)::bigint AS units, sum(credits)::bigint AS credits
              FROM (SELECT quantum, jobs, units, credits {RolledDays}
                    UNION ALL
                    {LiveCharges($"u.quantum, CASE WHEN {FirstCharge("u")} THEN 1 ELSE 0 END, u.units, u.amount")}) p (quantum, jobs, units, credits)
             GROUP BY quantum
             ORDER BY quantum
            """,
            WindowParameters(query, window));
        return rows.ToList();
    }

    public async Task<IReadOnlyList<DailyUsage>> UsageByDayAsync(UsageQuery query)
    {
        await using var connection = await db.OpenConnectionAsync();
        var window = Split(query.Since, await RollUpUsageAsync(connection, query.TeamId));
        var rows = await connection.QueryAsync<(DateTime Day, string Quantum, long Credits)>(
            $"""
            SELECT day::timestamp, quantum, sum(credits)::bigint AS credits
              FROM (SELECT day, quantum, credits {RolledDays}
                    UNION ALL
                    {LiveCharges("(u.created_at AT TIME ZONE 'UTC')::date, u.quantum, u.amount")}) p (day, quantum, credits)
             GROUP BY 1, 2
             ORDER BY 1, 2
            """,
            WindowParameters(query, window));
        return rows.Select(r => new DailyUsage(DateOnly.FromDateTime(r.Day), r.Quantum, r.Credits)).ToList();
    }

    public async Task<IReadOnlyList<StatusCount>> CountJobsByStatusAsync(Guid teamId)
    {
        await using var connection = await db.OpenConnectionAsync();
        var rolledUntil = await RollUpJobsAsync(connection, teamId);
        var rows = await connection.QueryAsync<(string Status, long Jobs)>(
            """
            SELECT status, sum(jobs)::bigint AS jobs
              FROM (SELECT status, jobs FROM jobs_daily WHERE team_id = @teamId AND day < (@rolledUntil::timestamptz AT TIME ZONE 'UTC')::date
                    UNION ALL
                    SELECT status, count(*) FROM jobs WHERE team_id = @teamId AND created_at >= coalesce(@rolledUntil::timestamptz, '-infinity') GROUP BY status) p
             GROUP BY status
            """,
            new { teamId, rolledUntil });
        return rows.Select(r => new StatusCount(Db.ParseStatus(r.Status), r.Jobs)).OrderBy(r => r.Status).ToList();
    }

    private static object WindowParameters(UsageQuery query, UsageWindow window) => new
    {
        query.TeamId, query.Quantum, window.RolledFrom, window.RolledUntil, window.HeadFrom, window.HeadTo, window.TailFrom,
    };

    private sealed record UsageRow(Guid JobId, string Quantum, string Action, long Units, long Credits, DateTime ChargedAt);
}
