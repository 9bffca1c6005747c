using System.ComponentModel.DataAnnotations;

namespace Alavida.Grains.Platform;

/// <summary>How jobs ride out infrastructure faults (section <c>Jobs</c>); see <c>docs/reliability.md</c>.</summary>
public sealed class JobOptions
{
    public const string SectionName = "Jobs";

    /// <summary>
    /// How long after it was accepted a job keeps retrying transient faults (the database or a silo unavailable). A job
    /// that meets one more past it fails with <c>deadline_exceeded</c>; a job that meets none runs as long as its work takes.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00")]
    public TimeSpan Deadline { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>The wait before the first retry; each next one doubles it, up to <see cref="MaxRetryDelay"/> (±25 % jitter).</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:10:00")]
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The longest wait between two retries.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(5);
}
