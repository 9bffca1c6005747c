namespace Alavida.Grains.Mesh;

/// <summary>A run on its way to execution: which gates it passes (grain keys) and which it has passed.</summary>
/// <param name="RunId">Run id.</param>
/// <param name="FunctionId">Function id.</param>
/// <param name="Event">The triggering event.</param>
/// <param name="GateKeys">Gate grain keys, aligned with the function's gates.</param>
/// <param name="Stage">Index of the next gate; past the end: execute.</param>
/// <param name="CreatedAt">When the run was accepted (start timeout).</param>
/// <param name="Resume">The run may have state already (reconciliation, resume): load it from the database.</param>
/// <param name="AlreadyRunning">Reconciliation of a run that holds concurrency slots: count it, do not start it again.</param>
/// <param name="ParentRunId">The run that invoked this one and waits for its output.</param>
/// <param name="ParentStepId">The parent's Invoke step.</param>
/// <param name="Reacquire">A suspended run asking for its concurrency slots again; a gate that still counts it lets it through.</param>
[GenerateSerializer, Immutable, Alias("mesh.run-ticket")]
public sealed record RunTicket(
    [property: Id(0)] Guid RunId,
    [property: Id(1)] string FunctionId,
    [property: Id(2)] MeshEvent Event,
    [property: Id(3)] IReadOnlyList<string> GateKeys,
    [property: Id(4)] int Stage,
    [property: Id(5)] DateTimeOffset CreatedAt,
    [property: Id(6)] bool Resume = false,
    [property: Id(7)] bool AlreadyRunning = false,
    [property: Id(8)] Guid? ParentRunId = null,
    [property: Id(9)] string? ParentStepId = null,
    [property: Id(10)] bool Reacquire = false);

/// <summary>Executes one run: steps, memo, retries, suspension and cancellation. Runtime-internal.</summary>
[Alias("mesh.IRunGrain")]
public interface IRunGrain : IGrainWithGuidKey
{
    /// <summary>Starts (or resumes) execution; false when the run is already finished and needs no slot.</summary>
    [Alias("StartAsync")]
    Task<bool> StartAsync(RunTicket ticket);

    /// <summary>Reloads the run from the database and continues it (timer, matched wait, invoke result, reconciliation).</summary>
    [Alias("ResumeAsync")]
    Task ResumeAsync();

    /// <summary>Cancels the run unless it already finished.</summary>
    [Alias("CancelAsync")]
    Task<MeshControlResult> CancelAsync(string reason);
}

/// <summary>A debounce, throttle or concurrency coordinator for one (function or account, key value). Runtime-internal.</summary>
[Alias("mesh.IFlowGateGrain")]
public interface IFlowGateGrain : IGrainWithStringKey
{
    [Alias("SubmitAsync")]
    Task SubmitAsync(IReadOnlyList<RunTicket> tickets);

    [Alias("ReleaseAsync")]
    Task ReleaseAsync(Guid runId);

    [Alias("TickAsync")]
    Task TickAsync();
}

/// <summary>Fires a cron-triggered function on schedule (one activation per function in the cluster). Runtime-internal.</summary>
[Alias("mesh.ICronGrain")]
public interface ICronGrain : IGrainWithStringKey
{
    [Alias("EnsureScheduledAsync")]
    Task EnsureScheduledAsync();

    [Alias("TickAsync")]
    Task TickAsync(DateTimeOffset due);
}

public sealed record RunRow(
    Guid RunId, string FunctionId, string EventId, string TraceId, string? TeamId, DateTimeOffset CreatedAt,
    string? IdempotencyKey = null, Guid? ParentRunId = null, string? ParentStepId = null);

/// <summary>A pending wait of a run; <paramref name="TeamId"/> is the run's team, the only team whose events satisfy it.</summary>
public sealed record WaitRow(Guid RunId, string? TeamId, string StepId, string Kind, string EventName, string[]? MatchPath, string? MatchValue, DateTimeOffset? ExpiresAt);

public sealed record StepRow(
    Guid RunId, string StepId, string Name, string Status, int Attempts, DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt, DateTimeOffset? WakeAt, string? Output, string? Error);

public sealed record RunUpdate(
    Guid RunId, string Status, int Attempts, DateTimeOffset? StartedAt, DateTimeOffset? EndedAt,
    DateTimeOffset? WakeAt, string? Output, string? Error);

/// <summary>What identifies a stored event: its id within its team's namespace (null: the events without a team).</summary>
public readonly record struct EventKey(string Id, string? TeamId)
{
    public static EventKey Of(MeshEvent e) => new(e.Id, e.TeamId);

    /// <summary>The event a run was started by (a run belongs to its event's team).</summary>
    public static EventKey Of(RunRow run) => new(run.EventId, run.TeamId);
}

/// <summary>A wait (WaitForEvent or cancelOn) that an accepted event satisfied, already removed from <c>mesh.waits</c>.</summary>
public sealed record MatchedWait(Guid RunId, string StepId, string Kind, EventKey Event);

/// <summary>What one accept request got: accepted events, runs created (with status) and waits matched.</summary>
public sealed record AcceptResult(IReadOnlySet<EventKey> Accepted, IReadOnlyList<(Guid RunId, string Status)> Runs, IReadOnlyList<MatchedWait> Matched);

/// <summary>A run as loaded for execution.</summary>
public sealed record LoadedRun(
    Guid RunId, string FunctionId, string Status, int Attempts, DateTimeOffset CreatedAt, DateTimeOffset? StartedAt,
    Guid? ParentRunId, string? ParentStepId, MeshEvent Event, IReadOnlyList<StepRow> Steps);

public static class WaitKind
{
    public const string Wait = "wait";
    public const string Cancel = "cancel";
    public const string Invoke = "invoke";
}

public static class StepStatus
{
    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string Sleeping = "sleeping";
    public const string Waiting = "waiting";
}
