using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Alavida.Grains.Platform;

/// <summary>
/// The single writer of one team's credits. Reservation and job row are written in one transaction, so an accepted
/// job always has its credits held and a rejected one leaves nothing behind. The database's CHECKs back the invariants.
/// Acceptance is in <c>TeamGrain.Acceptance.cs</c>, settlement in <c>TeamGrain.Settlement.cs</c>.
/// </summary>
public sealed partial class TeamGrain(NpgsqlDataSource db, TimeProvider time, ILogger<TeamGrain> logger) : Grain, ITeamGrain
{
    private CreditBalance? _credits;

    private Guid TeamId => this.GetPrimaryKey();

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
