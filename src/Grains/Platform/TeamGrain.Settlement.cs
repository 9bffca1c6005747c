using Alavida.Grains.Data;
using Dapper;
using Npgsql;
using NpgsqlTypes;

namespace Alavida.Grains.Platform;

/// <summary>
/// Settlement: charges, refund and the job's final status in one statement per job. Jobs that finish together are
/// settled together (the silo batches them per team, as the gateway does acceptances), in one commit shared with other
/// teams' writes (<see cref="Data.GroupCommitter"/>).
/// </summary>
public sealed partial class TeamGrain
{
    // The job row is locked and must not be settled yet, so a replay changes nothing. Each charge is capped by what
    // the reservation has left after the charges before it (the running sum, clamped to the reservation), and is
    // idempotent by its key. The refund leaves the trace's spend budget too, so the cascade may spend what the job did
    // not. The usage document is the quantum's figures with ours on top (ours win a name clash). The job's lifecycle
    // event (job.succeeded, job.failed, job.cancelled) goes into the platform outbox in the same statement when the
    // team has an enabled webhook endpoint: a settled job is announced exactly once, whatever dies after the commit.
    private static readonly string SettleSql = PositionalSql.Of($"""
        WITH job AS (
            SELECT id AS job_id, reserved_credits AS reserved, price_per_unit AS price, component_slug AS quantum
              FROM jobs
             WHERE id = @jobId AND team_id = @TeamId AND settled_at IS NULL
               FOR UPDATE
        ), charge AS (
            SELECT c.step, c.units, c.key, least(j.reserved, c.upto) - least(j.reserved, c.upto - c.amount) AS amount
              FROM (SELECT step, units, key, greatest(amount, 0) AS amount, sum(greatest(amount, 0)) OVER (ORDER BY ord) AS upto
                      FROM unnest(@steps::text[], @units::int[], @amounts::bigint[], @keys::text[]) WITH ORDINALITY AS u(step, units, amount, key, ord)) c
             CROSS JOIN job j
        ), usage AS (
            INSERT INTO credit_usage (team_id, job_id, quantum, step, units, amount, idempotency_key)
            SELECT @TeamId, j.job_id, j.quantum, c.step, c.units, c.amount, c.key FROM charge c CROSS JOIN job j
            ON CONFLICT (idempotency_key) DO NOTHING
            RETURNING amount
        ), total AS (
            SELECT coalesce(sum(amount), 0)::bigint AS charged FROM usage
        ), account AS (
            UPDATE credit_accounts a
               SET reserved = a.reserved - j.reserved, balance = a.balance + j.reserved - t.charged,
                   lifetime_used = a.lifetime_used + t.charged, updated_at = now()
              FROM job j, total t
             WHERE a.team_id = @TeamId
            RETURNING a.balance, a.reserved, a.lifetime_used
        ), budget AS (
            UPDATE trace_budgets b SET committed = b.committed - (j.reserved - t.charged)
              FROM job j, total t
             WHERE b.team_id = @TeamId AND b.trace_id = replace(j.job_id::text, '-', '') AND j.reserved - t.charged > 0
        ), finished AS (
            UPDATE jobs
               SET settled_at = now(), status = @status, charged_credits = t.charged, result_payload = @ResultJson::json,
                   usage_metrics = CASE WHEN jsonb_typeof(@MetricsJson::jsonb) = 'object' THEN @MetricsJson::jsonb ELSE jsonb_build_object() END
                                   || jsonb_build_object('units', @unitCount, 'price_per_unit', j.price, 'credits_reserved', j.reserved,
                                                         'credits_charged', t.charged, 'credits_refunded', j.reserved - t.charged),
                   error = @ErrorJson::jsonb, started_at = coalesce(jobs.started_at, {JobRow.StartedAtWithinLife("@startedAt")}), ended_at = now(), updated_at = now()
              FROM job j, total t
             WHERE jobs.id = j.job_id
            RETURNING {JobRow.ColumnsButInput}
        ), announced AS (
            INSERT INTO outbox_events (id, name, team_id, data, trace_id)
            SELECT gen_random_uuid(), 'job.' || f.status, @TeamId,
                   jsonb_build_object('job_id', f.id, 'quantum', f.component_slug, 'action', f.action, 'status', f.status,
                                      'created_at', f.created_at, 'started_at', f.started_at, 'ended_at', f.ended_at,
                                      'credits_charged', t.charged, 'error', @ErrorJson::jsonb, 'status_url', '/jobs/' || f.id),
                   replace(f.id::text, '-', '')
              FROM finished f, total t
             WHERE EXISTS (SELECT 1 FROM webhooks.endpoints e WHERE e.team_id = @TeamId AND e.enabled)
            RETURNING 1
        )
        SELECT f.*, a.balance, a.reserved, a.lifetime_used, t.charged, EXISTS (SELECT 1 FROM announced) AS announced
          FROM finished f, account a, total t
        """,
        "jobId", "TeamId", "steps", "units", "amounts", "keys", "unitCount", "status", "ResultJson", "MetricsJson", "ErrorJson", "startedAt");

    private static readonly int JobRowColumns = JobRow.Columns.Split(',').Length;

    public async Task<Settlement> SettleJobAsync(Guid jobId, IReadOnlyList<CreditCharge> charges, JobFinish finish) =>
        (await SettleJobsAsync([new JobSettlement(jobId, charges, finish)]))[0];

    public async Task<IReadOnlyList<Settlement>> SettleJobsAsync(IReadOnlyList<JobSettlement> settlements)
    {
        // One statement per job, committed with other teams' writes (group commit): all of this team's or none.
        var rows = await committer.ExecuteAsync<(JobRow Job, SettledAccountRow Account)?>(
            () => settlements.Select(SettleCommand).ToList(),
            async reader =>
            {
                if (!await reader.ReadAsync())
                {
                    return null;
                }

                var job = reader.GetRowParser<JobRow>(startIndex: 0, length: JobRowColumns);
                var account = reader.GetRowParser<SettledAccountRow>(startIndex: JobRowColumns);
                return (job(reader), account(reader));
            });
        var answers = new Settlement[settlements.Count];
        var announced = false;
        for (var i = 0; i < settlements.Count; i++)
        {
            var jobId = settlements[i].JobId;
            if (rows[i] is not var (row, account))
            {
                // Settled before (or not this team's job): answer with the job as it was finished, changing nothing.
                await using var connection = await db.OpenConnectionAsync();
                var earlier = await connection.QuerySingleOrDefaultAsync<JobRow>($"SELECT {JobRow.ColumnsButInput} FROM jobs WHERE id = @jobId AND team_id = @TeamId", new { jobId, TeamId })
                    ?? throw new KeyNotFoundException($"Job {jobId} does not belong to team {TeamId}.");
                var charged = await connection.ExecuteScalarAsync<long>("SELECT coalesce(charged_credits, 0) FROM jobs WHERE id = @jobId", new { jobId });
                answers[i] = new Settlement(charged, 0, true, await GetCreditsAsync(), earlier.ToView());
                continue;
            }

            var refunded = row.ReservedCredits - account.Charged;
            _credits = new CreditBalance(account.Balance, account.Reserved, account.LifetimeUsed);
            AlavidaTelemetry.CreditsCharged.Add(account.Charged, new KeyValuePair<string, object?>("quantum", row.ComponentSlug));
            Log.JobSettled(logger, jobId, TeamId, account.Charged, refunded);
            announced |= account.Announced;
            answers[i] = new Settlement(account.Charged, refunded, false, _credits, row.ToView());
        }

        if (announced)
        {
            outbox.Nudge();
        }

        await CheckLowBalanceAsync();
        return answers;
    }

    private NpgsqlBatchCommand SettleCommand(JobSettlement settlement)
    {
        var (charges, finish) = (settlement.Charges, settlement.Finish);
        return PositionalSql.Command(SettleSql,
            PositionalSql.Value(settlement.JobId), PositionalSql.Value(TeamId),
            PositionalSql.Value<string[]>([.. charges.Select(c => c.Step)]), PositionalSql.Value<int[]>([.. charges.Select(c => c.Units)]),
            PositionalSql.Value<long[]>([.. charges.Select(c => c.Amount)]), PositionalSql.Value<string[]>([.. charges.Select(c => c.IdempotencyKey)]),
            PositionalSql.Value(charges.Sum(c => c.Units)), PositionalSql.Value(finish.Status.ToText()),
            PositionalSql.OrNull(finish.ResultJson, NpgsqlDbType.Text), PositionalSql.OrNull(finish.MetricsJson, NpgsqlDbType.Text),
            PositionalSql.OrNull(finish.ErrorJson, NpgsqlDbType.Text), PositionalSql.OrNull(finish.StartedAt, NpgsqlDbType.TimestampTz));
    }

    private sealed record SettledAccountRow(long Balance, long Reserved, long LifetimeUsed, long Charged, bool Announced);
}
