using System.Security.Cryptography;
using Alavida.Dashboard.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Alavida.Dashboard.Sessions;

/// <summary>Who a session is: a team (through one of its API keys) or the platform admin.</summary>
public sealed record DashboardSession(bool IsAdmin, Guid? TeamId, string? TeamName, Guid? KeyId, string? KeyName);

/// <summary>
/// Dashboard sessions in PostgreSQL (<c>dashboard.sessions</c>), so any gateway instance answers any browser. The
/// cookie carries a random 256-bit id; the table keeps only its SHA-256.
/// </summary>
public sealed class SessionStore(NpgsqlDataSource database, IOptions<DashboardOptions> options, TimeProvider time)
{
    /// <summary>Opens a session and returns the id for the cookie (also sweeps expired sessions).</summary>
    public async Task<string> OpenAsync(DashboardSession session, CancellationToken cancellationToken = default)
    {
        var id = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        await using var command = database.CreateCommand("""
            WITH swept AS (DELETE FROM dashboard.sessions WHERE expires_at < $3)
            INSERT INTO dashboard.sessions (id_hash, team_id, team_name, key_id, key_name, is_admin, expires_at)
            VALUES ($1, $2, $4, $5, $6, $7, $3 + $8)
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = Hash(id) });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)session.TeamId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        command.Parameters.Add(new NpgsqlParameter { Value = time.GetUtcNow() });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)session.TeamName ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)session.KeyId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)session.KeyName ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = session.IsAdmin });
        command.Parameters.Add(new NpgsqlParameter { Value = options.Value.SessionIdleTimeout });
        await command.ExecuteNonQueryAsync(cancellationToken);
        return id;
    }

    /// <summary>
    /// The live session of this id, its expiry slid on; null when unknown, ended, expired, or opened with an API key that
    /// has since been revoked (revoking a key signs its browsers out at their next request).
    /// </summary>
    public async Task<DashboardSession?> TouchAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var command = database.CreateCommand("""
            WITH live AS (
                SELECT s.id_hash, s.expires_at, s.is_admin, s.team_id, s.team_name, s.key_id, s.key_name FROM dashboard.sessions s
                 WHERE s.id_hash = $1 AND s.expires_at > $2
                   AND (s.is_admin OR EXISTS (SELECT 1 FROM public.api_keys k WHERE k.id = s.key_id AND k.revoked_at IS NULL))),
            slid AS (
                UPDATE dashboard.sessions s SET expires_at = $2 + $3
                  FROM live WHERE s.id_hash = live.id_hash AND live.expires_at < $2 + $3 - $4)
            SELECT is_admin, team_id, team_name, key_id, key_name FROM live
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = Hash(id) });
        command.Parameters.Add(new NpgsqlParameter { Value = time.GetUtcNow() });
        command.Parameters.Add(new NpgsqlParameter { Value = options.Value.SessionIdleTimeout });
        command.Parameters.Add(new NpgsqlParameter { Value = options.Value.SessionIdleTimeout / 10 < SlideStep ? options.Value.SessionIdleTimeout / 10 : SlideStep });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new DashboardSession(reader.GetBoolean(0), reader.IsDBNull(1) ? null : reader.GetGuid(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetGuid(3), reader.IsDBNull(4) ? null : reader.GetString(4))
            : null;
    }

    /// <summary>
    /// A session's expiry moves on only when it has fallen this far behind: a page and its live fragments (one every
    /// 1.5 s) read the session without writing its row each time, at the cost of an idle timeout up to a minute (or a
    /// tenth of a short timeout) short.
    /// </summary>
    private static readonly TimeSpan SlideStep = TimeSpan.FromMinutes(1);

    /// <summary>Ends a session (sign-out): its cookie no longer signs anyone in, on any gateway.</summary>
    public async Task EndAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var command = database.CreateCommand("DELETE FROM dashboard.sessions WHERE id_hash = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = Hash(id) });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static byte[] Hash(string id) => SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(id));
}
