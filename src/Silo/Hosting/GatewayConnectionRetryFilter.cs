namespace Alavida.Silo.Hosting;

/// <summary>
/// Lets a gateway start before its silos are up (as in <c>docker compose up</c>): it retries joining the cluster
/// every two seconds for up to a minute, saying why, then gives up with the last error.
/// </summary>
internal sealed partial class GatewayConnectionRetryFilter(TimeProvider time, ILogger<GatewayConnectionRetryFilter> logger) : IClientConnectionRetryFilter
{
    private const int MaxAttempts = 30;
    private static readonly TimeSpan Backoff = TimeSpan.FromSeconds(2);
    private int _attempts;

    public async Task<bool> ShouldRetryConnectionAttempt(Exception exception, CancellationToken cancellationToken)
    {
        var attempt = Interlocked.Increment(ref _attempts);
        if (attempt > MaxAttempts)
        {
            return false;
        }

        Log.Retrying(logger, attempt, MaxAttempts, exception.Message);
        await Task.Delay(Backoff, time, cancellationToken);
        return true;
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "No silo reachable yet (attempt {Attempt}/{MaxAttempts}): {Reason}")]
        public static partial void Retrying(ILogger logger, int attempt, int maxAttempts, string reason);
    }
}
