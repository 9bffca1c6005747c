namespace Alavida.Grains.Platform;

/// <summary>A job's lifecycle: queued → running → succeeded | failed | cancelled.</summary>
public enum JobStatus
{
    /// <summary>Accepted, credits reserved, not started yet.</summary>
    Queued,

    /// <summary>A quantum is working on it.</summary>
    Running,

    /// <summary>Finished with a result; usage settled.</summary>
    Succeeded,

    /// <summary>Finished with an error; the reservation was refunded.</summary>
    Failed,

    /// <summary>Cancelled by the caller; the reservation was refunded.</summary>
    Cancelled,
}

/// <summary>A <c>/run</c> request the gateway has authenticated and validated, to be accepted by the team's grain.</summary>
/// <param name="JobId">The new job's id, which is also its trace id.</param>
/// <param name="TeamId">The team that pays.</param>
/// <param name="ApiKeyId">The key that submitted it.</param>
/// <param name="Quantum">Quantum slug.</param>
/// <param name="Action">Action name.</param>
/// <param name="InputJson">The validated input document.</param>
/// <param name="PricePerUnit">Credits per billable unit, from the registry.</param>
/// <param name="EstimatedCredits">Credits to reserve (never above <paramref name="MaxCredits"/>: the gateway refuses a cap below it).</param>
/// <param name="MaxCredits">The caller's spend cap for the whole cascade, if any.</param>
/// <param name="IdempotencyKey">The <c>Idempotency-Key</c> header, if any.</param>
/// <param name="RequestHash">Hex SHA-256 of the request, to tell a replay from a key reused for another request (with a key only).</param>
[GenerateSerializer, Immutable, Alias("Alavida.Platform.JobSubmission")]
public sealed record JobSubmission(
    [property: Id(0)] Guid JobId,
    [property: Id(1)] Guid TeamId,
    [property: Id(2)] Guid? ApiKeyId,
    [property: Id(3)] string Quantum,
    [property: Id(4)] string Action,
    [property: Id(5)] string InputJson,
    [property: Id(6)] long EstimatedCredits,
    [property: Id(7)] long? MaxCredits,
    [property: Id(8)] string? IdempotencyKey,
    [property: Id(9)] string? RequestHash,
    [property: Id(10)] long PricePerUnit);

/// <summary>How a submission ended.</summary>
public enum AcceptanceOutcome
{
    /// <summary>A new job was created and its credits reserved.</summary>
    Accepted,

    /// <summary>The same Idempotency-Key and request were seen within 24 h: the earlier job is returned.</summary>
    Replayed,

    /// <summary>The Idempotency-Key was used within 24 h for a different request.</summary>
    KeyConflict,

    /// <summary>The balance does not cover the reservation.</summary>
    InsufficientCredits,
}

/// <summary>The result of submitting a job.</summary>
/// <param name="Outcome">What happened.</param>
/// <param name="JobId">The job (new or replayed); empty when rejected.</param>
/// <param name="Balance">The spendable balance after the decision.</param>
/// <param name="Required">The credits the job needed.</param>
/// <param name="CreatedAt">When the accepted job was stored (its <c>created_at</c>); null unless accepted now.</param>
[GenerateSerializer, Immutable, Alias("Alavida.Platform.JobAcceptance")]
public sealed record JobAcceptance(
    [property: Id(0)] AcceptanceOutcome Outcome,
    [property: Id(1)] Guid JobId,
    [property: Id(2)] long Balance,
    [property: Id(3)] long Required,
    [property: Id(4)] DateTimeOffset? CreatedAt = null);

/// <summary>A job just accepted, as stored: what its grain needs to start without reading the row back.</summary>
/// <param name="Submission">The accepted submission.</param>
/// <param name="CreatedAt">The stored <c>created_at</c>.</param>
[GenerateSerializer, Immutable, Alias("Alavida.Platform.AcceptedJob")]
public sealed record AcceptedJob(
    [property: Id(0)] JobSubmission Submission,
    [property: Id(1)] DateTimeOffset CreatedAt);

/// <summary>A job as users see it.</summary>
/// <param name="JobId">The job id (= trace id).</param>
/// <param name="TeamId">The owning team.</param>
/// <param name="Quantum">Quantum slug.</param>
/// <param name="Action">Action name.</param>
/// <param name="Status">Lifecycle status.</param>
/// <param name="CreatedAt">When it was accepted.</param>
/// <param name="StartedAt">When work started.</param>
/// <param name="EndedAt">When it reached a final status.</param>
/// <param name="InputJson">The input document.</param>
/// <param name="ResultJson">The result document, once succeeded.</param>
/// <param name="UsageJson">Usage metrics (units, credits reserved/charged, and quantum-specific figures).</param>
/// <param name="ErrorJson">The error, once failed or cancelled.</param>
/// <param name="ProgressJson">The latest progress report.</param>
[GenerateSerializer, Immutable, Alias("Alavida.Platform.JobView")]
public sealed record JobView(
    [property: Id(0)] Guid JobId,
    [property: Id(1)] Guid TeamId,
    [property: Id(2)] string Quantum,
    [property: Id(3)] string Action,
    [property: Id(4)] JobStatus Status,
    [property: Id(5)] DateTimeOffset CreatedAt,
    [property: Id(6)] DateTimeOffset? StartedAt,
    [property: Id(7)] DateTimeOffset? EndedAt,
    [property: Id(8)] string InputJson,
    [property: Id(9)] string? ResultJson,
    [property: Id(10)] string? UsageJson,
    [property: Id(11)] string? ErrorJson,
    [property: Id(12)] string? ProgressJson)
{
    /// <summary>The W3C trace id that every log line, span, event and run of this job carries.</summary>
    public string TraceId => TraceIdOf(JobId);

    /// <summary>A job's trace id: its id as 32 lowercase hex digits (job id = trace id).</summary>
    public static string TraceIdOf(Guid jobId) => jobId.ToString("N");

    /// <summary>True once the job can no longer change.</summary>
    public bool IsFinal => Status is JobStatus.Succeeded or JobStatus.Failed or JobStatus.Cancelled;
}

/// <summary>Progress a quantum reports while working.</summary>
/// <param name="Done">Units done so far.</param>
/// <param name="Total">Units in all.</param>
/// <param name="Message">A short human-readable note.</param>
[GenerateSerializer, Immutable, Alias("Alavida.Platform.JobProgress")]
public sealed record JobProgress([property: Id(0)] int Done, [property: Id(1)] int Total, [property: Id(2)] string? Message);

/// <summary>What a quantum hands back when it finishes a job.</summary>
/// <param name="ResultJson">The result document.</param>
/// <param name="BillableUnits">Units actually delivered (empty results are not billable).</param>
/// <param name="MetricsJson">Quantum-specific usage figures (a JSON object), merged into the job's usage.</param>
[GenerateSerializer, Immutable, Alias("Alavida.Platform.JobResult")]
public sealed record JobResult([property: Id(0)] string ResultJson, [property: Id(1)] int BillableUnits, [property: Id(2)] string? MetricsJson);

/// <summary>Why a job failed or was cancelled.</summary>
/// <param name="Code">A stable machine-readable code.</param>
/// <param name="Message">A human-readable explanation.</param>
[GenerateSerializer, Immutable, Alias("Alavida.Platform.JobError")]
public sealed record JobError([property: Id(0)] string Code, [property: Id(1)] string Message);

/// <summary>What a cancel request did.</summary>
public enum CancelOutcome
{
    /// <summary>The job was queued or running and is now cancelled.</summary>
    Cancelled,

    /// <summary>The job had already finished; nothing changed.</summary>
    AlreadyFinal,

    /// <summary>No such job.</summary>
    NotFound,
}

/// <summary>A job's own grain: owns its lifecycle and writes it through to <c>public.jobs</c>.</summary>
[Alias("Alavida.Platform.IJobGrain")]
public interface IJobGrain : IGrainWithGuidKey
{
    /// <summary>The job, or null when no job has this id.</summary>
    [Alias("Get")]
    Task<JobView?> GetAsync();

    /// <summary>
    /// Runs the job's action if it still needs running (one run at a time per job; a running or finished job is left
    /// alone, so the reconciler may send it again); the caller does not wait. It interleaves with the job's other
    /// calls, so the job can be read and cancelled while it runs. <paramref name="accepted"/>: the job as just stored,
    /// so the grain need not read it back (null: read it).
    /// </summary>
    [Alias("Run"), Orleans.Concurrency.OneWay, Orleans.Concurrency.AlwaysInterleave]
    Task RunAsync(AcceptedJob? accepted);

    /// <summary>Records progress; returns false when the job was cancelled and the work should stop.</summary>
    [Alias("ReportProgress")]
    Task<bool> ReportProgressAsync(JobProgress progress);

    /// <summary>Finishes the job with a result, settling its credits exactly once.</summary>
    [Alias("Complete")]
    Task<JobView> CompleteAsync(JobResult result);

    /// <summary>Finishes the job with an error, refunding its reservation.</summary>
    [Alias("Fail")]
    Task<JobView> FailAsync(JobError error);

    /// <summary>Cancels a queued or running job, refunding its reservation.</summary>
    [Alias("Cancel")]
    Task<CancelOutcome> CancelAsync();

    /// <summary>
    /// The job once it is final, or as it stands when <paramref name="timeout"/> passes first (a long poll: callers
    /// wait for the outcome without polling). Null when there is no such job.
    /// </summary>
    [Alias("WaitForFinal"), Orleans.Concurrency.AlwaysInterleave]
    Task<JobView?> WaitForFinalAsync(TimeSpan timeout);
}
