using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Alavida.Grains.Platform;

/// <summary>
/// The single writer of one team's credits. Reservation and job row are written in one transaction, so an accepted
/// job always has its credits held and a rejected one leaves nothing behind. The database's CHECKs back the invariants.
/// </summary>
public sealed partial class TeamGrain(NpgsqlDataSource db, TimeProvider time, ILogger<TeamGrain> logger) : Grain, ITeamGrain
{
    private static readonly TimeSpan IdempotencyWindow = TimeSpan.FromHours(24);
    private CreditBalance? _credits;

    private Guid TeamId => this.GetPrimaryKey();

    public async Task<JobAcceptance> AcceptJobAsync(JobSubmission submission)
    {
        if (submission.TeamId != TeamId)
        {
            throw new ArgumentException("The submission belongs to another team.", nameof(submission));
        }

        if (submission.IdempotencyKey is { } key)
        {
            var earlier = await FindIdempotentJobAsync(key);
            if (earlier is not null)
            {
                var balance = (await GetCreditsAsync()).Balance;
                return earlier.Value.RequestHash == submission.RequestHash
                    ? new JobAcceptance(AcceptanceOutcome.Replayed, earlier.Value.JobId, balance, submission.EstimatedCredits)
                    : new JobAcceptance(AcceptanceOutcome.KeyConflict, earlier.Value.JobId, balance, submission.EstimatedCredits);
            }
        }

        var credits = await GetCreditsAsync();
        if (credits.Balance < submission.EstimatedCredits)
        {
            return new JobAcceptance(AcceptanceOutcome.InsufficientCredits, Guid.Empty, credits.Balance, submission.EstimatedCredits);
        }

        // One statement, so one round trip and one commit: reserve, write the job, and remember the idempotency key,
        // all or nothing. The reservation's WHERE (and the CHECK on balance) make an overdraft impossible.
        await using var connection = await db.OpenConnectionAsync();
        var updated = await connection.QuerySingleOrDefaultAsync<AccountRow>(
            """
            WITH account AS (
                UPDATE credit_accounts
                   SET balance = balance - @EstimatedCredits, reserved = reserved + @EstimatedCredits, updated_at = now()
                 WHERE team_id = @TeamId AND balance >= @EstimatedCredits
                RETURNING balance, reserved, lifetime_used
            ), job AS (
                INSERT INTO jobs (id, team_id, api_key_id, component_slug, action, status, input, price_per_unit, reserved_credits, max_credits)
                SELECT @JobId, @TeamId, @ApiKeyId, @Quantum, @Action, 'queued', @InputJson::jsonb, @PricePerUnit, @EstimatedCredits, @MaxCredits
                  FROM account
                RETURNING id
            ), idempotency AS (
                INSERT INTO idempotency_keys (team_id, key, request_hash, job_id)
                SELECT @TeamId, @IdempotencyKey, decode(@RequestHash, 'hex'), id FROM job WHERE @IdempotencyKey::text IS NOT NULL
                ON CONFLICT (team_id, key) DO UPDATE
                   SET request_hash = excluded.request_hash, job_id = excluded.job_id, created_at = now()
            ), budget AS (
                INSERT INTO trace_budgets (team_id, trace_id, max_credits, committed)
                SELECT @TeamId, replace(id::text, '-', ''), @MaxCredits, @EstimatedCredits FROM job WHERE @MaxCredits::bigint IS NOT NULL
            )
            SELECT balance, reserved, lifetime_used FROM account
            """,
            submission);

        if (updated is null)
        {
            _credits = null; // the database disagreed with our cached balance: reload it next time
            var current = await GetCreditsAsync();
            return new JobAcceptance(AcceptanceOutcome.InsufficientCredits, Guid.Empty, current.Balance, submission.EstimatedCredits);
        }

        _credits = updated.ToBalance();
        AlavidaTelemetry.JobsAccepted.Add(1, new KeyValuePair<string, object?>("quantum", submission.Quantum));
        Log.JobAccepted(logger, submission.JobId, TeamId, submission.Quantum, submission.Action, submission.EstimatedCredits);
        return new JobAcceptance(AcceptanceOutcome.Accepted, submission.JobId, _credits.Balance, submission.EstimatedCredits);
    }

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

            // The refund leaves the trace's budget too, so the cascade may spend what the job did not.
            await connection.ExecuteAsync(
                "UPDATE trace_budgets SET committed = committed - @refunded WHERE team_id = @TeamId AND trace_id = @traceId AND @refunded > 0",
                new { TeamId, traceId = JobView.TraceIdOf(jobId), refunded }, tx);

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

    public async Task<RunChargeResult> ChargeRunAsync(RunCharge charge)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(charge.Amount);
        ArgumentOutOfRangeException.ThrowIfNegative(charge.Units);

        // One statement: a charge already made (same key) changes nothing; otherwise the balance and the trace's cap
        // (when the request that started the trace set max_credits) must both cover it, and then the account, the
        // budget and the usage row change together. This grain is the team's only writer, so nothing runs between.
        await using var connection = await db.OpenConnectionAsync();
        var row = await connection.QuerySingleAsync<ChargeRow>(
            """
            WITH earlier AS (
                SELECT amount FROM credit_usage WHERE idempotency_key = @IdempotencyKey
            ), cap AS (
                SELECT max_credits, committed FROM trace_budgets WHERE team_id = @TeamId AND trace_id = @TraceId
            ), account AS (
                UPDATE credit_accounts
                   SET balance = balance - @Amount, lifetime_used = lifetime_used + @Amount, updated_at = now()
                 WHERE team_id = @TeamId AND balance >= @Amount
                   AND NOT EXISTS (SELECT 1 FROM earlier)
                   AND NOT EXISTS (SELECT 1 FROM cap WHERE committed + @Amount > max_credits)
                RETURNING balance, reserved, lifetime_used
            ), budget AS (
                UPDATE trace_budgets SET committed = committed + @Amount
                 WHERE team_id = @TeamId AND trace_id = @TraceId AND EXISTS (SELECT 1 FROM account)
            ), usage AS (
                INSERT INTO credit_usage (team_id, job_id, run_id, quantum, step, units, amount, idempotency_key)
                SELECT @TeamId, @JobId, @RunId, @Quantum, @Step, @Units, @Amount, @IdempotencyKey FROM account
            )
            SELECT EXISTS (SELECT 1 FROM earlier) AS already,
                   EXISTS (SELECT 1 FROM account) AS charged,
                   EXISTS (SELECT 1 FROM cap WHERE committed + @Amount > max_credits) AS over_cap,
                   (SELECT max_credits FROM cap) AS max_credits,
                   (SELECT committed FROM cap) AS committed
            """,
            new { TeamId, charge.TraceId, charge.JobId, RunId = charge.RunId.ToString(), charge.Quantum, charge.Step, charge.Units, charge.Amount, charge.IdempotencyKey });

        var outcome = row switch
        {
            { Already: true } => RunChargeOutcome.AlreadyCharged,
            { Charged: true } => RunChargeOutcome.Charged,
            { OverCap: true } => RunChargeOutcome.SpendCapReached,
            _ => RunChargeOutcome.InsufficientCredits,
        };
        if (outcome == RunChargeOutcome.Charged)
        {
            _credits = null; // reloaded on the next read: the statement changed the account
            AlavidaTelemetry.CreditsCharged.Add(charge.Amount, new KeyValuePair<string, object?>("quantum", charge.Quantum));
        }

        Log.RunCharged(logger, charge.RunId, TeamId, charge.TraceId, charge.Amount, outcome);
        return new RunChargeResult(outcome, row.MaxCredits, row.Committed);
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

    private async Task<(Guid JobId, string RequestHash)?> FindIdempotentJobAsync(string key)
    {
        await using var connection = await db.OpenConnectionAsync();
        var row = await connection.QuerySingleOrDefaultAsync<IdempotencyRow>(
            "SELECT job_id, request_hash, created_at FROM idempotency_keys WHERE team_id = @TeamId AND key = @key",
            new { TeamId, key });
        if (row is null || row.CreatedAt.Utc() < time.GetUtcNow() - IdempotencyWindow)
        {
            return null;
        }

        return (row.JobId, Convert.ToHexStringLower(row.RequestHash));
    }

    private sealed record ChargeRow(bool Already, bool Charged, bool OverCap, long? MaxCredits, long? Committed);

    private sealed record ReservationRow(long ReservedCredits, long PricePerUnit, string ComponentSlug);

    private sealed record IdempotencyRow(Guid JobId, byte[] RequestHash, DateTime CreatedAt);

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

        [LoggerMessage(3, LogLevel.Debug, "Run {RunId} of team {TeamId} (trace {TraceId}) charging {Amount} credits: {Outcome}")]
        public static partial void RunCharged(ILogger logger, Guid runId, Guid teamId, string traceId, long amount, RunChargeOutcome outcome);
    }
}
