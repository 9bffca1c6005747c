using System.Security.Cryptography;
using System.Text;
using Dapper;
using Npgsql;

namespace Alavida.Grains.Platform;

/// <summary>
/// One API key, by prefix. Verifies secrets in constant time against the stored SHA-256; remembers the last use in
/// memory and writes it at most once a minute (and on deactivation), so authentication costs no write per request.
/// </summary>
public sealed class ApiKeyGrain(NpgsqlDataSource db, TimeProvider time) : Grain, IApiKeyGrain
{
    private static readonly TimeSpan LastUsedFlushPeriod = TimeSpan.FromMinutes(1);
    private KeyRow? _key;
    private DateTimeOffset? _unsavedLastUse;
    private IGrainTimer? _flushTimer;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        _key = await connection.QuerySingleOrDefaultAsync<KeyRow>(new CommandDefinition(
            "SELECT k.id, k.team_id, k.name, k.hash, k.revoked_at, t.name AS team_name, k.kind FROM api_keys k JOIN teams t ON t.id = k.team_id WHERE k.prefix = @prefix",
            new { prefix = this.GetPrimaryKeyString() }, cancellationToken: cancellationToken));
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => await FlushLastUseAsync();

    public Task<ApiKeyIdentity?> AuthenticateAsync(string secret)
    {
        if (_key is not { RevokedAt: null } key || !CryptographicOperations.FixedTimeEquals(Hash(secret), key.Hash))
        {
            return Task.FromResult<ApiKeyIdentity?>(null);
        }

        _unsavedLastUse = time.GetUtcNow();
        _flushTimer ??= this.RegisterGrainTimer(FlushLastUseAsync, LastUsedFlushPeriod, LastUsedFlushPeriod);
        return Task.FromResult<ApiKeyIdentity?>(new ApiKeyIdentity(key.Id, key.TeamId, key.Name, key.TeamName, key.Kind));
    }

    public async Task RevokeAsync()
    {
        if (_key is not { RevokedAt: null } key)
        {
            return;
        }

        await using var connection = await db.OpenConnectionAsync();
        var revokedAt = await connection.ExecuteScalarAsync<DateTime>(
            "UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = @Id RETURNING revoked_at", new { key.Id });
        _key = key with { RevokedAt = revokedAt };
    }

    /// <summary>SHA-256 of the whole key: keys are long and random, so a plain hash is enough (no password stretching).</summary>
    public static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    private async Task FlushLastUseAsync()
    {
        if (_unsavedLastUse is not { } lastUse || _key is null)
        {
            return;
        }

        _unsavedLastUse = null;
        await using var connection = await db.OpenConnectionAsync();
        await connection.ExecuteAsync(
            "UPDATE api_keys SET last_used_at = greatest(coalesce(last_used_at, @lastUse), @lastUse) WHERE id = @Id",
            new { _key.Id, lastUse = lastUse.UtcDateTime });
    }

    private sealed record KeyRow(Guid Id, Guid TeamId, string Name, byte[] Hash, DateTime? RevokedAt, string TeamName, string Kind);
}
