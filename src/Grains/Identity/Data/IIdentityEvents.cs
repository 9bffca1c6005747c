using Npgsql;

namespace Alavida.Grains.Identity.Data;

/// <summary>
/// Where the identity quantum emits its events (<c>identity/company.merged</c>…). Events are written in the same
/// transaction as the change they describe, so an event exists exactly when its change does; the mesh relays them.
/// </summary>
public interface IIdentityEvents
{
    /// <summary>Records event <paramref name="name"/> with <paramref name="data"/> inside <paramref name="transaction"/>.</summary>
    Task EmitAsync(NpgsqlTransaction transaction, string name, object data, CancellationToken cancellationToken = default);
}

/// <summary>The transactional outbox: one row per event in <c>identity.outbox_events</c>, unpublished until relayed.</summary>
public sealed class OutboxIdentityEvents(TimeProvider time) : IIdentityEvents
{
    private static readonly System.Text.Json.JsonSerializerOptions Json = new(System.Text.Json.JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower,
    };

    public async Task EmitAsync(NpgsqlTransaction transaction, string name, object data, CancellationToken cancellationToken = default)
    {
        const string sql = """
            INSERT INTO identity.outbox_events (id, name, data, created_at)
            VALUES (@id, @name, @data::jsonb, @created_at)
            """;
        await using var command = new NpgsqlCommand(sql, transaction.Connection, transaction);
        command.Parameters.AddWithValue("id", Guid.CreateVersion7(time.GetUtcNow()));
        command.Parameters.AddWithValue("name", name);
        command.Parameters.AddWithValue("data", System.Text.Json.JsonSerializer.Serialize(data, data.GetType(), Json));
        command.Parameters.AddWithValue("created_at", time.GetUtcNow());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

/// <summary>The data of <c>identity/company.merged</c> and <c>identity/person.merged</c>.</summary>
public sealed record EntityMerged(Guid SurvivorId, Guid LoserId, string RequestedBy, string RulesVersion);
