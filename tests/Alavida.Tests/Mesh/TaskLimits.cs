namespace Alavida.Tests.Infrastructure;

public static class TaskLimits
{
    /// <summary>Awaits a task with an upper bound, failing with a clear message instead of hanging the run.</summary>
    public static async Task Within(this Task task, TimeSpan limit, string what)
    {
        try
        {
            await task.WaitAsync(limit);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Timed out after {limit.TotalSeconds:0}s waiting for {what}.");
        }
    }
}
