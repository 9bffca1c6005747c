namespace Alavida.Grains.Mesh;

/// <summary>
/// A mesh function registered from C#: <c>services.AddMeshFunction(new MeshFunctionDefinition { ... })</c>. One run
/// per (function, matching event); options follow Inngest's names.
/// </summary>
public sealed class MeshFunctionDefinition
{
    /// <summary>Stable id (lowercase letters, digits, <c>-_./</c>).</summary>
    public required string Id { get; init; }

    /// <summary>Event and cron triggers; at least one.</summary>
    public required IReadOnlyList<MeshTrigger> Triggers { get; init; }

    /// <summary>The function body. Its return value (JSON-serialised) is the run's output.</summary>
    public required Func<MeshContext, Task<object?>> Handler { get; init; }

    /// <summary>At most two concurrency limits; a run holds a slot of each while it executes.</summary>
    public IReadOnlyList<MeshConcurrency> Concurrency { get; init; } = [];

    /// <summary>Retries after the first attempt (default 3) with exponential backoff and jitter.</summary>
    public MeshRetries Retries { get; init; } = new(3);

    /// <summary>At most <c>Limit</c> run starts per <c>Period</c> (per key); the rest wait.</summary>
    public MeshThrottle? Throttle { get; init; }

    /// <summary>Start only the last run of a burst, once <c>Period</c> passes without a newer event (per key).</summary>
    public MeshDebounce? Debounce { get; init; }

    /// <summary>Cancel a run when one of these events arrives.</summary>
    public IReadOnlyList<MeshCancelOn> CancelOn { get; init; } = [];

    /// <summary>Cancel a run that waits too long to start or takes too long to finish.</summary>
    public MeshTimeouts? Timeouts { get; init; }

    /// <summary>CEL key expression: one run per key value within 24 h.</summary>
    public string? Idempotency { get; init; }

    /// <summary>Runs (as function <c>{Id}-failure</c>) after a run of this function finally fails.</summary>
    public Func<MeshContext, MeshFailure, Task>? OnFailure { get; init; }
}

/// <summary>A trigger: an event name with an optional CEL filter over <c>event</c>, or a cron schedule.</summary>
public sealed record MeshTrigger(string? Event, string? If, string? Cron, string? TimeZone)
{
    /// <summary>Triggered by events named <paramref name="name"/> for which <paramref name="ifExpression"/> (CEL over <c>event</c>) is true.</summary>
    public static MeshTrigger OnEvent(string name, string? ifExpression = null) => new(name, ifExpression, null, null);

    /// <summary>Triggered on a cron schedule (5 fields, or 6 with seconds) in a time zone (IANA id, default UTC).</summary>
    public static MeshTrigger OnCron(string cron, string timeZone = "UTC") => new(null, null, cron, timeZone);

    /// <summary>The event name of a trigger that considers every event (<see cref="OnAnyEvent"/>).</summary>
    public const string AnyEvent = "*";

    /// <summary>
    /// Triggered by any event for which <paramref name="accepts"/> is true. It is asked for every event the silo
    /// accepts, on the accepting path: keep it to an in-memory lookup (webhooks: does the event's team subscribe to it).
    /// </summary>
    public static MeshTrigger OnAnyEvent(Func<MeshEvent, bool> accepts) => new(AnyEvent, null, null, null) { Accepts = accepts };

    /// <summary>For <see cref="OnAnyEvent"/>: which events start a run.</summary>
    public Func<MeshEvent, bool>? Accepts { get; init; }
}

/// <summary>Concurrency scope: per function within each team, or shared platform-wide by every function using the same key (account).</summary>
public enum MeshConcurrencyScope
{
    /// <summary>The limit applies to this function's runs of one team (per key value).</summary>
    Function,

    /// <summary>
    /// The limit applies across functions and teams to runs with the same key value: the platform's account, for a
    /// resource every team shares (an outside provider's rate, a connection budget).
    /// </summary>
    Account,
}

/// <summary>At most <paramref name="Limit"/> runs executing at once, per value of <paramref name="Key"/> (CEL) if given.</summary>
public sealed record MeshConcurrency(int Limit, string? Key = null, MeshConcurrencyScope Scope = MeshConcurrencyScope.Function);

/// <summary>Retry policy: <paramref name="Count"/> retries, delay <c>min(Max, Base·2^(attempt-1))</c> with ±25 % jitter.</summary>
public sealed record MeshRetries(int Count, TimeSpan? BaseDelay = null, TimeSpan? MaxDelay = null)
{
    /// <summary>The first delay when <see cref="BaseDelay"/> is not given.</summary>
    public static readonly TimeSpan DefaultBaseDelay = TimeSpan.FromSeconds(1);

    /// <summary>The longest delay when <see cref="MaxDelay"/> is not given.</summary>
    public static readonly TimeSpan DefaultMaxDelay = TimeSpan.FromMinutes(10);
}

/// <summary>At most <paramref name="Limit"/> starts per <paramref name="Period"/>, per value of <paramref name="Key"/>.</summary>
public sealed record MeshThrottle(int Limit, TimeSpan Period, string? Key = null);

/// <summary>Debounce runs per value of <paramref name="Key"/> by <paramref name="Period"/>.</summary>
public sealed record MeshDebounce(TimeSpan Period, string? Key = null);

/// <summary>
/// Cancel a run when an event named <paramref name="Event"/> arrives whose value at <paramref name="Match"/>
/// (a path such as <c>data.order_id</c>) equals the triggering event's value at the same path. No match: any such event.
/// </summary>
public sealed record MeshCancelOn(string Event, string? Match = null);

/// <summary>Cancel a run not started within <paramref name="Start"/> of being accepted, or not finished within <paramref name="Finish"/> of starting.</summary>
public sealed record MeshTimeouts(TimeSpan? Start = null, TimeSpan? Finish = null);

/// <summary>What an <c>onFailure</c> handler receives.</summary>
public sealed record MeshFailure(string FunctionId, Guid RunId, string Error, MeshEvent OriginalEvent);

/// <summary>Throw from a function or step to fail the run at once, without retries.</summary>
public sealed class NonRetriableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Throw from a function (outside its steps) to end the run as <c>skipped</c> without doing its work, e.g. when the
/// cascade's spend cap is reached. The message is the run's recorded reason.
/// </summary>
public sealed class SkipRunException(string reason) : Exception(reason);

/// <summary>Throw from a function or step to retry after <see cref="Delay"/> instead of the backoff.</summary>
public sealed class RetryAfterException(TimeSpan delay, string message) : Exception(message)
{
    /// <summary>How long to wait before the next attempt.</summary>
    public TimeSpan Delay { get; } = delay;
}

/// <summary>An invalid function definition, with every problem found.</summary>
public sealed class MeshDefinitionException(string functionId, IReadOnlyList<string> problems)
    : Exception($"Mesh function '{functionId}' is invalid: {string.Join("; ", problems)}")
{
    /// <summary>Each problem, naming the option.</summary>
    public IReadOnlyList<string> Problems { get; } = problems;
}
