using System.Text.Json;
using Alavida.Grains.Meetings;

namespace Alavida.Tests.Meetings;

/// <summary>The transcript formats as note-takers export them, and what makes one unusable.</summary>
public sealed class MeetingTranscriptParserTests
{
    [Fact]
    public void Vtt_ZoomSpeakerPayloads_AreSegmentsWithTimes_MultiLineCuesJoined()
    {
        var segments = Vtt(MeetingTranscripts.ZoomVtt);

        Assert.Equal(3, segments.Count);
        Assert.Equal(new TranscriptSegment("Dana Reyes", "Thanks for joining, everyone. Shall we start with how you track freight today?", 1.12, 6.5), segments[0]);
        Assert.Equal(("Chris Park", "We use spreadsheets and Globex. Honestly it is painful."), (segments[1].Speaker, segments[1].Text));
        Assert.Equal((3605.0, 3610.25), (segments[2].StartS!.Value, segments[2].EndS!.Value)); // an hour in
    }

    [Fact]
    public void Vtt_TeamsVoiceTags_WithCueIdsAndNotes_AreSegmentsPerSpeaker()
    {
        var segments = Vtt(MeetingTranscripts.TeamsVtt);

        Assert.Equal(["Dana Reyes", "Chris Park", "Chris Park"], segments.Select(s => s.Speaker));
        Assert.Equal("We moved off Globex last quarter & it hurt.", segments[0].Text);
        Assert.Equal("What drove that? Was it pricing?", segments[1].Text);
        Assert.Equal("Follow-up continues without a voice.", segments[2].Text); // the previous speaker
        Assert.Equal(2.34, segments[0].StartS);
    }

    [Theory]
    [InlineData("Already collapsed text.", "Already collapsed text.")]
    [InlineData("", "")]
    [InlineData("x", "x")]
    [InlineData("  leading and trailing  ", "leading and trailing")]
    [InlineData("two  spaces", "two spaces")]
    [InlineData("a\tb", "a b")]
    [InlineData("line\r\nbreak", "line break")]
    [InlineData("no\u00a0break space", "no break space")]
    [InlineData("em\u2003space and\u2028separator", "em space and separator")]
    [InlineData(" ", "")]
    [InlineData("end ", "end")]
    public void Collapse_WhitespaceRunsBecomeOneSpace_Trimmed_CollapsedTextUnchanged(string text, string expected)
    {
        Assert.Equal(expected, TranscriptParser.Collapse(text));
        Assert.Equal(System.Text.RegularExpressions.Regex.Replace(text, @"\s+", " ").Trim(), TranscriptParser.Collapse(text));
    }

    [Theory]
    [InlineData("00:00:01.000 --> 00:00:02.000\nHi.", "the first line must be WEBVTT")]
    [InlineData("WEBVTT\n\n1\n00:00:01 --> 00:00:02.000\nHi.", "is not a cue timing")]
    [InlineData("WEBVTT\n\n1\nHi there.", "expected a cue timing line")]
    [InlineData("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n\n00:00:03.000 --> 00:00:04.000\nOk.", "the cue has no text")]
    [InlineData("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Dana></v>", "the cue has no text")]
    [InlineData("WEBVTT\n\n00:00:05.000 --> 00:00:02.000\nBackwards.", "ends before it starts")]
    [InlineData("WEBVTT\n\nNOTE only a note\n", "has no cues")]
    [InlineData("WEBVTTX\n\n00:00:01.000 --> 00:00:02.000\nHi.", "the first line must be WEBVTT")]
    public void Vtt_Malformed_IsAProblemAtTheField_AndNoSegments(string vtt, string expected)
    {
        var problems = new List<FieldProblem>();

        var segments = TranscriptParser.ParseVtt(vtt, "/vtt", problems);

        Assert.Empty(segments);
        var problem = Assert.Single(problems);
        Assert.Equal("/vtt", problem.Pointer);
        Assert.Contains(expected, problem.Message);
    }

    [Fact]
    public void Text_SpeakerLines_WithTimesAndContinuations_AreSegments()
    {
        var problems = new List<FieldProblem>();

        var segments = TranscriptParser.ParseText(MeetingTranscripts.PlainText, "/text", problems);

        Assert.Empty(problems);
        Assert.Equal(
            [("Dana Reyes", "Welcome. Let's look at the numbers.", null), ("Chris Park", "At 10:30 we ship. Not before.", 62.0), ("Dana Reyes", "Understood.", null)],
            segments.Select(s => (s.Speaker, s.Text, s.StartS)));
    }

    [Theory]
    [InlineData("{\"text\": \" \\n\\t \"}", "/text")]
    [InlineData("{\"segments\": [{\"speaker\": \"Dana\", \"text\": \"  \"}]}", "/segments/0/text")]
    [InlineData("{\"segments\": [{\"speaker\": \"Dana\", \"text\": \"Hi\", \"start_s\": 5, \"end_s\": 1}]}", "/segments/0/end_s")]
    [InlineData("{\"text\": \"Dana: hi\", \"vtt\": \"WEBVTT\"}", "")]
    [InlineData("{\"title\": \"no transcript\"}", "")]
    [InlineData("{\"text\": \"Dana: hi\", \"started_at\": \"2026-01-02T10:00:00Z\", \"ended_at\": \"2026-01-02T09:00:00Z\"}", "/ended_at")]
    [InlineData("{\"text\": \"Dana: hi\", \"started_at\": \"2026-13-02T10:00:00Z\"}", "/started_at")]
    [InlineData("{\"text\": \"Dana: hi\", \"started_at\": \"2026-01-02T10:00:00Z\", \"ended_at\": \"2026-01-02T25:00:00Z\"}", "/ended_at")]
    public void Rules_NameTheField(string meeting, string pointer)
    {
        var (segments, problems) = MeetingRules.Check(JsonDocument.Parse(meeting).RootElement);

        Assert.Empty(segments);
        Assert.Contains(problems, p => p.Pointer == pointer);
    }

    [Theory]
    [InlineData("2026-03-04T15:00:00.123456789Z")]
    [InlineData("2026-03-04t15:00:00+05:30")]
    public void Rules_AcceptEveryTimeTheSchemaPatternAdmitsOnTheCalendar(string startedAt)
    {
        var (segments, problems) = MeetingRules.Check(JsonSerializer.SerializeToElement(new { text = "Dana: hi", started_at = startedAt }));

        Assert.Empty(problems);
        Assert.Single(segments);
    }

    [Fact]
    public void Rules_TranscriptOverTheLimit_IsAProblem_EvenAcrossSegments()
    {
        var half = new string('a', (MeetingLimits.MaxTranscriptChars / 2) + 1);
        var meeting = JsonSerializer.SerializeToElement(new { segments = new[] { new { speaker = "A", text = half }, new { speaker = "B", text = half } } });

        var (_, problems) = MeetingRules.Check(meeting);

        Assert.Equal("/segments", Assert.Single(problems).Pointer);
    }

    private static IReadOnlyList<TranscriptSegment> Vtt(string vtt)
    {
        var problems = new List<FieldProblem>();
        var segments = TranscriptParser.ParseVtt(vtt, "/vtt", problems);
        Assert.Empty(problems);
        return segments;
    }
}

/// <summary>Transcripts as the note-takers export them.</summary>
public static class MeetingTranscripts
{
    /// <summary>Zoom's cloud-recording transcript: numbered cues, "Name: text" payloads, CRLF line ends.</summary>
    public static readonly string ZoomVtt = string.Join("\r\n",
        "WEBVTT", "",
        "1", "00:00:01.120 --> 00:00:06.500", "Dana Reyes: Thanks for joining, everyone.", "Shall we start with how you track freight today?", "",
        "2", "00:00:07.000 --> 00:00:11.310", "Chris Park: We use spreadsheets and Globex. Honestly it is painful.", "",
        "3", "01:00:05.000 --> 01:00:10.250", "Dana Reyes: Let's follow up next week with pricing.", "");

    /// <summary>A Teams transcript: NOTE block, GUID cue ids, voice tags, entities, a cue without a voice.</summary>
    public const string TeamsVtt = """
        WEBVTT

        NOTE
        Generated by Microsoft Teams.
        Speakers are identified by voice tags.

        3f1c0c3e-1a2b-4c5d-9e8f-0a1b2c3d4e5f/12-0
        00:00:02.340 --> 00:00:05.120
        <v Dana Reyes>We moved off Globex last quarter &amp; it hurt.</v>

        3f1c0c3e-1a2b-4c5d-9e8f-0a1b2c3d4e5f/13-0
        00:00:05.500 --> 00:00:08.000 align:start position:10%
        <v Chris Park>What drove that?
        Was it pricing?</v>

        3f1c0c3e-1a2b-4c5d-9e8f-0a1b2c3d4e5f/14-0
        00:00:08.200 --> 00:00:09.000
        Follow-up continues without a voice.
        """;

    /// <summary>Plain text as Granola or a copy-paste gives it: speaker lines, a time, a continuation line.</summary>
    public const string PlainText = """
        Dana Reyes: Welcome.
        Let's look at the numbers.

        [01:02] Chris Park: At 10:30 we ship. Not before.
        Dana Reyes: Understood.
        """;
}
