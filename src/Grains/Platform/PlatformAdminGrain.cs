using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;
using Orleans.Concurrency;

namespace Alavida.Grains.Platform;

/// <summary>Teams and keys. Stateless: any silo serves it, the database is the truth.</summary>
[StatelessWorker]
public sealed partial class PlatformAdminGrain(NpgsqlDataSource db, TimeProvider time, ILogger<PlatformAdminGrain> logger) : Grain, IPlatformAdminGrain
{
    public async Task<TeamCreated> CreateTeamAsync(NewTeam team)
    {
        var created = await db.InTransactionAsync((connection, tx) => CreateTeamAsync(connection, tx, team));
        Log.TeamCreated(logger, created.TeamId, created.Credits.Balance);
        return created;
    }

    public async Task<TeamCreated?> EnsureDevelopmentTeamAsync(long credits) =>
        await db.InTransactionAsync(async (connection, tx) =>
        {
            // Two silos starting together on a fresh database must create one team, not two.
            await connection.ExecuteAsync("SELECT pg_advisory_xact_lock(hashtext('alavida.dev-team'))", transaction: tx);
            if (await connection.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM teams)", transaction: tx))
            {
                return null;
            }

            return await CreateTeamAsync(connection, tx, new NewTeam("Local development", "dev@localhost", credits));
        });

    public async Task<bool> TeamExistsAsync(Guid teamId)
    {
        await using var connection = await db.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM teams WHERE id = @teamId)", new { teamId });
    }

    public async Task<NewApiKey?> CreateApiKeyAsync(Guid teamId, string name) =>
        await db.InTransactionAsync(async (connection, tx) =>
            await connection.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM teams WHERE id = @teamId)", new { teamId }, tx)
                ? await ApiKeyFactory.CreateAsync(connection, tx, teamId, name, time.GetUtcNow())
                : null);

    public async Task<bool> RevokeApiKeyAsync(Guid teamId, Guid keyId)
    {
        await using var connection = await db.OpenConnectionAsync();
        var prefix = await connection.ExecuteScalarAsync<string?>(
            "SELECT prefix FROM api_keys WHERE id = @keyId AND team_id = @teamId", new { keyId, teamId });
        if (prefix is null)
        {
            return false;
        }

        // Through the key's grain, so the revocation takes effect in its cache at once.
        await GrainFactory.GetGrain<IApiKeyGrain>(prefix).RevokeAsync();
        return true;
    }

    public async Task<IReadOnlyList<ApiKeyView>> ListApiKeysAsync(Guid teamId)
    {
        await using var connection = await db.OpenConnectionAsync();
        var rows = await connection.QueryAsync<KeyRow>(
            "SELECT id, name, prefix, created_at, last_used_at, revoked_at FROM api_keys WHERE team_id = @teamId ORDER BY created_at DESC, id DESC",
            new { teamId });
        return rows.Select(r => new ApiKeyView(r.Id, r.Name, r.Prefix, r.CreatedAt.Utc(), r.LastUsedAt.Utc(), r.RevokedAt.Utc())).ToList();
    }

    private async Task<TeamCreated> CreateTeamAsync(NpgsqlConnection connection, NpgsqlTransaction tx, NewTeam team)
    {
        var now = time.GetUtcNow();
        var teamId = Guid.CreateVersion7(now);
        var userId = await connection.ExecuteScalarAsync<Guid>(
            """
            INSERT INTO users (id, email) VALUES (@id, @email)
            ON CONFLICT ((lower(email))) DO UPDATE SET email = users.email
            RETURNING id
            """,
            new { id = Guid.CreateVersion7(now), email = team.OwnerEmail }, tx);
        await connection.ExecuteAsync(
            """
            INSERT INTO teams (id, name) VALUES (@teamId, @Name);
            INSERT INTO team_members (team_id, user_id, role) VALUES (@teamId, @userId, 'owner');
            INSERT INTO credit_accounts (team_id, balance) VALUES (@teamId, @Credits);
            """,
            new { teamId, team.Name, userId, team.Credits }, tx);
        if (team.Credits > 0)
        {
            await connection.ExecuteAsync(
                """
                INSERT INTO credit_purchases (id, team_id, source, credits, idempotency_key, note)
                VALUES (@id, @teamId, 'grant', @Credits, @key, 'opening balance')
                """,
                new { id = Guid.CreateVersion7(now), teamId, team.Credits, key = $"team-opening:{teamId}" }, tx);
        }

        var key = await ApiKeyFactory.CreateAsync(connection, tx, teamId, "default", now);
        return new TeamCreated(teamId, team.Name, userId, team.OwnerEmail, key, new CreditBalance(team.Credits, 0, 0));
    }

    private sealed record KeyRow(Guid Id, string Name, string Prefix, DateTime CreatedAt, DateTime? LastUsedAt, DateTime? RevokedAt);

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Team {TeamId} created with {Credits} credits")]
        public static partial void TeamCreated(ILogger logger, Guid teamId, long credits);
    }
}
