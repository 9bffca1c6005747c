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

        var updated = await db.InTransactionAsync(async (connection, tx) =>
        {
            var account = await connection.QuerySingleOrDefaultAsync<AccountRow>(
                """
                UPDATE credit_accounts
                   SET balance = balance - @Amount, reserved = reserved + @Amount, updated_at = now()
                 WHERE team_id = @TeamId AND balance >= @Amount
                RETURNING balance, reserved, lifetime_used
                """,
                new { TeamId, Amount = submission.EstimatedCredits }, tx);
            if (account is null)
            {
                return null;
            }

            await connection.ExecuteAsync(
                """
                INSERT INTO jobs (id, team_id, api_key_id, component_slug, action, status, input, price_per_unit, reserved_credits, max_credits)
                VALUES (@JobId, @TeamId, @ApiKeyId, @Quantum, @Action, 'queued', @InputJson::jsonb, @PricePerUnit, @EstimatedCredits, @MaxCredits)
                """,
                submission, tx);
            if (submission.IdempotencyKey is not null)
            {
                await connection.ExecuteAsync(
                    """
                    DELETE FROM idempotency_keys WHERE team_id = @TeamId AND key = @IdempotencyKey;
                    INSERT INTO idempotency_keys (team_id, key, request_hash, job_id)
                    VALUES (@TeamId, @IdempotencyKey, decode(@RequestHash, 'hex'), @JobId);
                    """,
                    submission, tx);
            }

            return account;
        });

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

    public async Task<Settlement> SettleJobAsync(Guid jobId, IReadOnlyList<CreditCharge> charges)
    {
        var result = await db.InTransactionAsync(async (connection, tx) =>
        {
            var job = await connection.QuerySingleOrDefaultAsync<ReservationRow>(
                """
                UPDATE jobs SET settled_at = now(), updated_at = now()
                 WHERE id = @jobId AND team_id = @TeamId AND settled_at IS NULL
                RETURNING reserved_credits, component_slug
                """,
                new { jobId, TeamId }, tx);
            if (job is null)
            {
                var charged = await connection.ExecuteScalarAsync<long?>(
                    "SELECT charged_credits FROM jobs WHERE id = @jobId AND team_id = @TeamId", new { jobId, TeamId }, tx)
                    ?? throw new KeyNotFoundException($"Job {jobId} does not belong to team {TeamId}.");
                return (Charged: charged, Refunded: 0L, Already: true, Account: (AccountRow?)null, Quantum: "");
            }

            // Charges never exceed what was reserved; each is idempotent by its key.
            var remaining = job.ReservedCredits;
            long total = 0;
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
            }

            var refunded = job.ReservedCredits - total;
            await connection.ExecuteAsync("UPDATE jobs SET charged_credits = @total WHERE id = @jobId", new { total, jobId }, tx);
            var account = await connection.QuerySingleAsync<AccountRow>(
                """
                UPDATE credit_accounts
                   SET reserved = reserved - @Reserved, balance = balance + @refunded, lifetime_used = lifetime_used + @total, updated_at = now()
                 WHERE team_id = @TeamId
                RETURNING balance, reserved, lifetime_used
                """,
                new { TeamId, Reserved = job.ReservedCredits, refunded, total }, tx);
            return (Charged: total, Refunded: refunded, Already: false, Account: (AccountRow?)account, Quantum: job.ComponentSlug);
        });

        if (result.Account is { } account)
        {
            _credits = account.ToBalance();
            AlavidaTelemetry.CreditsCharged.Add(result.Charged, new KeyValuePair<string, object?>("quantum", result.Quantum));
            Log.JobSettled(logger, jobId, TeamId, result.Charged, result.Refunded);
        }

        return new Settlement(result.Charged, result.Refunded, result.Already, await GetCreditsAsync());
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

    private sealed record ReservationRow(long ReservedCredits, string ComponentSlug);

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
    }
}
