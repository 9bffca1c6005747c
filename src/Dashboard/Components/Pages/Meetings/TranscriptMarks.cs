using System.Text.Json;

namespace Alavida.Dashboard.Components.Pages.Meetings;

/// <summary>A piece of a segment's text: plain, or a company mention or an intent's phrase to highlight.</summary>
public sealed record TranscriptPiece(string Text, string? Kind, string? Label);

/// <summary>
/// Splits a segment's text at the places meeting analysis names: the mentioned companies (their names and domains) and
/// the phrases that decided each intent, as the mentions record them. Case-insensitive; the first and longest match wins.
/// </summary>
public sealed class TranscriptMarks
{
    private readonly List<(string Term, string Kind, string Label)> _terms = [];

    /// <summary>The terms of a meeting's mentions (JSON objects of <c>/meeting-analysis/data/mentions</c>).</summary>
    public TranscriptMarks(IEnumerable<JsonElement> mentions)
    {
        foreach (var m in mentions)
        {
            var company = Field(m, "name") ?? Field(m, "domain") ?? "company";
            foreach (var term in new[] { Field(m, "name"), Field(m, "domain") }.OfType<string>())
            {
                _terms.Add((term, "mention", company));
            }

            if (m.TryGetProperty("intent_evidence", out var evidence) && evidence.ValueKind == JsonValueKind.Array)
            {
                foreach (var e in evidence.EnumerateArray())
                {
                    if (Field(e, "phrase") is { Length: > 0 } phrase && Field(e, "intent") is { } intent)
                    {
                        _terms.Add((phrase, "intent", intent.Replace('_', ' ')));
                    }
                }
            }
        }

        _terms.Sort((a, b) => b.Term.Length.CompareTo(a.Term.Length));
    }

    public bool IsEmpty => _terms.Count == 0;

    public IReadOnlyList<TranscriptPiece> Split(string text)
    {
        var pieces = new List<TranscriptPiece>();
        var at = 0;
        while (at < text.Length)
        {
            var (start, term) = Next(text, at);
            if (term is not { } t)
            {
                break;
            }

            if (start > at)
            {
                pieces.Add(new TranscriptPiece(text[at..start], null, null));
            }

            pieces.Add(new TranscriptPiece(text.Substring(start, t.Term.Length), t.Kind, t.Label));
            at = start + t.Term.Length;
        }

        if (at < text.Length)
        {
            pieces.Add(new TranscriptPiece(text[at..], null, null));
        }

        return pieces;
    }

    private (int Start, (string Term, string Kind, string Label)? Term) Next(string text, int from)
    {
        var best = (Start: int.MaxValue, Term: ((string, string, string)?)null);
        foreach (var term in _terms)
        {
            var i = text.IndexOf(term.Term, from, StringComparison.OrdinalIgnoreCase);
            if (i >= 0 && i < best.Start) // longer terms come first, so a tie keeps the longest
            {
                best = (i, term);
            }
        }

        return best;
    }

    private static string? Field(JsonElement item, string name) =>
        item.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
