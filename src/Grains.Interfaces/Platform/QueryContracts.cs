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

    /// <summary>
    /// A team's credit usage per quantum (same filters as <see cref="ListUsageAsync"/>, without paging). Jobs: those whose
    /// first charge in the quantum is at or after since (every job charged, without since). Exact as of the call.
    /// </summary>
    [Alias("UsageByQuantum")]
    Task<IReadOnlyList<QuantumUsage>> UsageByQuantumAsync(UsageQuery query);

    /// <summary>A team's credit usage per UTC day and quantum (same filters as <see cref="ListUsageAsync"/>, without paging), oldest day first.</summary>
    [Alias("UsageByDay")]
    Task<IReadOnlyList<DailyUsage>> UsageByDayAsync(UsageQuery query);

    /// <summary>How many of a team's jobs are in each status (statuses with none are left out).</summary>
    [Alias("CountJobsByStatus")]
    Task<IReadOnlyList<StatusCount>> CountJobsByStatusAsync(Guid teamId);
}

/// <summary>Credits used on one UTC day by one quantum.</summary>
/// <param name="Day">The UTC day.</param>
/// <param name="Quantum">The quantum.</param>
/// <param name="Credits">Credits charged.</param>
[GenerateSerializer, Immutable, Alias("Alavida.Platform.DailyUsage")]
public sealed record DailyUsage([property: Id(0)] DateOnly Day, [property: Id(1)] string Quantum, [property: Id(2)] long Credits);

/// <summary>Jobs in one status.</summary>
/// <param name="Status">The status.</param>
/// <param name="Jobs">How many.</param>
[GenerateSerializer, Immutable, Alias("Alavida.Platform.StatusCount")]
public sealed record StatusCount([property: Id(0)] JobStatus Status, [property: Id(1)] long Jobs);
