using Alavida.Grains.Mesh;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Alavida.Grains.Platform;

/// <summary>
/// Publishes the platform's outbox (<c>public.outbox_events</c>: <c>billing/credits.low</c>, job lifecycle events,
/// webhook delivery requests and <c>webhook/endpoint.disabled</c>) to the mesh, each event in its team and in its trace
/// (a trace of its own when the row names none); nudged right after a write (<see cref="PlatformOutboxNudge"/>) and every minute.
/// </summary>
[Alias("Alavida.Platform.IPlatformOutboxRelayGrain")]
public interface IPlatformOutboxRelayGrain : IGrainWithIntegerKey
{
    /// <summary>Arms the periodic reminder (idempotent) and publishes what is pending.</summary>
    [Alias("Start")]
    Task StartAsync();

    /// <summary>Publishes what is pending now.</summary>
    [Alias("Publish")]
    Task<int> PublishAsync();
}

public sealed class PlatformOutboxRelayGrain(NpgsqlDataSource db, ILogger<PlatformOutboxRelayGrain> logger)
    : OutboxRelayGrain<PlatformOutboxRelayGrain.OutboxRow>(db, logger), IPlatformOutboxRelayGrain
{
    protected override string SelectSql =>
        "SELECT id, name, team_id, data::text AS data, created_at, trace_id FROM outbox_events WHERE published_at IS NULL ORDER BY created_at, id LIMIT @BatchSize";

    protected override string MarkSql => "UPDATE outbox_events SET published_at = now() WHERE id = ANY(@ids)";

    protected override Guid IdOf(OutboxRow row) => row.Id;

    protected override MeshEvent ToEvent(OutboxRow row) =>
        new(row.Id.ToString(), row.Name, row.Data, null, row.CreatedAt.Utc().ToUnixTimeMilliseconds(), "1", row.TraceId ?? row.Id.ToString("N"), row.TeamId?.ToString());

    public sealed record OutboxRow(Guid Id, string Name, Guid? TeamId, string Data, DateTime CreatedAt, string? TraceId);
}

/// <summary>Asks the platform's outbox relay to publish soon after a write.</summary>
public sealed class PlatformOutboxNudge(IGrainFactory grains, ILogger<PlatformOutboxNudge> logger) : OutboxNudge(logger)
{
    protected override string Component => "platform";

    protected override Task PublishAsync() => grains.GetGrain<IPlatformOutboxRelayGrain>(0).PublishAsync();
}
