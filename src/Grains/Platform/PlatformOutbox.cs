using Alavida.Grains.Mesh;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Alavida.Grains.Platform;

/// <summary>
/// Publishes the platform's outbox (<c>public.outbox_events</c>: <c>billing/credits.low</c>) to the mesh, each event in
/// its team and in a trace of its own; nudged right after a write (<see cref="PlatformOutboxNudge"/>) and every minute.
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

public sealed class PlatformOutboxRelayGrain(NpgsqlDataSource db, ILogger<PlatformOutboxRelayGrain> logger) : Grain, IPlatformOutboxRelayGrain, IRemindable
{
    public async Task StartAsync()
    {
        await this.RegisterOrUpdateReminder("publish", TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        await PublishAsync();
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => PublishAsync();

    public Task<int> PublishAsync() => OutboxRelay.PublishAsync<OutboxRow>(
        db, GrainFactory,
        "SELECT id, name, team_id, data::text AS data, created_at FROM outbox_events WHERE published_at IS NULL ORDER BY created_at, id LIMIT @BatchSize",
        "UPDATE outbox_events SET published_at = now() WHERE id = ANY(@ids)",
        r => r.Id,
        r => new MeshEvent(r.Id.ToString(), r.Name, r.Data, null, r.CreatedAt.Utc().ToUnixTimeMilliseconds(), "1", r.Id.ToString("N"), r.TeamId?.ToString()),
        logger);

    private sealed record OutboxRow(Guid Id, string Name, Guid? TeamId, string Data, DateTime CreatedAt);
}

/// <summary>Asks the platform's outbox relay to publish soon after a write.</summary>
public sealed class PlatformOutboxNudge(IGrainFactory grains, ILogger<PlatformOutboxNudge> logger) : OutboxNudge(logger)
{
    protected override string Component => "platform";

    protected override Task PublishAsync() => grains.GetGrain<IPlatformOutboxRelayGrain>(0).PublishAsync();
}
