using Alavida.Grains.Identity.Rules;

namespace Alavida.Grains.MeetingAnalysis;

/// <summary>A company the team has resolved before: its id (after the team's merges) and its normalized name (identity's key).</summary>
public sealed record KnownCompany(Guid CompanyId, string NameKey, string DisplayName);

/// <summary>
/// The names of a team's companies, indexed by their first folded token, matched word by word. A bare common word never
/// matches: a one-word name must be three letters or more, not an English word, and written capitalised in mid-sentence
/// ("Zendesk" yes; "Apple", "Signal", "apple" no); a name of several words must have a capitalised word or a word that is
/// not English ("Acme Robotics", "acme robotics"; not "general electric" in lower case).
/// </summary>
public sealed class KnownNames
{
    public static readonly KnownNames Empty = new([]);

    private readonly Dictionary<string, List<(string[] Tokens, KnownCompany Company)>> _byFirst = new(StringComparer.Ordinal);

    public KnownNames(IEnumerable<KnownCompany> companies)
    {
        foreach (var company in companies)
        {
            var tokens = company.NameKey.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (tokens.Length == 0 || tokens.Length == 1 && (tokens[0].Length < 3 || LegalForms.IsEnglishWord(tokens[0]) || tokens[0].All(char.IsDigit)))
            {
                continue; // could only ever match an ordinary word
            }

            if (!_byFirst.TryGetValue(tokens[0], out var list))
            {
                _byFirst[tokens[0]] = list = [];
            }

            list.Add((tokens, company));
        }

        foreach (var list in _byFirst.Values)
        {
            list.Sort((a, b) => b.Tokens.Length.CompareTo(a.Tokens.Length)); // longest name first
        }
    }

    /// <summary>Names indexed.</summary>
    public int Count => _byFirst.Values.Sum(l => l.Count);

    /// <summary>The known company whose name starts at word <paramref name="at"/>, and how many words it takes.</summary>
    public (TextHit Hit, int Used)? Match(string text, IReadOnlyList<TextScanner.Word> words, int at)
    {
        var first = words[at].Folded;
        if (_byFirst.Count == 0 || first.Length == 0 || !_byFirst.TryGetValue(first, out var candidates))
        {
            return null;
        }

        foreach (var (tokens, company) in candidates)
        {
            if (at + tokens.Length > words.Count || !Enumerable.Range(1, tokens.Length - 1).All(k => words[at + k].Folded == tokens[k]))
            {
                continue;
            }

            var used = words.Skip(at).Take(tokens.Length).ToList();
            var distinctive = tokens.Length == 1
                ? TextScanner.IsCapitalised(used[0].Text) && !StartsSentence(words, at)
                : used.Any(w => TextScanner.IsCapitalised(w.Text)) || tokens.Any(t => !LegalForms.IsEnglishWord(t));
            if (distinctive)
            {
                var end = used[^1].Start + used[^1].Text.Length;
                return (new TextHit(MentionSources.KnownCompany, null, company.DisplayName, company.NameKey, company.CompanyId, words[at].Start, end - words[at].Start), tokens.Length);
            }
        }

        return null;
    }

    private static bool StartsSentence(IReadOnlyList<TextScanner.Word> words, int at) =>
        at == 0 || words[at - 1].Text[^1] is '.' or '!' or '?' or ':';
}
