using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Alavida.Grains.Platform;

/// <summary>
/// The single writer of one team's credits. Reservation and job row are written in one transaction, so an accepted
/// job always has its credits held and a rejected one leaves nothing behind. The database's CHECKs back the invariants.
/// Acceptance is in <c>TeamGrain.Acceptance.cs</c>.
/// </summary>
public sealed partial class TeamGrain(NpgsqlDataSource db, TimeProvider time, ILogger<TeamGrain> logger) : Grain, ITeamGrain
{
    private CreditBalance? _credits;

    private Guid TeamId => this.GetPrimaryKey();

    public async Task<Settlement> SettleJobAsync(Guid jobId, IReadOnlyList<CreditCharge> charges, JobFinish finish)
    {
        var result = await db.InTransactionAsync(async (connection, tx) =>
        {
            var job = await connection.QuerySingleOrDefaultAsync<ReservationRow>(
                """
                UPDATE jobs SET settled_at = now(), updated_at = now()
                 WHERE id = @jobId AND team_id = @TeamId AND settled_at IS NULL
                RETURNING reserved_credits, price_per_unit, component_slug
                """,
                new { jobId, TeamId }, tx);
            if (job is null)
            {
                var settled = await connection.QuerySingleOrDefaultAsync<JobRow>($"{JobRow.Select} WHERE id = @jobId AND team_id = @TeamId", new { jobId, TeamId }, tx)
                    ?? throw new KeyNotFoundException($"Job {jobId} does not belong to team {TeamId}.");
                var charged = await connection.ExecuteScalarAsync<long>("SELECT coalesce(charged_credits, 0) FROM jobs WHERE id = @jobId", new { jobId }, tx);
                return (Charged: charged, Refunded: 0L, Already: true, Account: (AccountRow?)null, Job: settled, Quantum: settled.ComponentSlug);
            }

            // Charges never exceed what was reserved; each is idempotent by its key.
            var remaining = job.ReservedCredits;
            long total = 0;
            var units = 0;
            foreach (var charge in charges)
            {
                var amount = Math.Min(Math.Max(charge.Amount, 0), remaining);
                var inserted = await connection.ExecuteScalarAsync<long?>(
                    """
                    INSERT INTO credit_usage (team_id, job_id, quantum, step, units, amount, idempotency_key)
                    VALUES (@TeamId, @jobId, @Quantum, @Step, @Units, @amount, @IdempotencyKey)
                    ON CONFLICT (idempotency_key) DO NOTHING
                    RETURNING amount
                    """,
                    new { TeamId, jobId, Quantum = job.ComponentSlug, charge.Step, charge.Units, amount, charge.IdempotencyKey }, tx);
                total += inserted ?? 0;
                remaining -= inserted ?? 0;
                units += charge.Units;
            }

            var refunded = job.ReservedCredits - total;
            var account = await connection.QuerySingleAsync<AccountRow>(
                """
                UPDATE credit_accounts
                   SET reserved = reserved - @Reserved, balance = balance + @refunded, lifetime_used = lifetime_used + @total, updated_at = now()
                 WHERE team_id = @TeamId
                RETURNING balance, reserved, lifetime_used
                """,
                new { TeamId, Reserved = job.ReservedCredits, refunded, total }, tx);

            // The job's final status is written in the same transaction, so settled and finished are never apart.
            var usage = JobUsageDocument.Build(units, job.PricePerUnit, job.ReservedCredits, total, refunded, finish.MetricsJson);
            var finished = await connection.QuerySingleAsync<JobRow>(
                $"""
                UPDATE jobs SET status = @status, charged_credits = @total, result_payload = @ResultJson::jsonb, usage_metrics = @usage::jsonb,
                                error = @ErrorJson::jsonb, ended_at = now(), updated_at = now()
                 WHERE id = @jobId
                RETURNING {JobRow.Columns}
                """,
                new { jobId, status = finish.Status.ToText(), total, finish.ResultJson, usage, finish.ErrorJson }, tx);
            return (Charged: total, Refunded: refunded, Already: false, Account: (AccountRow?)account, Job: finished, Quantum: job.ComponentSlug);
        });

        if (result.Account is { } account)
        {
            _credits = account.ToBalance();
            AlavidaTelemetry.CreditsCharged.Add(result.Charged, new KeyValuePair<string, object?>("quantum", result.Quantum));
            Log.JobSettled(logger, jobId, TeamId, result.Charged, result.Refunded);
        }

        return new Settlement(result.Charged, result.Refunded, result.Already, await GetCreditsAsync(), result.Job.ToView());
    }

    public async Task<CreditBalance> GetCreditsAsync()
    {
        if (_credits is null)
        {
            await using var connection = await db.OpenConnectionAsync();
            var row = await connection.QuerySingleOrDefaultAsync<AccountRow>(
                "SELECT balance, reserved, lifetime_used FROM credit_accounts WHERE team_id = @TeamId", new { TeamId });
            _credits = row?.ToBalance() ?? new CreditBalance(0, 0, 0);
        }

        return _credits;
    }

    public async Task<CreditBalance> GrantAsync(CreditGrant grant)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(grant.Credits);
        var account = await db.InTransactionAsync(async (connection, tx) =>
        {
            var added = await connection.ExecuteScalarAsync<Guid?>(
                """
                INSERT INTO credit_purchases (id, team_id, source, credits, idempotency_key, note)
                VALUES (@id, @TeamId, 'grant', @Credits, @IdempotencyKey, @Note)
                ON CONFLICT (idempotency_key) DO NOTHING
                RETURNING id
                """,
                new { id = Guid.CreateVersion7(time.GetUtcNow()), TeamId, grant.Credits, grant.IdempotencyKey, grant.Note }, tx);
            var sql = added is null
                ? "SELECT balance, reserved, lifetime_used FROM credit_accounts WHERE team_id = @TeamId"
                : """
                  UPDATE credit_accounts SET balance = balance + @Credits, updated_at = now() WHERE team_id = @TeamId
                  RETURNING balance, reserved, lifetime_used
                  """;
            return await connection.QuerySingleOrDefaultAsync<AccountRow>(sql, new { TeamId, grant.Credits }, tx)
                ?? throw new KeyNotFoundException($"Team {TeamId} has no credit account.");
        });
        _credits = account.ToBalance();
        return _credits;
    }

    private sealed record ReservationRow(long ReservedCredits, long PricePerUnit, string ComponentSlug);

    private sealed record AccountRow(long Balance, long Reserved, long LifetimeUsed)
    {
        public CreditBalance ToBalance() => new(Balance, Reserved, LifetimeUsed);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Job {JobId} accepted for team {TeamId}: {Quantum}/{Action}, {Credits} credits reserved")]
        public static partial void JobAccepted(ILogger logger, Guid jobId, Guid teamId, string quantum, string action, long credits);

        [LoggerMessage(2, LogLevel.Information, "Job {JobId} of team {TeamId} settled: {Charged} charged, {Refunded} refunded")]
        public static partial void JobSettled(ILogger logger, Guid jobId, Guid teamId, long charged, long refunded);
    }
}
