namespace Alavida.Grains.Mesh;

/// <summary>
/// The mesh's front door: send events, query and control runs and functions. A stateless worker on every silo, so
/// any caller (the HTTP gateway, a quantum) reaches the nearest one. <c>teamId</c> scopes every read and control
/// operation to one team; null means the platform admin, who sees all.
/// </summary>
[Alias("mesh.IMeshGrain")]
public interface IMeshGrain : IGrainWithIntegerKey
{
    /// <summary>Validates, persists (returns only after commit) and routes events to every matching function.</summary>
    [Alias("SendAsync")]
    Task<SendEventsResult> SendAsync(IReadOnlyList<MeshEvent> events);

    /// <summary>Lists runs, newest first, with cursor paging.</summary>
    [Alias("QueryRunsAsync")]
    Task<RunPage> QueryRunsAsync(RunQuery query);

    /// <summary>One run with its steps; null when absent or another team's.</summary>
    [Alias("GetRunAsync")]
    Task<RunDetail?> GetRunAsync(Guid runId, string? teamId);

    /// <summary>Cancels an unfinished run.</summary>
    [Alias("CancelRunAsync")]
    Task<MeshControlResult> CancelRunAsync(Guid runId, string? teamId);

    /// <summary>Starts a new run of the same function from the same event.</summary>
    [Alias("ReplayRunAsync")]
    Task<MeshControlResult> ReplayRunAsync(Guid runId, string? teamId);

    /// <summary>Lists events, newest first, with cursor paging.</summary>
    [Alias("QueryEventsAsync")]
    Task<EventPage> QueryEventsAsync(EventQuery query);

    /// <summary>
    /// One event with the runs it started; null when absent or another team's. Event ids are unique per team, so for
    /// the platform admin (<paramref name="teamId"/> null) an id that several teams used names no single event: null
    /// then too, and <see cref="FindEventsAsync"/> lists them.
    /// </summary>
    [Alias("GetEventAsync")]
    Task<EventDetail?> GetEventAsync(string eventId, string? teamId);

    /// <summary>
    /// Every event stored under <paramref name="eventId"/>, each with the runs it started, newest first: the team's own
    /// (at most one), or for the platform admin (<paramref name="teamId"/> null) one per team that used the id and one
    /// among the events without a team.
    /// </summary>
    [Alias("FindEventsAsync")]
    Task<IReadOnlyList<EventDetail>> FindEventsAsync(string eventId, string? teamId);

    /// <summary>Every registered function with its triggers, flow control and paused state, ordered by id. Functions are platform-wide.</summary>
    [Alias("ListFunctionsAsync")]
    Task<IReadOnlyList<MeshFunctionView>> ListFunctionsAsync();

    /// <summary>Pauses a function: events keep arriving and their runs wait (status paused) until it is resumed. Admin operation.</summary>
    [Alias("PauseFunctionAsync")]
    Task<MeshControlResult> PauseFunctionAsync(string functionId);

    /// <summary>Resumes a paused function and starts the runs that waited.</summary>
    [Alias("ResumeFunctionAsync")]
    Task<MeshControlResult> ResumeFunctionAsync(string functionId);
}
