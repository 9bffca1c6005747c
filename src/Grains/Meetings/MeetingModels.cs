using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Alavida.Grains.Identity.Rules;

namespace Alavida.Grains.Meetings;

/// <summary>meeting-sync's event names (PRODUCT.md §5).</summary>
public static class MeetingEvents
{
    /// <summary>A connector's meeting (data = one meeting, as in <c>ingest</c>).</summary>
    public const string TranscriptReceived = "meeting/transcript.received";

    /// <summary>A meeting stored or changed: <c>{meeting_id, source, external_id}</c>.</summary>
    public const string TranscriptAdded = "meeting/transcript.added";
}

/// <summary>A participant as sent, and who identity says they are.</summary>
public sealed record MeetingParticipant(string Name, string? Email, string? Title, string? Company, string? Role)
{
    public Guid? PersonId { get; init; }

    public Guid? CompanyId { get; init; }
}

/// <summary>A meeting checked by <see cref="MeetingRules"/>, its transcript as segments.</summary>
public sealed record Meeting(
    string Source, string ExternalId, string Title, DateTimeOffset StartedAt, DateTimeOffset? EndedAt, string? OrganizerEmail,
    IReadOnlyList<MeetingParticipant> Participants, string Format, IReadOnlyList<TranscriptSegment> Segments)
{
    // Fixed, never to change: a meeting's id is derived from the team and its (source, external_id).
    private static readonly Guid IdNamespace = new("2d6c1f0e-8b47-4c39-a5e2-91f3b07d4c68");

    /// <summary>The meeting's id: the same for every re-send of (source, external_id) by the team.</summary>
    public Guid IdFor(Guid teamId) => DeterministicIds.Create(IdNamespace, $"{teamId:N}\n{Source}\n{ExternalId}");

    /// <summary>
    /// SHA-256 (hex) of what the meeting says once normalised: title, times, organizer, participants and segments. The
    /// format it came in does not count, so the same words re-sent as segments instead of text are unchanged.
    /// </summary>
    public string ContentHash()
    {
        var content = new JsonObject
        {
            ["title"] = Title,
            ["started_at"] = StartedAt.UtcTicks,
            ["ended_at"] = EndedAt?.UtcTicks,
            ["organizer_email"] = OrganizerEmail,
            ["participants"] = new JsonArray([.. Participants.Select(p => (JsonNode)new JsonArray(p.Name, p.Email, p.Title, p.Company, p.Role))]),
            ["segments"] = new JsonArray([.. Segments.Select(s => (JsonNode)new JsonArray(s.Speaker, s.Text, s.StartS, s.EndS))]),
        };
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(content.ToJsonString())));
    }

    /// <summary>A meeting from its JSON (schema-valid); the problems of <see cref="MeetingRules"/> when it breaks them.</summary>
    public static (Meeting? Meeting, IReadOnlyList<FieldProblem> Problems) Parse(JsonElement json)
    {
        var (segments, problems) = MeetingRules.Check(json);
        if (problems.Count > 0)
        {
            return (null, problems);
        }

        var participants = json.GetProperty("participants").EnumerateArray()
            .Select(p => new MeetingParticipant(
                TranscriptParser.Collapse(Json.Str(p, "name")!), Trimmed(p, "email"), Trimmed(p, "title"), Trimmed(p, "company"), Json.Str(p, "role")))
            .ToList();
        return (new Meeting(
            Json.Str(json, "source")!, Json.Str(json, "external_id")!, Json.Str(json, "title")!,
            MeetingRules.Time(Json.Str(json, "started_at")!)!.Value,
            Json.Str(json, "ended_at") is { } ended ? MeetingRules.Time(ended) : null,
            Trimmed(json, "organizer_email"), participants,
            MeetingRules.TranscriptFields.First(f => json.TryGetProperty(f, out _)), segments), problems);
    }

    private static string? Trimmed(JsonElement json, string name) => Json.Str(json, name)?.Trim() is { Length: > 0 } value ? value : null;
}
