namespace Alavida.Grains.Mesh;

/// <summary>
/// An event in Inngest's shape (<c>id</c>, <c>name</c>, <c>data</c>, <c>user</c>, <c>ts</c>, <c>v</c>) plus the
/// <c>trace_id</c> that entered with the first event of a cascade and the owning <c>team_id</c>.
/// </summary>
/// <param name="Id">Unique per team (and among events without a team); a duplicate from the same team within 24 h is accepted once. Empty: the mesh assigns one.</param>
/// <param name="Name">Event name, <c>{domain}/{entity}.{action}</c>.</param>
/// <param name="DataJson">The <c>data</c> payload as a JSON object.</param>
/// <param name="UserJson">The optional <c>user</c> payload as a JSON object.</param>
/// <param name="Ts">Milliseconds since the Unix epoch; 0: the mesh stamps the time of receipt.</param>
/// <param name="V">Optional payload version.</param>
/// <param name="TraceId">Trace id; empty: the event id becomes the trace id.</param>
/// <param name="TeamId">Owning team; null for platform events.</param>
[GenerateSerializer, Immutable, Alias("mesh.event")]
public sealed record MeshEvent(
    [property: Id(0)] string Id,
    [property: Id(1)] string Name,
    [property: Id(2)] string DataJson,
    [property: Id(3)] string? UserJson,
    [property: Id(4)] long Ts,
    [property: Id(5)] string? V,
    [property: Id(6)] string? TraceId,
    [property: Id(7)] string? TeamId);

/// <summary>The outcome of sending events: all of them accepted (or recognised as duplicates), or none on invalid input.</summary>
/// <param name="Ids">The id of every event, in the order sent (assigned ids included).</param>
/// <param name="Duplicates">Ids the same team (or, for events without a team, the platform) sent within the last 24 h: no new runs were started for them.</param>
/// <param name="Errors">Why the input was rejected; empty when it was accepted.</param>
[GenerateSerializer, Immutable, Alias("mesh.send-result")]
public sealed record SendEventsResult(
    [property: Id(0)] IReadOnlyList<string> Ids,
    [property: Id(1)] IReadOnlyList<string> Duplicates,
    [property: Id(2)] IReadOnlyList<MeshInputError> Errors)
{
    /// <summary>True when the events were accepted.</summary>
    public bool Accepted => Errors.Count == 0;
}

/// <summary>A validation error in mesh input.</summary>
/// <param name="Field">The offending field, e.g. <c>events[2].name</c>.</param>
/// <param name="Message">Why it is invalid.</param>
[GenerateSerializer, Immutable, Alias("mesh.input-error")]
public sealed record MeshInputError([property: Id(0)] string Field, [property: Id(1)] string Message);

/// <summary>Filters for listing events; <see cref="TeamId"/> null means every team (platform admin).</summary>
/// <param name="TeamId">Only this team's events.</param>
/// <param name="Name">Only events with this name.</param>
/// <param name="Since">Only events received at or after this time.</param>
/// <param name="Limit">Page size (1-500).</param>
/// <param name="Cursor">The <c>NextCursor</c> of the previous page.</param>
[GenerateSerializer, Immutable, Alias("mesh.event-query")]
public sealed record EventQuery(
    [property: Id(0)] string? TeamId,
    [property: Id(1)] string? Name = null,
    [property: Id(2)] DateTimeOffset? Since = null,
    [property: Id(3)] int Limit = 50,
    [property: Id(4)] string? Cursor = null);

/// <summary>A stored event with the time it was received.</summary>
/// <param name="Event">The event.</param>
/// <param name="ReceivedAt">When the mesh persisted it.</param>
[GenerateSerializer, Immutable, Alias("mesh.stored-event")]
public sealed record StoredEvent([property: Id(0)] MeshEvent Event, [property: Id(1)] DateTimeOffset ReceivedAt);

/// <summary>A page of events, newest first.</summary>
/// <param name="Items">The events.</param>
/// <param name="NextCursor">Cursor of the next page; null at the end.</param>
[GenerateSerializer, Immutable, Alias("mesh.event-page")]
public sealed record EventPage([property: Id(0)] IReadOnlyList<StoredEvent> Items, [property: Id(1)] string? NextCursor);

/// <summary>An event with the runs it started.</summary>
/// <param name="Event">The stored event.</param>
/// <param name="Runs">Runs triggered by it (replays included).</param>
[GenerateSerializer, Immutable, Alias("mesh.event-detail")]
public sealed record EventDetail([property: Id(0)] StoredEvent Event, [property: Id(1)] IReadOnlyList<RunSummary> Runs);
