using System.Collections.Frozen;

namespace Alavida.Grains.Identity.Rules;

/// <summary>
/// The legal forms a company name may end with, from the ISO 20275 Entity Legal Forms code list (GLEIF, shipped as
/// <c>Data/elf_code_list.csv</c>) plus <c>Data/legal_forms_extra.txt</c> for common spellings the list lacks. One list
/// for identity's name rules and meeting-analysis' name finder. Each form is kept as its folded token sequence
/// (<see cref="TextRules.Fold"/>: <c>GmbH &amp; Co. KG</c> → <c>gmbh and co kg</c>) with a canonical spelling.
/// </summary>
public sealed class LegalForms
{
    // Full words a form may be spelled with, reported by their short form (identity has always stored these).
    private static readonly FrozenDictionary<string, string> Short = new Dictionary<string, string>
    {
        ["and"] = "&", ["incorporated"] = "inc", ["incorporation"] = "inc", ["corporation"] = "corp", ["limited"] = "ltd", ["company"] = "co",
        ["limited liability company"] = "llc", ["public limited company"] = "plc", ["private limited"] = "pvt ltd",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    // Abbreviation cells of the code list also hold ordinary words ("Trust", "Association", "Bank"): such a word is a form
    // only if it is one of these, so "Acme Trust" keeps its name.
    private static readonly FrozenSet<string> FormWords = FrozenSet.ToFrozenSet(
        ["limited", "liability", "company", "corp", "corporation", "incorporated", "incorporation", "public", "private", "partnership", "proprietary", "unlimited"],
        StringComparer.Ordinal);

    private static readonly Lazy<LegalForms> Embedded = new(() => Build(ElfAbbreviations().Concat(RuleData.Lines("legal_forms_extra.txt"))));

    private readonly FrozenDictionary<string, string> _canonical;
    private readonly FrozenSet<string> _spellings;
    private readonly FrozenSet<string> _firstTokens;

    private LegalForms(FrozenDictionary<string, string> canonical, FrozenSet<string> spellings, int maxTokens)
    {
        _canonical = canonical;
        _spellings = spellings;
        _firstTokens = canonical.Keys.Select(FirstToken).ToFrozenSet(StringComparer.Ordinal);
        MaxTokens = maxTokens;
    }

    /// <summary>The shipped list, built once per process.</summary>
    public static LegalForms Default => Embedded.Value;

    /// <summary>The most folded tokens a form has.</summary>
    public int MaxTokens { get; }

    /// <summary>Forms known (folded token sequences).</summary>
    public int Count => _canonical.Count;

    /// <summary>The canonical form of a folded token sequence (<c>gmbh and co kg</c> → <c>gmbh &amp; co kg</c>), or null.</summary>
    public string? Canonical(string foldedTokens) => _canonical.GetValueOrDefault(foldedTokens);

    /// <summary>True when some form starts with the first token of <paramref name="folded"/> (a cheap test before <see cref="Canonical"/>).</summary>
    public bool StartsForm(string folded) => folded.Length > 0 && _firstTokens.Contains(FirstToken(folded));

    /// <summary>True when <paramref name="written"/> is a form exactly as the list spells it (case and dots included).</summary>
    public bool IsListedSpelling(string written) => _spellings.Contains(written);

    /// <summary>The longest form ending <paramref name="tokens"/> (folded) that leaves at least one token: its length and canonical form.</summary>
    public (int Length, string Form)? TrailingForm(IReadOnlyList<string> tokens)
    {
        for (var length = Math.Min(MaxTokens, tokens.Count - 1); length >= 1; length--)
        {
            if (Canonical(string.Join(' ', tokens.Skip(tokens.Count - length))) is { } form)
            {
                return (length, form);
            }
        }

        return null;
    }

    private static string FirstToken(string folded) => folded.IndexOf(' ') is var space and >= 0 ? folded[..space] : folded;

    private static LegalForms Build(IEnumerable<string> spellings)
    {
        var canonical = new Dictionary<string, string>(StringComparer.Ordinal);
        var written = new HashSet<string>(StringComparer.Ordinal);
        foreach (var spelling in spellings.Select(TextRules.CollapseSpaces).Where(s => s.Length > 0))
        {
            var folded = TextRules.Fold(spelling);
            var tokens = folded.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (tokens.Sum(t => t.Length) < 2 || tokens.Any(t => t.Length > 3 && IsEnglishWord(t) && !FormWords.Contains(t)))
            {
                continue; // a stray letter, or an ordinary word the list files as an abbreviation
            }

            written.Add(spelling);
            canonical.TryAdd(folded, CanonicalOf(folded, tokens));
        }

        return new(canonical.ToFrozenDictionary(StringComparer.Ordinal), written.ToFrozenSet(StringComparer.Ordinal), canonical.Keys.Max(k => k.Count(c => c == ' ') + 1));
    }

    private static string CanonicalOf(string folded, string[] tokens)
    {
        if (Short.TryGetValue(folded, out var whole))
        {
            return whole;
        }

        // Spaced initials are one form: "s a" (S. A.), "a s" (A/S), "sa rl" (S.à r.l.) → sa, as, sarl.
        return tokens.All(t => t.Length <= 2) ? string.Concat(tokens) : string.Join(' ', tokens.Select(t => Short.GetValueOrDefault(t, t)));
    }

    /// <summary>Every abbreviation of the code list (local and transliterated), one spelling each.</summary>
    private static IEnumerable<string> ElfAbbreviations()
    {
        foreach (var line in RuleData.Lines("elf_code_list.csv"))
        {
            var fields = Csv.Split(line);
            if (fields.Count < 6 || fields[0] == "elf_code")
            {
                continue;
            }

            foreach (var cell in new[] { fields[4], fields[5] })
            {
                foreach (var spelling in cell.Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    yield return spelling;
                }
            }
        }
    }

    private static readonly Lazy<FrozenSet<string>> Words = new(() => RuleData.Set("english_words.txt.gz"));

    /// <summary>Common English words (lowercase), for rules that must not treat an ordinary word as a name.</summary>
    public static bool IsEnglishWord(string folded) => Words.Value.Contains(folded);
}
