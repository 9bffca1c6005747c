namespace Alavida.Grains.Mesh;

/// <summary>A registered function as configured: its triggers, its flow control and whether it is paused.</summary>
/// <param name="Id">Function id; may contain <c>/</c> (e.g. <c>lead-discovery/discover-qualified-company</c>).</param>
/// <param name="Triggers">The events (with their filter expressions) and cron schedules that start it.</param>
/// <param name="Concurrency">Its concurrency limits (empty: unlimited).</param>
/// <param name="Throttle">Its start rate limit, if any.</param>
/// <param name="Debounce">Its debounce, if any.</param>
/// <param name="Retries">Its retry policy, defaults filled in.</param>
/// <param name="Timeouts">Its start and finish timeouts, if any.</param>
/// <param name="Idempotency">Its idempotency key expression (one run per value within 24 h), if any.</param>
/// <param name="CancelOn">The events that cancel its runs.</param>
/// <param name="OnFailure">The id of the function that runs after its runs finally fail, if it has one.</param>
/// <param name="Paused">True while paused: its events are kept and their runs wait until it is resumed.</param>
[GenerateSerializer, Immutable, Alias("mesh.function-view")]
public sealed record MeshFunctionView(
    [property: Id(0)] string Id,
    [property: Id(1)] IReadOnlyList<MeshTriggerView> Triggers,
    [property: Id(2)] IReadOnlyList<MeshConcurrencyView> Concurrency,
    [property: Id(3)] MeshThrottleView? Throttle,
    [property: Id(4)] MeshDebounceView? Debounce,
    [property: Id(5)] MeshRetriesView Retries,
    [property: Id(6)] MeshTimeoutsView? Timeouts,
    [property: Id(7)] string? Idempotency,
    [property: Id(8)] IReadOnlyList<MeshCancelOnView> CancelOn,
    [property: Id(9)] string? OnFailure,
    [property: Id(10)] bool Paused);

/// <summary>A trigger: an event name with an optional filter, or a cron schedule.</summary>
/// <param name="Event">The event name, for an event trigger.</param>
/// <param name="If">The CEL filter over <c>event</c> an event must pass, if any.</param>
/// <param name="Cron">The cron schedule, for a cron trigger.</param>
/// <param name="TimeZone">The cron schedule's IANA time zone.</param>
[GenerateSerializer, Immutable, Alias("mesh.trigger-view")]
public sealed record MeshTriggerView(
    [property: Id(0)] string? Event,
    [property: Id(1)] string? If,
    [property: Id(2)] string? Cron,
    [property: Id(3)] string? TimeZone);

/// <summary>A concurrency limit.</summary>
/// <param name="Limit">Runs executing at once.</param>
/// <param name="Key">The CEL key expression: the limit applies per value (null: to all runs).</param>
/// <param name="Scope"><c>function</c> (this function's runs) or <c>account</c> (every function with the same key).</param>
[GenerateSerializer, Immutable, Alias("mesh.concurrency-view")]
public sealed record MeshConcurrencyView([property: Id(0)] int Limit, [property: Id(1)] string? Key, [property: Id(2)] string Scope);

/// <summary>At most <paramref name="Limit"/> starts per <paramref name="Period"/>, per value of <paramref name="Key"/>.</summary>
/// <param name="Limit">Starts per period.</param>
/// <param name="Period">The period.</param>
/// <param name="Key">The CEL key expression, if any.</param>
[GenerateSerializer, Immutable, Alias("mesh.throttle-view")]
public sealed record MeshThrottleView([property: Id(0)] int Limit, [property: Id(1)] TimeSpan Period, [property: Id(2)] string? Key);

/// <summary>Only the last run of a burst starts, once <paramref name="Period"/> passes without a newer event.</summary>
/// <param name="Period">The quiet period.</param>
/// <param name="Key">The CEL key expression, if any.</param>
[GenerateSerializer, Immutable, Alias("mesh.debounce-view")]
public sealed record MeshDebounceView([property: Id(0)] TimeSpan Period, [property: Id(1)] string? Key);

/// <summary>Retries after the first attempt, with exponential backoff and jitter.</summary>
/// <param name="Count">Retries.</param>
/// <param name="BaseDelay">The first delay.</param>
/// <param name="MaxDelay">The longest delay.</param>
[GenerateSerializer, Immutable, Alias("mesh.retries-view")]
public sealed record MeshRetriesView([property: Id(0)] int Count, [property: Id(1)] TimeSpan BaseDelay, [property: Id(2)] TimeSpan MaxDelay);

/// <summary>Limits on waiting to start and on running.</summary>
/// <param name="Start">A run not started within this of being accepted is cancelled.</param>
/// <param name="Finish">A run not finished within this of starting is cancelled.</param>
[GenerateSerializer, Immutable, Alias("mesh.timeouts-view")]
public sealed record MeshTimeoutsView([property: Id(0)] TimeSpan? Start, [property: Id(1)] TimeSpan? Finish);

/// <summary>An event that cancels runs.</summary>
/// <param name="Event">Its name.</param>
/// <param name="Match">The path (e.g. <c>data.order_id</c>) whose value must equal the run's event's; null: any such event.</param>
[GenerateSerializer, Immutable, Alias("mesh.cancel-on-view")]
public sealed record MeshCancelOnView([property: Id(0)] string Event, [property: Id(1)] string? Match);
