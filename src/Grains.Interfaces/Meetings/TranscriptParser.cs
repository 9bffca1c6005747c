using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace Alavida.Grains.Meetings;

/// <summary>One utterance of a transcript: who spoke, what was said, and when (seconds from the start) when known.</summary>
/// <param name="Speaker">The speaker as the transcript names them.</param>
/// <param name="Text">What they said (whitespace collapsed, markup removed).</param>
/// <param name="StartS">Start, in seconds from the beginning of the meeting.</param>
/// <param name="EndS">End, in seconds from the beginning of the meeting.</param>
public sealed record TranscriptSegment(string Speaker, string Text, double? StartS, double? EndS);

/// <summary>A problem in an input, at a JSON pointer relative to what was checked.</summary>
/// <param name="Pointer">Where, e.g. <c>/vtt</c> or <c>/segments/3/text</c> (empty for the object itself).</param>
/// <param name="Message">Why, in words a user can act on.</param>
public sealed record FieldProblem(string Pointer, string Message);

/// <summary>
/// Turns the two text formats of a transcript into segments: WebVTT as Zoom, Google Meet and Teams export it, and plain
/// text with one <c>Speaker: line</c> per line. Pure functions, so the gateway validates with the same code the silo
/// stores with.
/// </summary>
public static partial class TranscriptParser
{
    /// <summary>The speaker of an utterance whose transcript names nobody (and nobody spoke before it).</summary>
    public const string UnknownSpeaker = "Unknown";

    /// <summary>Longest text before a colon that is read as a speaker's name.</summary>
    public const int MaxSpeakerLength = 80;

    /// <summary>
    /// Parses WebVTT: the <c>WEBVTT</c> header, then cues (an optional id line, a timing line
    /// <c>00:00:01.000 --> 00:00:04.000</c> with optional settings, one or more lines of text); <c>NOTE</c>,
    /// <c>STYLE</c> and <c>REGION</c> blocks are skipped. The speaker is a cue's voice tag (<c>&lt;v Dana&gt;</c>), else
    /// its <c>Dana: …</c> prefix, else the previous cue's speaker. Problems are reported at <paramref name="pointer"/>
    /// with the line number; any problem means no segments.
    /// </summary>
    public static IReadOnlyList<TranscriptSegment> ParseVtt(string vtt, string pointer, List<FieldProblem> problems)
    {
        var lines = Lines(vtt.TrimStart('\uFEFF'));
        if (lines.Length == 0 || !IsBlockStart(lines[0], "WEBVTT"))
        {
            problems.Add(new FieldProblem(pointer, "is not WebVTT: the first line must be WEBVTT"));
            return [];
        }

        var segments = new List<TranscriptSegment>();
        var before = problems.Count;
        var i = SkipBlock(lines, 0); // the header block
        while (i < lines.Length && problems.Count - before < 10)
        {
            if (lines[i].Trim().Length == 0)
            {
                i++;
                continue;
            }

            if (IsBlockStart(lines[i], "NOTE") || IsBlockStart(lines[i], "STYLE") || IsBlockStart(lines[i], "REGION"))
            {
                i = SkipBlock(lines, i);
                continue;
            }

            var timingLine = lines[i].Contains("-->", StringComparison.Ordinal) ? i : i + 1; // else the first line is the cue's id
            if (timingLine >= lines.Length || lines[timingLine].Trim().Length == 0 || !lines[timingLine].Contains("-->", StringComparison.Ordinal))
            {
                problems.Add(new FieldProblem(pointer, $"line {i + 1}: expected a cue timing line such as 00:00:01.000 --> 00:00:04.000"));
                i = SkipBlock(lines, i);
                continue;
            }

            var timing = Timing().Match(lines[timingLine]);
            if (!timing.Success || Seconds(timing.Groups["start"].Value) is not { } start || Seconds(timing.Groups["end"].Value) is not { } end)
            {
                problems.Add(new FieldProblem(pointer, $"line {timingLine + 1}: '{Shorten(lines[timingLine])}' is not a cue timing (hh:mm:ss.mmm --> hh:mm:ss.mmm)"));
                i = SkipBlock(lines, i);
                continue;
            }

            if (end < start)
            {
                problems.Add(new FieldProblem(pointer, $"line {timingLine + 1}: the cue ends before it starts"));
            }

            var payload = new List<string>();
            for (i = timingLine + 1; i < lines.Length && lines[i].Trim().Length > 0; i++)
            {
                payload.Add(lines[i]);
            }

            var (speaker, text) = Cue(payload, segments.Count > 0 ? segments[^1].Speaker : UnknownSpeaker);
            if (text.Length == 0)
            {
                problems.Add(new FieldProblem(pointer, $"line {timingLine + 1}: the cue has no text"));
                continue;
            }

            segments.Add(new TranscriptSegment(speaker, text, start, end));
        }

        if (problems.Count == before && segments.Count == 0)
        {
            problems.Add(new FieldProblem(pointer, "has no cues: the transcript is empty"));
        }

        return problems.Count == before ? segments : [];
    }

    /// <summary>
    /// Parses plain text: each line <c>Speaker: what they said</c>, optionally after a time (<c>[01:02]</c>, <c>[00:01:02]</c> or
    /// <c>00:01:02</c>); a line without a speaker continues the previous utterance. Blank lines are ignored.
    /// </summary>
    public static IReadOnlyList<TranscriptSegment> ParseText(string text, string pointer, List<FieldProblem> problems)
    {
        var segments = new List<TranscriptSegment>();
        foreach (var raw in Lines(text))
        {
            var line = Collapse(raw);
            if (line.Length == 0)
            {
                continue;
            }

            double? at = null;
            if (LeadingTime().Match(line) is { Success: true } time && Seconds(time.Groups["t"].Value) is { } seconds)
            {
                at = seconds;
                line = line[time.Length..].TrimStart();
            }

            if (SpeakerPrefix(line) is { } said)
            {
                segments.Add(new TranscriptSegment(said.Speaker, said.Text, at, null));
            }
            else if (segments.Count > 0 && at is null)
            {
                segments[^1] = segments[^1] with { Text = $"{segments[^1].Text} {line}" };
            }
            else
            {
                segments.Add(new TranscriptSegment(segments.Count > 0 ? segments[^1].Speaker : UnknownSpeaker, line, at, null));
            }
        }

        segments.RemoveAll(s => s.Text.Length == 0);
        if (segments.Count == 0)
        {
            problems.Add(new FieldProblem(pointer, "has no text: the transcript is empty"));
        }

        return segments;
    }

    /// <summary>Whitespace (line breaks included) collapsed to single spaces, trimmed.</summary>
    public static string Collapse(string text) => IsCollapsed(text) ? text : Whitespace().Replace(text, " ").Trim();

    /// <summary>
    /// True when <paramref name="text"/> is already collapsed: no whitespace but single spaces between other characters.
    /// Most utterances are, and a scan without allocating is far cheaper than the replacement that would copy them.
    /// </summary>
    private static bool IsCollapsed(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsWhiteSpace(text[i]) && (text[i] != ' ' || i == 0 || i == text.Length - 1 || char.IsWhiteSpace(text[i + 1])))
            {
                return false;
            }
        }

        return true;
    }

    private static (string Speaker, string Text) Cue(List<string> payload, string previousSpeaker)
    {
        var joined = string.Join(' ', payload);
        string? speaker = null;
        if (Voice().Match(joined) is { Success: true } voice)
        {
            speaker = Collapse(WebUtility.HtmlDecode(voice.Groups["name"].Value));
        }

        var text = Collapse(WebUtility.HtmlDecode(Tag().Replace(joined, "")));
        if (speaker is null or "" && SpeakerPrefix(text) is { } said)
        {
            return (said.Speaker, said.Text);
        }

        return (speaker is null or "" ? previousSpeaker : speaker, text);
    }

    /// <summary><c>Name: text</c> with a plausible name (not a time, not a sentence), or null.</summary>
    private static (string Speaker, string Text)? SpeakerPrefix(string line)
    {
        var colon = line.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon > MaxSpeakerLength || (colon + 1 < line.Length && !char.IsWhiteSpace(line[colon + 1])))
        {
            return null;
        }

        var name = line[..colon].Trim();
        return name.Length == 0 || name.Any(c => c is '.' or '?' or '!' or '"') || !name.Any(char.IsLetter)
            ? null
            : (name, line[(colon + 1)..].Trim());
    }

    private static string[] Lines(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n').Split('\n');

    private static bool IsBlockStart(string line, string keyword) =>
        line.StartsWith(keyword, StringComparison.Ordinal) && (line.Length == keyword.Length || line[keyword.Length] is ' ' or '\t');

    private static int SkipBlock(string[] lines, int i)
    {
        while (i < lines.Length && lines[i].Trim().Length > 0)
        {
            i++;
        }

        return i;
    }

    /// <summary><c>hh:mm:ss.mmm</c> or <c>mm:ss.mmm</c> (hours of any length) in seconds; the text form a leading time may also take (<c>hh:mm:ss</c>).</summary>
    private static double? Seconds(string value)
    {
        var parts = value.Split(':');
        if (parts.Length is < 2 or > 3)
        {
            return null;
        }

        var hours = parts.Length == 3 ? long.Parse(parts[0], CultureInfo.InvariantCulture) : 0;
        var minutes = int.Parse(parts[^2], CultureInfo.InvariantCulture);
        var seconds = double.Parse(parts[^1], CultureInfo.InvariantCulture);
        return minutes > 59 || seconds >= 60 ? null : (hours * 3600) + (minutes * 60) + seconds;
    }

    private static string Shorten(string line) => line.Length <= 60 ? line : line[..60] + "…";

    [GeneratedRegex(@"^\s*(?<start>(\d{1,9}:)?\d{2}:\d{2}\.\d{3})[ \t]+-->[ \t]+(?<end>(\d{1,9}:)?\d{2}:\d{2}\.\d{3})([ \t].*)?$")]
    private static partial Regex Timing();

    [GeneratedRegex(@"^(\[(?<t>(\d{1,3}:)?\d{1,2}:\d{2})\]|(?<t>\d{1,3}:\d{2}:\d{2}))(\s+|$)")]
    private static partial Regex LeadingTime();

    [GeneratedRegex(@"<v(\.[^ \t>]*)?[ \t]+(?<name>[^>]*)>")]
    private static partial Regex Voice();

    [GeneratedRegex("<[^>]*>")]
    private static partial Regex Tag();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
