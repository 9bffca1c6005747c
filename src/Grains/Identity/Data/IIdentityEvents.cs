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

    /// <summary>Records several events inside <paramref name="transaction"/> in one statement.</summary>
    Task EmitManyAsync(NpgsqlTransaction transaction, IReadOnlyList<(string Name, object Data)> items, CancellationToken cancellationToken = default);
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

    public async Task EmitManyAsync(NpgsqlTransaction transaction, IReadOnlyList<(string Name, object Data)> items, CancellationToken cancellationToken = default)
    {
        if (items.Count == 0)
        {
            return;
        }

        const string sql = """
            INSERT INTO identity.outbox_events (id, name, data, created_at)
            SELECT id, name, data::jsonb, @created_at FROM unnest(@ids, @names, @data) AS e(id, name, data)
            """;
        var now = time.GetUtcNow();
        await using var command = new NpgsqlCommand(sql, transaction.Connection, transaction);
        command.Parameters.AddWithValue("ids", items.Select(_ => Guid.CreateVersion7(now)).ToArray());
        command.Parameters.AddWithValue("names", items.Select(i => i.Name).ToArray());
        command.Parameters.AddWithValue("data", items.Select(i => System.Text.Json.JsonSerializer.Serialize(i.Data, i.Data.GetType(), Json)).ToArray());
        command.Parameters.AddWithValue("created_at", now);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

/// <summary>The data of <c>identity/company.merged</c> and <c>identity/person.merged</c>.</summary>
public sealed record EntityMerged(Guid SurvivorId, Guid LoserId, string RequestedBy, string RulesVersion);

/// <summary>The data of <c>identity/company.merged</c> and <c>identity/person.merged</c> for a team's own merge (its overlay).</summary>
public sealed record TeamEntityMerged(Guid SurvivorId, Guid LoserId, string RequestedBy, string RulesVersion, Guid TeamId);

/// <summary>
/// The data of <c>identity/company.resolved</c>: a company was created (resolved for the first time), by the request of
/// <paramref name="TeamId"/> when a team's job or run asked.
/// </summary>
public sealed record CompanyResolved(
    Guid CompanyId, string CanonicalKey, string? Domain, string? LinkedInSlug, string? DisplayName, string? Country, string? Source, Guid? TeamId, string RulesVersion);
