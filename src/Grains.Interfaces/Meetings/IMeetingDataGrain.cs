namespace Alavida.Grains.Meetings;

/// <summary>A list request for a team's meetings (<c>GET /meeting-sync/data/meetings</c>).</summary>
/// <param name="TeamId">The caller's team; only its meetings are visible.</param>
/// <param name="Source">Only meetings from this source.</param>
/// <param name="ExternalId">Only the meeting with this id in its source.</param>
/// <param name="Since">Only meetings that started at or after this time.</param>
/// <param name="CompanyId">Only meetings with a participant of this company.</param>
/// <param name="PersonId">Only meetings this person attended.</param>
/// <param name="TraceId">Only meetings stored or last changed by this trace.</param>
/// <param name="Limit">Page size.</param>
/// <param name="Cursor">The previous page's <c>next_cursor</c>.</param>
[GenerateSerializer, Immutable, Alias("Alavida.Meetings.MeetingQuery")]
public sealed record MeetingQuery(
    [property: Id(0)] Guid TeamId,
    [property: Id(1)] string? Source,
    [property: Id(2)] string? ExternalId,
    [property: Id(3)] DateTimeOffset? Since,
    [property: Id(4)] Guid? CompanyId,
    [property: Id(5)] Guid? PersonId,
    [property: Id(6)] string? TraceId,
    [property: Id(7)] int Limit,
    [property: Id(8)] string? Cursor);

/// <summary>One page of meetings as JSON objects, newest start first (fields in meeting-sync's SKILL.md).</summary>
/// <param name="ItemsJson">Each meeting as a JSON object (without participants and segments).</param>
/// <param name="NextCursor">Cursor of the next page; null at the end.</param>
[GenerateSerializer, Immutable, Alias("Alavida.Meetings.MeetingPage")]
public sealed record MeetingPage([property: Id(0)] IReadOnlyList<string> ItemsJson, [property: Id(1)] string? NextCursor);

/// <summary>Reads meeting-sync's data, always within one team.</summary>
[Alias("Alavida.Meetings.IMeetingDataGrain")]
public interface IMeetingDataGrain : IGrainWithIntegerKey
{
    /// <summary>A page of meetings; throws <see cref="ArgumentException"/> for a foreign cursor.</summary>
    [Alias("List")]
    Task<MeetingPage> ListAsync(MeetingQuery query);

    /// <summary>One meeting with its participants and segments as a JSON object, or null when the team has none with that id.</summary>
    [Alias("Get")]
    Task<string?> GetAsync(Guid teamId, Guid meetingId);
}
