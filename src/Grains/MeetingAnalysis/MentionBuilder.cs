using Alavida.Grains.Identity.Rules;
using Alavida.Grains.Meetings;

namespace Alavida.Grains.MeetingAnalysis;

/// <summary>A participant of a mentioned company, as the event and the mention list them.</summary>
public sealed record MentionParticipant(string Name, string? Email, string? Title, Guid? PersonId);

/// <summary>One company a meeting is about, before its intents are read.</summary>
public sealed record MentionDraft(
    Guid MeetingId, Guid CompanyId, string? Name, string? Domain, IReadOnlyList<string> Sources, IReadOnlyList<Snippet> Snippets,
    IReadOnlyList<MentionParticipant> Participants);

/// <summary>
/// Turns the candidates identity resolved to one company into its mention: the sources, the participants who work there,
/// and the snippets worth keeping (those that name the company, and what its people said), bounded in number and length.
/// </summary>
public sealed class MentionBuilder(int maxSnippets, int maxSnippetChars)
{
    /// <summary>The mention of <paramref name="companyId"/>; <paramref name="intentsAt"/> counts the intent phrases of a segment (memoized by the caller).</summary>
    public MentionDraft Build(AnalysisMeeting meeting, Guid companyId, IReadOnlyList<Candidate> group, IEnumerable<int> employees, Func<int, int> intentsAt)
    {
        var participants = group.SelectMany(c => c.Participants).Concat(employees).Distinct().Order().ToList();
        var speakers = participants.Select(i => TextRules.Fold(meeting.Participants[i].Name)).ToList();
        var places = group.SelectMany(c => c.Places).GroupBy(p => p.Segment).ToDictionary(g => g.Key, g => g.First());

        var pool = new List<(int Segment, bool Named, int Intents)>();
        var spokenBy = new Dictionary<string, bool>(StringComparer.Ordinal); // a call has a handful of speaker labels
        for (var s = 0; s < meeting.Segments.Count; s++)
        {
            var named = places.ContainsKey(s);
            var speaker = meeting.Segments[s].Speaker;
            if (named || speakers.Count > 0 && (spokenBy.TryGetValue(speaker, out var ours) ? ours : spokenBy[speaker] = IsSpokenBy(speaker, speakers)))
            {
                pool.Add((s, named, intentsAt(s)));
            }
        }

        var chosen = pool.OrderByDescending(p => p.Named && p.Intents > 0).ThenByDescending(p => p.Named).ThenByDescending(p => p.Intents).ThenBy(p => p.Segment)
            .Take(maxSnippets).OrderBy(p => p.Segment)
            .Select(p => Cut(meeting.Segments[p.Segment], places.TryGetValue(p.Segment, out var place) ? place : null)).ToList();

        var best = group.FirstOrDefault(c => c.Sources.Contains(MentionSources.LegalName)) ?? group.FirstOrDefault(c => c.Name is not null);
        var domain = group.Select(c => c.Domain).FirstOrDefault(d => d is not null);
        return new MentionDraft(
            meeting.MeetingId, companyId, best?.Name ?? domain, domain,
            [.. group.SelectMany(c => c.Sources).Distinct().Order(StringComparer.Ordinal)], chosen,
            [.. participants.Select(i => meeting.Participants[i]).Select(p => new MentionParticipant(p.Name, p.Email, p.Title, p.PersonId))]);
    }

    // "Jane" speaks for "Jane Doe": a speaker label is a participant's name or its first word.
    private static bool IsSpokenBy(string speaker, List<string> names)
    {
        var folded = TextRules.Fold(speaker);
        return folded.Length > 0 && names.Any(n => n == folded || n.StartsWith(folded + " ", StringComparison.Ordinal));
    }

    /// <summary>The segment's text, or a window of it around the place the company is named, cut at words.</summary>
    private Snippet Cut(TranscriptSegment segment, Place? place)
    {
        var text = segment.Text;
        if (text.Length <= maxSnippetChars)
        {
            return new Snippet(segment.Speaker, segment.StartS, text, place is not null);
        }

        var centre = place is { } p ? p.Start + p.Length / 2 : 0;
        var start = Math.Clamp(centre - maxSnippetChars / 2, 0, text.Length - maxSnippetChars + 2);
        var end = Math.Min(text.Length, start + maxSnippetChars - 2);
        while (start > 0 && start < end && !char.IsWhiteSpace(text[start - 1]))
        {
            start++;
        }

        while (end < text.Length && end > start && !char.IsWhiteSpace(text[end]))
        {
            end--;
        }

        return new Snippet(segment.Speaker, segment.StartS, $"{(start > 0 ? "…" : "")}{text[start..end].Trim()}{(end < text.Length ? "…" : "")}", place is not null);
    }
}
