using System.Security.Cryptography;
using Dapper;
using Npgsql;

namespace Alavida.Grains.Platform;

/// <summary>Makes new API keys and stores their hashes.</summary>
internal static class ApiKeyFactory
{
    public static async Task<NewApiKey> CreateAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid teamId, string name, DateTimeOffset now, string kind = ApiKeyKinds.Api)
    {
        var prefix = (kind == ApiKeyKinds.Event ? ApiKeyFormat.EventMarker : ApiKeyFormat.Marker) + RandomNumberGenerator.GetString(ApiKeyFormat.Alphabet, ApiKeyFormat.IdLength);
        var secret = $"{prefix}_{RandomNumberGenerator.GetString(ApiKeyFormat.Alphabet, ApiKeyFormat.SecretLength)}";
        var id = Guid.CreateVersion7(now);
        var createdAt = await connection.ExecuteScalarAsync<DateTime>(
            "INSERT INTO api_keys (id, team_id, name, prefix, hash, kind) VALUES (@id, @teamId, @name, @prefix, @hash, @kind) RETURNING created_at",
            new { id, teamId, name, prefix, hash = ApiKeyGrain.Hash(secret), kind }, transaction);
        return new NewApiKey(id, name, prefix, secret, createdAt.Utc());
    }
}
