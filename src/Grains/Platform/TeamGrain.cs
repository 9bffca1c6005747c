using Alavida.Grains.Data;
using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Alavida.Grains.Platform;

/// <summary>
/// The single writer of one team's credits. Reservation and job row are written in one transaction, so an accepted
/// job always has its credits held and a rejected one leaves nothing behind. The database's CHECKs back the invariants.
/// Acceptance is in <c>TeamGrain.Acceptance.cs</c>, settlement in <c>TeamGrain.Settlement.cs</c>.
/// </summary>
public sealed partial class TeamGrain(
    NpgsqlDataSource db, GroupCommitter committer, TimeProvider time, PlatformOutboxNudge outbox, ILogger<TeamGrain> logger) : Grain, ITeamGrain
{
    private CreditBalance? _credits;

    private Guid TeamId => this.GetPrimaryKey();

    public async Task<CreditBalance> ReleaseReservationAsync(Guid jobId, long keep)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(keep);
        await using var connection = await db.OpenConnectionAsync();
        var account = await connection.QuerySingleOrDefaultAsync<AccountRow>(
            """
            WITH held AS (
                SELECT reserved_credits - @keep AS released FROM jobs
                 WHERE id = @jobId AND team_id = @TeamId AND settled_at IS NULL AND reserved_credits > @keep
                   FOR UPDATE
            ), job AS (
                UPDATE jobs SET reserved_credits = @keep, updated_at = now() WHERE id = @jobId AND EXISTS (SELECT 1 FROM held) RETURNING id
            ), budget AS (
                UPDATE trace_budgets SET committed = committed - (SELECT released FROM held)
                 WHERE team_id = @TeamId AND trace_id = @traceId AND EXISTS (SELECT 1 FROM job)
            )
            UPDATE credit_accounts
               SET reserved = reserved - (SELECT released FROM held), balance = balance + (SELECT released FROM held), updated_at = now()
             WHERE team_id = @TeamId AND EXISTS (SELECT 1 FROM job)
            RETURNING balance, reserved, lifetime_used
            """,
            new { TeamId, jobId, keep, traceId = JobView.TraceIdOf(jobId) });
        if (account is not null)
        {
            _credits = account.ToBalance();
            await CheckLowBalanceAsync();
        }

        return await GetCreditsAsync();
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
                SELECT @TeamId, (SELECT id FROM jobs WHERE id = @JobId AND team_id = @TeamId), @RunId, @Quantum, @Step, @Units, @Amount, @IdempotencyKey
                  FROM account -- usage is listed under the cascade's job only when that job is this team's (event data is caller input)
            )
            SELECT EXISTS (SELECT 1 FROM earlier) AS already,
                   EXISTS (SELECT 1 FROM account) AS charged,
                   EXISTS (SELECT 1 FROM cap WHERE committed + @Amount > max_credits) AS over_cap,
                   (SELECT max_credits FROM cap) AS max_credits,
                   (SELECT committed FROM cap) AS committed,
                   (SELECT balance FROM account) AS balance, (SELECT reserved FROM account) AS reserved, (SELECT lifetime_used FROM account) AS lifetime_used
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
            _credits = new CreditBalance(row.Balance!.Value, row.Reserved!.Value, row.LifetimeUsed!.Value);
            AlavidaTelemetry.CreditsCharged.Add(charge.Amount, new KeyValuePair<string, object?>("quantum", charge.Quantum));
            await CheckLowBalanceAsync();
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
        await CheckLowBalanceAsync();
        return _credits;
    }

    private sealed record ChargeRow(bool Already, bool Charged, bool OverCap, long? MaxCredits, long? Committed, long? Balance, long? Reserved, long? LifetimeUsed);

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

        [LoggerMessage(4, LogLevel.Information, "billing: Stripe event {EventId} ({Type}) for team {TeamId}: {Outcome}")]
        public static partial void StripeNoticeApplied(ILogger logger, string eventId, string type, Guid teamId, Billing.StripeNoticeOutcome outcome);

        [LoggerMessage(5, LogLevel.Information, "billing: team {TeamId} balance {Balance} fell below its threshold {Threshold} (crossing {Crossing})")]
        public static partial void BalanceLow(ILogger logger, Guid teamId, long balance, long threshold, long crossing);

        [LoggerMessage(6, LogLevel.Warning, "billing: the low-balance check of team {TeamId} failed; it runs again at the next balance change")]
        public static partial void LowBalanceCheckFailed(ILogger logger, Guid teamId, Exception exception);
    }
}
