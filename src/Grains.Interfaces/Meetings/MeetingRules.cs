using System.Text.Json;

namespace Alavida.Grains.Meetings;

/// <summary>meeting-sync's limits (docs/meetings.md says why these numbers).</summary>
public static class MeetingLimits
{
    /// <summary>The quantum's slug.</summary>
    public const string Quantum = "meeting-sync";

    /// <summary>Meetings per <c>ingest</c> request.</summary>
    public const int MaxMeetingsPerRequest = 100;

    /// <summary>Characters of one meeting's transcript: its <c>vtt</c> or <c>text</c>, or its segments' text together.</summary>
    public const int MaxTranscriptChars = 1_000_000;
}

/// <summary>
/// What a meeting must satisfy beyond its JSON Schema (the shape: fields, types, lengths): exactly one transcript, in a
/// format that parses to at least one segment with text, within <see cref="MeetingLimits.MaxTranscriptChars"/>, and an
/// end not before its start. The gateway checks it before accepting a request; the silo checks events with it and
/// stores the segments it returns.
/// </summary>
public static class MeetingRules
{
    /// <summary>The transcript fields; a meeting has exactly one.</summary>
    public static readonly IReadOnlyList<string> TranscriptFields = ["segments", "vtt", "text"];

    /// <summary>
    /// Checks a meeting whose shape already matches the schema and normalises its transcript. Problems point inside
    /// the meeting (<c>/vtt</c>, <c>/segments/2/text</c>; empty for the meeting itself); with any problem the
    /// segments are empty.
    /// </summary>
    public static (IReadOnlyList<TranscriptSegment> Segments, IReadOnlyList<FieldProblem> Problems) Check(JsonElement meeting)
    {
        var problems = new List<FieldProblem>();
        var given = TranscriptFields.Where(f => meeting.TryGetProperty(f, out _)).ToList();
        if (given.Count != 1)
        {
            problems.Add(new FieldProblem("", given.Count == 0
                ? "needs a transcript: exactly one of segments, vtt or text"
                : $"has {string.Join(" and ", given)}: send exactly one of segments, vtt or text"));
            return ([], problems);
        }

        foreach (var time in (string[])["started_at", "ended_at"])
        {
            // The schema's pattern admits month 13 or hour 25; the calendar does not.
            if (meeting.TryGetProperty(time, out var at) && at.ValueKind == JsonValueKind.String && Time(at.GetString()!) is null)
            {
                problems.Add(new FieldProblem($"/{time}", "is not a valid date and time (RFC 3339, e.g. 2026-03-04T15:00:00Z)"));
            }
        }

        if (meeting.TryGetProperty("started_at", out var started) && meeting.TryGetProperty("ended_at", out var ended)
            && Time(started.GetString()!) is { } start && Time(ended.GetString()!) is { } end && end < start)
        {
            problems.Add(new FieldProblem("/ended_at", "must not be before started_at"));
        }

        var field = given[0];
        var value = meeting.GetProperty(field);
        var pointer = $"/{field}";
        IReadOnlyList<TranscriptSegment> segments = field switch
        {
            "vtt" => TooLong(value.GetString()!, pointer, problems) ? [] : TranscriptParser.ParseVtt(value.GetString()!, pointer, problems),
            "text" => TooLong(value.GetString()!, pointer, problems) ? [] : TranscriptParser.ParseText(value.GetString()!, pointer, problems),
            _ => Segments(value, pointer, problems),
        };
        return problems.Count == 0 ? (segments, problems) : ([], problems);
    }

    /// <summary>
    /// An RFC 3339 date-time as the schema's pattern admits it (a lowercase <c>t</c> or <c>z</c>, up to nine fractional
    /// digits), or null when the calendar has no such time (month 13, hour 25).
    /// </summary>
    public static DateTimeOffset? Time(string text)
    {
        var reader = new Utf8JsonReader(JsonSerializer.SerializeToUtf8Bytes(text.ToUpperInvariant()));
        return reader.Read() && reader.TryGetDateTimeOffset(out var time) ? time : null;
    }

    private static bool TooLong(string text, string pointer, List<FieldProblem> problems)
    {
        if (text.Length <= MeetingLimits.MaxTranscriptChars)
        {
            return false;
        }

        problems.Add(new FieldProblem(pointer, $"is {text.Length:N0} characters; a transcript may have at most {MeetingLimits.MaxTranscriptChars:N0}"));
        return true;
    }

    private static List<TranscriptSegment> Segments(JsonElement array, string pointer, List<FieldProblem> problems)
    {
        var segments = new List<TranscriptSegment>();
        var total = 0L;
        var i = 0;
        foreach (var item in array.EnumerateArray())
        {
            var text = TranscriptParser.Collapse(item.GetProperty("text").GetString()!);
            var speaker = TranscriptParser.Collapse(item.GetProperty("speaker").GetString()!);
            double? start = item.TryGetProperty("start_s", out var s) ? s.GetDouble() : null;
            double? end = item.TryGetProperty("end_s", out var e) ? e.GetDouble() : null;
            if (text.Length == 0)
            {
                problems.Add(new FieldProblem($"{pointer}/{i}/text", "must have text, not only whitespace"));
            }

            if (speaker.Length == 0)
            {
                problems.Add(new FieldProblem($"{pointer}/{i}/speaker", "must name the speaker, not only whitespace"));
            }

            if (start is not null && end < start)
            {
                problems.Add(new FieldProblem($"{pointer}/{i}/end_s", "must not be before start_s"));
            }

            total += text.Length;
            segments.Add(new TranscriptSegment(speaker, text, start, end));
            i++;
        }

        if (total > MeetingLimits.MaxTranscriptChars)
        {
            problems.Add(new FieldProblem(pointer, $"hold {total:N0} characters of text; a transcript may have at most {MeetingLimits.MaxTranscriptChars:N0}"));
        }

        return segments;
    }
}
