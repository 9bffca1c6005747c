namespace Alavida.Grains;

/// <summary>Exponential backoff with jitter, as the mesh's retries and the jobs' fault retries wait.</summary>
public static class Backoff
{
    /// <summary>
    /// The wait before retry number <paramref name="attempt"/> (1 for the first): <c>min(max, first·2^(attempt-1))</c>,
    /// then ±25 % at random, so callers that failed together do not all come back at once.
    /// </summary>
    public static TimeSpan Delay(int attempt, TimeSpan first, TimeSpan max)
    {
        var exponential = Math.Min(max.TotalMilliseconds, first.TotalMilliseconds * Math.Pow(2, Math.Max(attempt, 1) - 1));
        return TimeSpan.FromMilliseconds(exponential * (0.75 + (Random.Shared.NextDouble() * 0.5)));
    }
}
