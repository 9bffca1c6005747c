using Microsoft.Extensions.Logging;

namespace Alavida.Grains.Identity;

/// <summary>
/// Asks the outbox relay to publish soon after identity wrote events (a company created, a merge), without a call per
/// event: while one publish is in flight, every nudge that arrives makes one more publish after it, not one each.
/// The relay's reminder publishes what a lost nudge left behind.
/// </summary>
public sealed partial class IdentityOutboxNudge(IGrainFactory grains, ILogger<IdentityOutboxNudge> logger)
{
    private int _state; // 0 idle, 1 publishing, 2 publishing and nudged again

    /// <summary>Publishes what is pending, now or right after the publish in flight.</summary>
    public void Nudge()
    {
        if (Interlocked.Exchange(ref _state, 2) == 0)
        {
            using (ExecutionContext.SuppressFlow())
            {
                _ = Task.Run(PublishLoopAsync);
            }
        }
    }

    private async Task PublishLoopAsync()
    {
        while (true)
        {
            Volatile.Write(ref _state, 1);
            try
            {
                await grains.GetGrain<IIdentityOutboxRelayGrain>(0).PublishAsync();
            }
            catch (Exception ex)
            {
                Log.PublishFailed(logger, ex);
            }

            if (Interlocked.CompareExchange(ref _state, 0, 1) == 1)
            {
                return; // nobody nudged meanwhile
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "identity: publishing the outbox failed; the relay's reminder publishes it later")]
        public static partial void PublishFailed(ILogger logger, Exception exception);
    }
}
