namespace Alavida.Grains.Mesh;

/// <summary>Run statuses as stored in <c>mesh.runs.status</c>.</summary>
public static class RunStatus
{
    /// <summary>Accepted, waiting for a concurrency slot, throttle window or debounce period.</summary>
    public const string Queued = "queued";
    /// <summary>Its function is paused; it starts when the function is resumed.</summary>
    public const string Paused = "paused";
    /// <summary>Executing steps (or waiting to retry).</summary>
    public const string Running = "running";
    /// <summary>In a durable <c>Sleep</c>.</summary>
    public const string Sleeping = "sleeping";
    /// <summary>In <c>WaitForEvent</c> or <c>Invoke</c>.</summary>
    public const string Waiting = "waiting";
    /// <summary>Finished with an output.</summary>
    public const string Completed = "completed";
    /// <summary>Failed after its retries (or with a non-retriable error).</summary>
    public const string Failed = "failed";
    /// <summary>Cancelled by a request, a <c>cancelOn</c> event or a timeout.</summary>
    public const string Cancelled = "cancelled";
    /// <summary>Superseded by a later event while debounced, or ended by its function without doing the work (the error says why, e.g. <c>spend cap</c>).</summary>
    public const string Skipped = "skipped";

    /// <summary>True for statuses a run never leaves.</summary>
    public static bool IsFinal(string status) => status is Completed or Failed or Cancelled or Skipped;
}

/// <summary>Filters for listing runs; <see cref="TeamId"/> null means every team (platform admin).</summary>
/// <param name="TeamId">Only this team's runs.</param>
/// <param name="FunctionId">Only runs of this function, and of every function whose id continues it after a <c>/</c> (<c>lead-discovery</c>: all of <c>lead-discovery/…</c>).</param>
/// <param name="Status">Only runs in this status (see <see cref="RunStatus"/>).</param>
/// <param name="TraceId">Only runs of this trace.</param>
/// <param name="Since">Only runs created at or after this time.</param>
/// <param name="Limit">Page size (1-500).</param>
/// <param name="Cursor">The <c>NextCursor</c> of the previous page.</param>
[GenerateSerializer, Immutable, Alias("mesh.run-query")]
public sealed record RunQuery(
    [property: Id(0)] string? TeamId,
    [property: Id(1)] string? FunctionId = null,
    [property: Id(2)] string? Status = null,
    [property: Id(3)] string? TraceId = null,
    [property: Id(4)] DateTimeOffset? Since = null,
    [property: Id(5)] int Limit = 50,
    [property: Id(6)] string? Cursor = null);

/// <summary>One run in a listing.</summary>
/// <param name="RunId">Run id.</param>
/// <param name="FunctionId">Function id.</param>
/// <param name="Status">Status (see <see cref="RunStatus"/>).</param>
/// <param name="EventId">The triggering event.</param>
/// <param name="TraceId">Trace id shared by the cascade.</param>
/// <param name="TeamId">Owning team.</param>
/// <param name="Attempts">Attempts made so far.</param>
/// <param name="CreatedAt">When the run was accepted.</param>
/// <param name="StartedAt">When it first started executing.</param>
/// <param name="EndedAt">When it finished.</param>
/// <param name="Error">Why it failed, was cancelled or was skipped; the last attempt's error while retrying.</param>
[GenerateSerializer, Immutable, Alias("mesh.run-summary")]
public sealed record RunSummary(
    [property: Id(0)] Guid RunId,
    [property: Id(1)] string FunctionId,
    [property: Id(2)] string Status,
    [property: Id(3)] string EventId,
    [property: Id(4)] string TraceId,
    [property: Id(5)] string? TeamId,
    [property: Id(6)] int Attempts,
    [property: Id(7)] DateTimeOffset CreatedAt,
    [property: Id(8)] DateTimeOffset? StartedAt,
    [property: Id(9)] DateTimeOffset? EndedAt,
    [property: Id(10)] string? Error = null);

/// <summary>A page of runs, newest first.</summary>
/// <param name="Items">The runs.</param>
/// <param name="NextCursor">Cursor of the next page; null at the end.</param>
[GenerateSerializer, Immutable, Alias("mesh.run-page")]
public sealed record RunPage([property: Id(0)] IReadOnlyList<RunSummary> Items, [property: Id(1)] string? NextCursor);

/// <summary>One step of a run.</summary>
/// <param name="StepId">Stable step id (repeated ids carry a <c>:n</c> suffix).</param>
/// <param name="Name">The id the function gave the step.</param>
/// <param name="Status">completed, failed, sleeping or waiting.</param>
/// <param name="Attempts">Times the step was executed.</param>
/// <param name="StartedAt">First start.</param>
/// <param name="EndedAt">End, when finished.</param>
/// <param name="OutputJson">Memoized output as JSON.</param>
/// <param name="Error">Error message, when failed.</param>
[GenerateSerializer, Immutable, Alias("mesh.step-view")]
public sealed record StepView(
    [property: Id(0)] string StepId,
    [property: Id(1)] string Name,
    [property: Id(2)] string Status,
    [property: Id(3)] int Attempts,
    [property: Id(4)] DateTimeOffset StartedAt,
    [property: Id(5)] DateTimeOffset? EndedAt,
    [property: Id(6)] string? OutputJson,
    [property: Id(7)] string? Error);

/// <summary>A run with its output and steps.</summary>
/// <param name="Run">The run.</param>
/// <param name="OutputJson">The function's output as JSON, when completed.</param>
/// <param name="Error">The final error, when failed or cancelled.</param>
/// <param name="Steps">Steps in start order.</param>
[GenerateSerializer, Immutable, Alias("mesh.run-detail")]
public sealed record RunDetail(
    [property: Id(0)] RunSummary Run,
    [property: Id(1)] string? OutputJson,
    [property: Id(2)] string? Error,
    [property: Id(3)] IReadOnlyList<StepView> Steps);

/// <summary>The outcome of a control operation on a run or function.</summary>
/// <param name="Outcome">ok, not_found or conflict.</param>
/// <param name="Detail">Human-readable detail.</param>
/// <param name="RunId">The run created (replay) or affected.</param>
[GenerateSerializer, Immutable, Alias("mesh.control-result")]
public sealed record MeshControlResult(
    [property: Id(0)] string Outcome,
    [property: Id(1)] string Detail,
    [property: Id(2)] Guid? RunId = null)
{
    /// <summary>The operation took effect.</summary>
    public const string Ok = "ok";
    /// <summary>No such run or function visible to the caller.</summary>
    public const string NotFound = "not_found";
    /// <summary>The run or function is not in a state that allows it.</summary>
    public const string Conflict = "conflict";
}
