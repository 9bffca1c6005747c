using System.Text.Json;
using Alavida.Grains.Mesh;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Alavida.Grains.Identity;

/// <summary>
/// Publishes identity's outbox (<c>identity/company.resolved</c>, <c>identity/company.merged</c>,
/// <c>identity/person.merged</c>) to the mesh: rows are written in the transaction of the change they announce, then
/// sent here (nudged right after, <see cref="IdentityOutboxNudge"/>, and every minute) and marked. The outbox row id is the event id, so a resend
/// after a crash is deduplicated by the mesh (at least once, never twice).
/// </summary>
[Alias("Alavida.Identity.IIdentityOutboxRelayGrain")]
public interface IIdentityOutboxRelayGrain : IGrainWithIntegerKey
{
    /// <summary>Arms the periodic reminder (idempotent) and publishes what is pending.</summary>
    [Alias("Start")]
    Task StartAsync();

    /// <summary>Publishes what is pending now (called right after a merge).</summary>
    [Alias("Publish")]
    Task<int> PublishAsync();
}

public sealed class IdentityOutboxRelayGrain(NpgsqlDataSource db, ILogger<IdentityOutboxRelayGrain> logger)
    : OutboxRelayGrain<IdentityOutboxRelayGrain.OutboxRow>(db, logger), IIdentityOutboxRelayGrain
{
    protected override string SelectSql =>
        "SELECT id, name, data::text AS data, created_at FROM identity.outbox_events WHERE published_at IS NULL ORDER BY created_at, id LIMIT @BatchSize";

    protected override string MarkSql => "UPDATE identity.outbox_events SET published_at = now() WHERE id = ANY(@ids)";

    protected override Guid IdOf(OutboxRow row) => row.Id;

    protected override MeshEvent ToEvent(OutboxRow row)
    {
        // The event belongs to the team it was for (a team's merge, the company a team's request created); a global
        // merge belongs to no team.
        using var data = JsonDocument.Parse(row.Data);
        var requestedBy = data.RootElement.TryGetProperty("requested_by", out var by) ? by.GetString() : null;
        var team = data.RootElement.TryGetProperty("team_id", out var teamId) && teamId.ValueKind == JsonValueKind.String ? teamId.GetString()
            : requestedBy is not null && requestedBy.StartsWith("team:", StringComparison.Ordinal) ? requestedBy["team:".Length..] : null;
        // In the trace of the job that caused it (its id is the trace id); otherwise a trace of its own.
        var source = data.RootElement.TryGetProperty("source", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
        var trace = source is not null && source.StartsWith("job:", StringComparison.Ordinal) && Guid.TryParse(source["job:".Length..], out var job)
            ? job.ToString("N") : row.Id.ToString("N");
        return new MeshEvent(row.Id.ToString(), row.Name, row.Data, null, new DateTimeOffset(DateTime.SpecifyKind(row.CreatedAt, DateTimeKind.Utc)).ToUnixTimeMilliseconds(),
            "1", trace, team);
    }

    public sealed record OutboxRow(Guid Id, string Name, string Data, DateTime CreatedAt);
}
