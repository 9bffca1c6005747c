using Alavida.Grains.Mesh;
using Microsoft.Extensions.Logging;

namespace Alavida.Grains.Identity;

/// <summary>Asks identity's outbox relay to publish soon after identity wrote events (a company created, a merge).</summary>
public sealed class IdentityOutboxNudge(IGrainFactory grains, ILogger<IdentityOutboxNudge> logger) : OutboxNudge(logger)
{
    protected override string Component => "identity";

    protected override Task PublishAsync() => grains.GetGrain<IIdentityOutboxRelayGrain>(0).PublishAsync();
}
