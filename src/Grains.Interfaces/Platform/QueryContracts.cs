namespace Alavida.Grains.Platform;

/// <summary>Filters for a team's jobs.</summary>
/// <param name="TeamId">The team (always required: lists never cross teams).</param>
/// <param name="Status">Only jobs in this status.</param>
/// <param name="Quantum">Only this quantum's jobs.</param>
/// <param name="Since">Only jobs created at or after this time.</param>
/// <param name="Limit">Page size (1–200).</param>
/// <param name="Cursor">The cursor of the previous page.</param>
[GenerateSerializer, Immutable, Alias("Alavida.Platform.JobQuery")]
public sealed record JobQuery(
    [property: Id(0)] Guid TeamId,
    [property: Id(1)] JobStatus? Status,
    [property: Id(2)] string? Quantum,
    [property: Id(3)] DateTimeOffset? Since,
    [property: Id(4)] int Limit,
    [property: Id(5)] string? Cursor);

/// <summary>Filters for a team's credit usage.</summary>
/// <param name="TeamId">The team.</param>
/// <param name="Quantum">Only this quantum.</param>
/// <param name="Since">Only charges at or after this time.</param>
/// <param name="Limit">Page size (1–200).</param>
/// <param name="Cursor">The cursor of the previous page.</param>
[GenerateSerializer, Immutable, Alias("Alavida.Platform.UsageQuery")]
public sealed record UsageQuery(
    [property: Id(0)] Guid TeamId,
    [property: Id(1)] string? Quantum,
    [property: Id(2)] DateTimeOffset? Since,
    [property: Id(3)] int Limit,
    [property: Id(4)] string? Cursor);

/// <summary>Read models over the platform tables (stateless: any silo answers).</summary>
[Alias("Alavida.Platform.IPlatformQueryGrain")]
public interface IPlatformQueryGrain : IGrainWithIntegerKey
{
    /// <summary>A page of a team's jobs, newest first.</summary>
    [Alias("ListJobs")]
    Task<Page<JobView>> ListJobsAsync(JobQuery query);

    /// <summary>A page of a team's credit usage per job, newest first.</summary>
    [Alias("ListUsage")]
    Task<Page<JobUsage>> ListUsageAsync(UsageQuery query);

    /// <summary>A team's credit usage per quantum (same filters as <see cref="ListUsageAsync"/>, without paging).</summary>
    [Alias("UsageByQuantum")]
    Task<IReadOnlyList<QuantumUsage>> UsageByQuantumAsync(UsageQuery query);
}
