using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;
using Orleans.Concurrency;

namespace Alavida.Grains.Platform;

/// <summary>Teams and keys. Stateless: any silo serves it, the database is the truth.</summary>
[StatelessWorker]
public sealed partial class PlatformAdminGrain(NpgsqlDataSource db, TimeProvider time, ILogger<PlatformAdminGrain> logger) : Grain, IPlatformAdminGrain
{
    private const string DevTeamName = "Local development";
    private const string DevTeamOwner = "dev@localhost";

    // A team with its owner (the first, should there be several), spendable credits and keys not revoked.
    private const string TeamSelect = """
        SELECT t.id AS team_id, t.name, o.user_id AS owner_user_id, u.email AS owner_email, coalesce(c.balance, 0) AS balance, t.created_at,
               (SELECT count(*) FROM api_keys k WHERE k.team_id = t.id AND k.kind = 'api' AND k.revoked_at IS NULL)::int AS active_keys
          FROM teams t
          LEFT JOIN LATERAL (SELECT m.user_id FROM team_members m WHERE m.team_id = t.id AND m.role = 'owner' ORDER BY m.created_at LIMIT 1) o ON true
          LEFT JOIN users u ON u.id = o.user_id
          LEFT JOIN credit_accounts c ON c.team_id = t.id
        """;

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

            return await CreateTeamAsync(connection, tx, new NewTeam(DevTeamName, DevTeamOwner, credits));
        });

    public async Task<TeamView?> FindDevelopmentTeamAsync()
    {
        await using var connection = await db.OpenConnectionAsync();
        var row = await connection.QuerySingleOrDefaultAsync<TeamRow>(
            $"{TeamSelect} WHERE t.name = @name AND lower(u.email) = @owner ORDER BY t.created_at, t.id LIMIT 1", new { name = DevTeamName, owner = DevTeamOwner });
        return row?.ToView();
    }

    public async Task<Page<TeamView>> ListTeamsAsync(int limit, string? cursor)
    {
        await using var connection = await db.OpenConnectionAsync();
        var rows = (await connection.QueryAsync<TeamRow>(
            $"""
            {TeamSelect}
             WHERE @hasCursor = false OR (t.created_at, t.id) < (@cursorAt, @cursorId)
             ORDER BY t.created_at DESC, t.id DESC
             LIMIT @take
            """,
            Keyset.Parameters(new { }, cursor, limit))).ToList();
        return Keyset.Page(rows, limit, r => new PageCursor(r.CreatedAt, r.TeamId), r => r.ToView());
    }

    public async Task<bool> TeamExistsAsync(Guid teamId)
    {
        await using var connection = await db.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM teams WHERE id = @teamId)", new { teamId });
    }

    public Task<NewApiKey?> CreateApiKeyAsync(Guid teamId, string name) => CreateKeyAsync(teamId, name, ApiKeyKinds.Api);

    public Task<NewApiKey?> CreateEventKeyAsync(Guid teamId, string name) => CreateKeyAsync(teamId, name, ApiKeyKinds.Event);

    public Task<bool> RevokeApiKeyAsync(Guid teamId, Guid keyId) => RevokeKeyAsync(teamId, keyId, kind: null);

    public Task<bool> RevokeEventKeyAsync(Guid teamId, Guid keyId) => RevokeKeyAsync(teamId, keyId, ApiKeyKinds.Event);

    public Task<IReadOnlyList<ApiKeyView>> ListApiKeysAsync(Guid teamId) => ListKeysAsync(teamId, kind: null);

    public Task<IReadOnlyList<ApiKeyView>> ListEventKeysAsync(Guid teamId) => ListKeysAsync(teamId, ApiKeyKinds.Event);

    private async Task<NewApiKey?> CreateKeyAsync(Guid teamId, string name, string kind) =>
        await db.InTransactionAsync(async (connection, tx) =>
            await connection.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM teams WHERE id = @teamId)", new { teamId }, tx)
                ? await ApiKeyFactory.CreateAsync(connection, tx, teamId, name, time.GetUtcNow(), kind)
                : null);

    /// <summary>Revokes a team's key (of <paramref name="kind"/> when given); false when the team has no such key.</summary>
    private async Task<bool> RevokeKeyAsync(Guid teamId, Guid keyId, string? kind)
    {
        await using var connection = await db.OpenConnectionAsync();
        var prefix = await connection.ExecuteScalarAsync<string?>(
            "SELECT prefix FROM api_keys WHERE id = @keyId AND team_id = @teamId AND (@kind::text IS NULL OR kind = @kind)", new { keyId, teamId, kind });
        if (prefix is null)
        {
            return false;
        }

        // Through the key's grain, so the revocation takes effect in its cache at once.
        await GrainFactory.GetGrain<IApiKeyGrain>(prefix).RevokeAsync();
        return true;
    }

    private async Task<IReadOnlyList<ApiKeyView>> ListKeysAsync(Guid teamId, string? kind)
    {
        await using var connection = await db.OpenConnectionAsync();
        var rows = await connection.QueryAsync<KeyRow>(
            """
            SELECT id, name, prefix, created_at, last_used_at, revoked_at, kind FROM api_keys
             WHERE team_id = @teamId AND (@kind::text IS NULL OR kind = @kind)
             ORDER BY created_at DESC, id DESC
            """,
            new { teamId, kind });
        return rows.Select(r => new ApiKeyView(r.Id, r.Name, r.Prefix, r.CreatedAt.Utc(), r.LastUsedAt.Utc(), r.RevokedAt.Utc(), r.Kind)).ToList();
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

    private sealed record KeyRow(Guid Id, string Name, string Prefix, DateTime CreatedAt, DateTime? LastUsedAt, DateTime? RevokedAt, string Kind);

    private sealed record TeamRow(Guid TeamId, string Name, Guid? OwnerUserId, string? OwnerEmail, long Balance, DateTime CreatedAt, int ActiveKeys)
    {
        public TeamView ToView() => new(TeamId, Name, OwnerUserId, OwnerEmail, Balance, CreatedAt.Utc(), ActiveKeys);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Team {TeamId} created with {Credits} credits")]
        public static partial void TeamCreated(ILogger logger, Guid teamId, long credits);
    }
}
