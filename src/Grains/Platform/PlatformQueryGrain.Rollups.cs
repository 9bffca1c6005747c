using Dapper;
using Npgsql;

namespace Alavida.Grains.Platform;

/// <summary>
/// Roll-ups of closed UTC days (credit_usage_daily, jobs_daily), written lazily on read: a period's aggregate is the
/// rolled days inside it plus a live count of the rest (the part of its first day before midnight, and the days not
/// closed yet). Why this is exact and race-safe: docs/dashboard.md, "Aggregates over closed days".
/// </summary>
public sealed partial class PlatformQueryGrain
{
    /// <summary>
    /// A UTC day is closed, and may be rolled up, this long after it ended. created_at is the inserting transaction's
    /// now() (its start), so a charge or job stamped before midnight may commit just after; 15 minutes is far beyond any
    /// transaction of ours, so nothing can land on a day once it is rolled.
    /// </summary>
    public static readonly TimeSpan ClosedDayMargin = TimeSpan.FromMinutes(15);

    /// <summary>
    /// A charge is its job's first for its quantum when the job has no earlier charge (by time, then id) in that quantum:
    /// the one charge per job and quantum that counts the job, on its day. A run's charge without a job counts none.
    /// </summary>
    internal static string FirstCharge(string u) => $"""
        ({u}.job_id IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM credit_usage e
             WHERE e.job_id = {u}.job_id AND e.team_id = {u}.team_id AND e.quantum = {u}.quantum
               AND (e.created_at, e.id) < ({u}.created_at, {u}.id)))
        """;

    // The end of both roll-ups: the team's watermark moved to the end of the closed days (never back), and the first
    // day not rolled answered (null only for a team never rolled, when a racing reader advanced it first).
    private static string AdvanceWatermark(string kind) => $"""
        ), advanced AS (
            INSERT INTO rollup_watermarks (team_id, kind, rolled_until)
            SELECT @teamId, '{kind}', c.until FROM closed c, mark m WHERE m.rolled_until < c.until
            ON CONFLICT (team_id, kind) DO UPDATE SET rolled_until = excluded.rolled_until
             WHERE rollup_watermarks.rolled_until < excluded.rolled_until
            RETURNING rolled_until
        )
        SELECT coalesce((SELECT rolled_until FROM advanced), nullif((SELECT rolled_until FROM mark), '-infinity'::date))::timestamp
        """;

    // Rolls up the team's closed days after its watermark in one statement, then advances the watermark. Two readers
    // racing compute the same rows from immutable history: the second's inserts wait for the first's (rows are inserted
    // in key order, so they cannot deadlock) and do nothing. Answers the watermark (null only in that race, for a team
    // never rolled before: the caller then counts everything live). A current watermark writes nothing.
    private static readonly string RollUpUsageSql = $"""
        WITH closed AS (
            SELECT ((now() - make_interval(secs => @marginSeconds)) AT TIME ZONE 'UTC')::date AS until
        ), mark AS (
            SELECT coalesce((SELECT rolled_until FROM rollup_watermarks WHERE team_id = @teamId AND kind = 'credit_usage'), '-infinity'::date) AS rolled_until
        ), rolled AS (
            INSERT INTO credit_usage_daily (team_id, day, quantum, credits, units, jobs)
            SELECT @teamId, c.day, c.quantum, sum(c.amount), sum(c.units), count(*) FILTER (WHERE c.first)
              FROM (SELECT (u.created_at AT TIME ZONE 'UTC')::date AS day, u.quantum, u.amount, u.units, {FirstCharge("u")} AS first
                      FROM credit_usage u, mark m, closed d
                     WHERE u.team_id = @teamId
                       AND u.created_at >= m.rolled_until::timestamp AT TIME ZONE 'UTC'
                       AND u.created_at < d.until::timestamp AT TIME ZONE 'UTC') c
             GROUP BY c.day, c.quantum
             ORDER BY c.day, c.quantum
            ON CONFLICT DO NOTHING
        {AdvanceWatermark("credit_usage")}
        """;

    // Jobs are rolled up by the day they were created, for closed days before the day of the team's oldest unfinished
    // job: every job of such a day is final, and a final status never changes (settlement sets settled_at with it, and
    // every other write to a job requires settled_at IS NULL; jobs are never deleted).
    private static readonly string RollUpJobsSql = $"""
        WITH closed AS (
            SELECT least(((now() - make_interval(secs => @marginSeconds)) AT TIME ZONE 'UTC')::date,
                         (SELECT (min(created_at) AT TIME ZONE 'UTC')::date FROM jobs WHERE team_id = @teamId AND status IN ('queued', 'running'))) AS until
        ), mark AS (
            SELECT coalesce((SELECT rolled_until FROM rollup_watermarks WHERE team_id = @teamId AND kind = 'jobs'), '-infinity'::date) AS rolled_until
        ), rolled AS (
            INSERT INTO jobs_daily (team_id, day, status, jobs)
            SELECT @teamId, (j.created_at AT TIME ZONE 'UTC')::date, j.status, count(*)
              FROM jobs j, mark m, closed c
             WHERE j.team_id = @teamId
               AND j.created_at >= m.rolled_until::timestamp AT TIME ZONE 'UTC'
               AND j.created_at < c.until::timestamp AT TIME ZONE 'UTC'
             GROUP BY 2, 3
             ORDER BY 2, 3
            ON CONFLICT DO NOTHING
        {AdvanceWatermark("jobs")}
        """;

    /// <summary>Rolls up what is closed and not rolled yet; the start of the first day not rolled (UTC), null when none is.</summary>
    private static async Task<DateTime?> RollUpUsageAsync(NpgsqlConnection connection, Guid teamId) =>
        AsUtc(await connection.ExecuteScalarAsync<DateTime?>(RollUpUsageSql, new { teamId, marginSeconds = ClosedDayMargin.TotalSeconds }));

    /// <inheritdoc cref="RollUpUsageAsync"/>
    private static async Task<DateTime?> RollUpJobsAsync(NpgsqlConnection connection, Guid teamId) =>
        AsUtc(await connection.ExecuteScalarAsync<DateTime?>(RollUpJobsSql, new { teamId, marginSeconds = ClosedDayMargin.TotalSeconds }));

    private static DateTime? AsUtc(DateTime? midnight) => midnight is { } m ? DateTime.SpecifyKind(m, DateTimeKind.Utc) : null;

    /// <summary>
    /// Splits "since <paramref name="since"/> until now" into rolled days [RolledFrom, RolledUntil) and live charges
    /// in [HeadFrom, HeadTo) (the part of since's day before the first rolled midnight) or at TailFrom and later (days not
    /// rolled). Null bounds: RolledFrom and TailFrom unbounded, RolledUntil and HeadFrom none at all.
    /// </summary>
    internal static UsageWindow Split(DateTimeOffset? since, DateTime? rolledUntil)
    {
        var from = since?.UtcDateTime;
        // The first midnight at or after since (on the last day DateTime holds, that day's: nothing is rolled that late).
        var rolledFrom = from is { } f ? (f.TimeOfDay == TimeSpan.Zero || f.Date == DateTime.MaxValue.Date ? f.Date : f.Date.AddDays(1)) : (DateTime?)null;
        var headTo = rolledUntil is { } r && rolledFrom is { } rf ? (rf < r ? rf : r) : (DateTime?)null;
        var tailFrom = (from, rolledUntil) switch
        {
            ({ } s, { } r2) => s > r2 ? s : r2,
            (var s, var r2) => s ?? r2,
        };
        return new UsageWindow(rolledFrom, rolledUntil, headTo is not null && from < headTo ? from : null, headTo, tailFrom);
    }

    internal sealed record UsageWindow(DateTime? RolledFrom, DateTime? RolledUntil, DateTime? HeadFrom, DateTime? HeadTo, DateTime? TailFrom);

    // The live charges of a window (the index credit_usage_team_created serves both ranges).
    private static string LiveCharges(string columns) => $"""
        SELECT {columns} FROM credit_usage u
         WHERE u.team_id = @TeamId AND (@Quantum::text IS NULL OR u.quantum = @Quantum)
           AND u.created_at >= @HeadFrom::timestamptz AND u.created_at < @HeadTo::timestamptz
        UNION ALL
        SELECT {columns} FROM credit_usage u
         WHERE u.team_id = @TeamId AND (@Quantum::text IS NULL OR u.quantum = @Quantum)
           AND u.created_at >= coalesce(@TailFrom::timestamptz, '-infinity')
        """;

    // The rolled days of a window.
    private const string RolledDays = """
        FROM credit_usage_daily
         WHERE team_id = @TeamId AND (@Quantum::text IS NULL OR quantum = @Quantum)
           AND day >= coalesce((@RolledFrom::timestamptz AT TIME ZONE 'UTC')::date, '-infinity')
           AND day < (@RolledUntil::timestamptz AT TIME ZONE 'UTC')::date
        """;
}
