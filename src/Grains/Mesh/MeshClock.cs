namespace Alavida.Grains.Mesh;

/// <summary>
/// Time for the mesh, from the injected <see cref="TimeProvider"/> (a <c>FakeTimeProvider</c> in tests drives sleeps,
/// timeouts, retries, debounce and throttle). Timers here are in memory; the due times they serve are persisted, and
/// a restarted or surviving silo re-arms them when it resumes the runs.
/// </summary>
public sealed class MeshClock(TimeProvider time)
{
    public DateTimeOffset Now => time.GetUtcNow();

    /// <summary>Calls <paramref name="callback"/> at <paramref name="due"/> (at once when it has passed).</summary>
    public IDisposable At(DateTimeOffset due, Func<Task> callback)
    {
        var delay = due - Now;
        if (delay <= TimeSpan.Zero)
        {
            _ = Task.Run(callback);
            return NoTimer.Instance;
        }

        ITimer? timer = null;
        timer = time.CreateTimer(_ =>
        {
            timer?.Dispose();
            _ = Task.Run(callback);
        }, null, delay, Timeout.InfiniteTimeSpan);
        return timer;
    }

    private sealed class NoTimer : IDisposable
    {
        public static readonly NoTimer Instance = new();

        public void Dispose()
        {
        }
    }
}
