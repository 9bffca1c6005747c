using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Alavida.Grains.Mesh;

/// <summary>
/// Time for the mesh: the <see cref="TimeProvider"/> registered under the key <see cref="TimeProviderKey"/> (a
/// <c>FakeTimeProvider</c> in tests drives sleeps, timeouts, retries, debounce, throttle and cron), else the system
/// clock. Keyed so that a fake clock never reaches Orleans itself. Timers here are in memory; the due times they
/// serve are persisted, and a restarted or surviving silo re-arms them when it resumes the runs.
/// </summary>
public sealed partial class MeshClock(IServiceProvider services, ILogger<MeshClock> logger)
{
    public const string TimeProviderKey = "mesh";

    private readonly TimeProvider _time = services.GetKeyedService<TimeProvider>(TimeProviderKey) ?? TimeProvider.System;

    public DateTimeOffset Now => _time.GetUtcNow();

    /// <summary>Calls <paramref name="callback"/> (off any grain context) at <paramref name="due"/>, at once when it has passed.</summary>
    public IDisposable At(DateTimeOffset due, Func<Task> callback)
    {
        var delay = due - Now;
        if (delay <= TimeSpan.Zero)
        {
            Fire(callback);
            return NoTimer.Instance;
        }

        ITimer? timer = null;
        timer = _time.CreateTimer(_ =>
        {
            timer?.Dispose();
            Fire(callback);
        }, null, delay, Timeout.InfiniteTimeSpan);
        return timer;
    }

    private void Fire(Func<Task> callback) => Task.Factory.StartNew(async () =>
    {
        try
        {
            await callback();
        }
        catch (Exception ex)
        {
            Log.TimerFailed(logger, ex);
        }
    }, CancellationToken.None, TaskCreationOptions.None, TaskScheduler.Default);

    private sealed class NoTimer : IDisposable
    {
        public static readonly NoTimer Instance = new();

        public void Dispose()
        {
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "A mesh timer callback failed; the persisted due time is picked up on the next resume or reconciliation")]
        public static partial void TimerFailed(ILogger logger, Exception ex);
    }
}
