using System.Collections.Frozen;
using System.Globalization;
using System.Text.RegularExpressions;
using Alavida.Grains.Identity.Rules;

namespace Alavida.Grains.MeetingAnalysis;

/// <summary>One company named in a segment: by domain (<c>text_domain</c>, <c>url</c>) or by name (<c>legal_name</c>, <c>known_company</c>).</summary>
public sealed record TextHit(string Source, string? Domain, string? Name, string? NameKey, Guid? KnownCompanyId, int Start, int Length);

/// <summary>
/// Finds company names and domains in one segment's text in one pass over its words: URLs and bare domains (validated
/// against the Public Suffix List), names written with a legal form (the ISO 20275 list, <see cref="LegalForms"/>), and
/// the names of companies the team already knows (<see cref="KnownNames"/>). docs/meeting-analysis.md explains each rule.
/// </summary>
public static partial class TextScanner
{
    /// <summary>Words a multi-word name never starts with: sentence openers and function words, dropped from the front.</summary>
    private static readonly FrozenSet<string> Openers = FrozenSet.ToFrozenSet(
        ["i", "we", "you", "they", "he", "she", "it", "our", "your", "their", "my", "his", "her", "the", "a", "an", "so", "and", "but", "or", "yes", "no",
         "yeah", "okay", "ok", "well", "also", "then", "now", "yesterday", "today", "tomorrow", "actually", "basically", "honestly", "right", "sure",
         "great", "thanks", "with", "at", "for", "from", "to", "in", "on", "by", "about", "like", "when", "if", "because", "that", "this", "these", "those",
         "last", "next", "maybe", "hi", "hello", "hey", "um", "uh", "oh", "just", "currently", "recently", "both", "did", "do", "does", "have", "has", "had",
         "was", "were", "is", "are", "will", "would", "could", "should", "can", "let", "lets", "since", "after", "before", "via", "per", "as", "unlike",
         "called", "named", "is", "what", "who", "which", "where", "how", "why", "even", "only", "all", "every", "some", "any", "not", "of", "de", "and"],
        StringComparer.Ordinal);

    /// <summary>Lower-case words allowed inside a name ("Bank of America Corp.", "Müller und Söhne GmbH"); numbers are too.</summary>
    private static readonly FrozenSet<string> Connectors = FrozenSet.ToFrozenSet(
        ["&", "and", "of", "de", "du", "des", "la", "le", "von", "van", "der", "den", "da", "do", "y", "e", "und", "et"], StringComparer.Ordinal);

    // Bare file names whose extension is also a top-level domain ("notes.md", "deck.zip"): not domains without a scheme or www.
    private static readonly FrozenSet<string> FileTlds = FrozenSet.ToFrozenSet(["md", "py", "sh", "pl", "rs", "zip", "mov", "ps", "pm", "sc", "cc"], StringComparer.Ordinal);

    private const int MaxNameWords = 5;

    [GeneratedRegex(@"(?<![\w@./-])(?:(?<scheme>https?://)(?<host>[^\s/?#<>""'()\[\],;:]+)[^\s<>""'()\[\]]*|[\w.+-]+@(?<host>(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63})|(?<host>(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63})(?<path>/[^\s<>""'()\[\]]*)?)(?![\w-]|\.[a-z0-9])",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture)]
    private static partial Regex DomainPattern();

    /// <summary>Every hit in <paramref name="text"/>, in order; <paramref name="ignoredDomains"/> are hosts or registrable domains never reported.</summary>
    public static List<TextHit> Scan(string text, KnownNames known, FrozenSet<string> ignoredDomains)
    {
        var hits = new List<TextHit>();
        ScanDomains(text, ignoredDomains, hits);
        ScanNames(text, known, hits);
        return hits;
    }

    private static void ScanDomains(string text, FrozenSet<string> ignored, List<TextHit> hits)
    {
        if (!HasDottedWord(text))
        {
            return; // most segments: a dot only ends a sentence, so no domain is possible
        }

        foreach (Match m in DomainPattern().Matches(text))
        {
            var host = m.Groups["host"].Value;
            var hasScheme = m.Groups["scheme"].Success;
            var tld = host[(host.LastIndexOf('.') + 1)..];
            var bare = !hasScheme && !host.StartsWith("www.", StringComparison.OrdinalIgnoreCase) && !m.Value.Contains('@');
            // "ASP.NET", "that.So": a bare domain's top level is written in lower case; "deck.zip": a file, not a site.
            if (bare && (char.IsUpper(tld[0]) || FileTlds.Contains(tld.ToLowerInvariant()) && !m.Groups["path"].Success))
            {
                continue;
            }

            if (DomainRules.CompanyDomain(host) is not { IsValid: true, Value: { } registrable }
                || ignored.Contains(registrable) || ignored.Contains(host.ToLowerInvariant()))
            {
                continue;
            }

            var source = hasScheme || m.Groups["path"].Success ? MentionSources.Url : MentionSources.TextDomain;
            hits.Add(new TextHit(source, registrable, null, null, null, m.Index, m.Length));
        }
    }

    /// <summary>True when some dot is followed by a letter or digit ("acme.io", "S.A."), which a domain needs.</summary>
    private static bool HasDottedWord(string text)
    {
        for (var i = text.IndexOf('.'); i >= 0 && i < text.Length - 1; i = text.IndexOf('.', i + 1))
        {
            if (char.IsLetterOrDigit(text[i + 1]))
            {
                return true;
            }
        }

        return false;
    }

    private static void ScanNames(string text, KnownNames known, List<TextHit> hits)
    {
        var words = Words(text);
        var forms = LegalForms.Default;
        for (var i = 0; i < words.Count; i++)
        {
            // A form follows a name: the word before is capitalised or a number ("Acme GmbH", "Acme, Inc.", "Studio 54 GmbH").
            if (i > 0 && (IsCapitalised(words[i - 1].Text) || IsJoiner(words[i - 1].Text)) && forms.StartsForm(words[i].Folded) && LegalName(text, words, i) is var (hit, used))
            {
                hits.Add(hit);
                i += used - 1;
                continue;
            }

            if (known.Match(text, words, i) is var (knownHit, knownUsed))
            {
                hits.Add(knownHit);
                i += knownUsed - 1;
            }
        }
    }

    /// <summary>A name written before the legal form that starts at word <paramref name="at"/>, and the words the form takes.</summary>
    private static (TextHit Hit, int Used)? LegalName(string text, IReadOnlyList<Word> words, int at)
    {
        var forms = LegalForms.Default;
        for (var length = Math.Min(forms.MaxTokens, words.Count - at); length >= 1; length--)
        {
            var folded = string.Join(' ', words.Skip(at).Take(length).Select(w => w.Folded));
            if (forms.Canonical(folded) is null)
            {
                continue;
            }

            var last = words[at + length - 1];
            var written = text[words[at].Start..(last.Start + last.Text.Length)].TrimEnd(',', ';', ':', '!', '?', ')');
            if (written.EndsWith('.') && !forms.IsListedSpelling(written) && !written[..^1].Contains('.'))
            {
                written = written[..^1]; // the sentence's full stop, not the form's ("GmbH." ends a sentence; "Inc." and "S.A." keep theirs)
            }

            if (written.Length == 0 || !IsWrittenAsForm(written, forms))
            {
                continue;
            }

            var first = NameStart(words, at);
            if (first < 0)
            {
                return null;
            }

            var name = text[words[first].Start..(words[at].Start + written.Length)];
            var normalized = CompanyNameRules.Normalize(name);
            return normalized.Value is { LegalForm: not null } n
                ? (new TextHit(MentionSources.LegalName, null, TextRules.CollapseSpaces(name.TrimEnd(',')), n.Key, null, words[first].Start, name.Length), length)
                : null;
        }

        return null;
    }

    // "as", "se", "co" in running text are words: a form counts when spelled as the list spells it, or capitalised and
    // either dotted/slashed ("S.A.", "A/S") or at least three letters ("Ltd", "GmbH"), or all capitals ("AS", "AB").
    private static bool IsWrittenAsForm(string written, LegalForms forms)
    {
        if (forms.IsListedSpelling(written) || forms.IsListedSpelling(written.TrimEnd('.')))
        {
            return true;
        }

        if (!char.IsUpper(written[0]))
        {
            return false;
        }

        var letters = written.Count(char.IsLetter);
        return written.IndexOfAny(['.', '/', '&']) >= 0 || letters >= 3 || written.Where(char.IsLetter).All(char.IsUpper);
    }

    /// <summary>The first word of the capitalised run before word <paramref name="at"/>, openers dropped; -1 when there is none.</summary>
    private static int NameStart(IReadOnlyList<Word> words, int at)
    {
        var first = at;
        for (var j = at - 1; j >= 0 && at - j <= MaxNameWords; j--)
        {
            var w = words[j];
            var endsSentence = w.Text[^1] is '.' or '!' or '?' or ':' or ';' or '"' || w.Text[^1] == ',' && j != at - 1;
            if (endsSentence || !(IsCapitalised(w.Text) || IsJoiner(w.Text)) || Conjunctions.Contains(w.Folded) && j > 0 && EndsLegalName(words[j - 1].Text))
            {
                break; // "Nordkraft Oy and Fjellvind AS": a conjunction after a legal form joins two companies, not one name
            }

            first = j;
        }

        while (first < at && (Openers.Contains(words[first].Folded) || IsJoiner(words[first].Text)))
        {
            first++;
        }

        // "in Spain Hermanos García S.L.": a country after "in" or "from" says where, it is not the name's first word.
        if (first > 0 && at - first >= 2 && Locatives.Contains(words[first - 1].Folded) && CountryNames.Value.Contains(words[first].Text))
        {
            first++;
        }

        return first < at && IsCapitalised(words[first].Text) ? first : -1;
    }

    private static readonly FrozenSet<string> Conjunctions = FrozenSet.ToFrozenSet(["and", "&", "und", "et", "y", "e"], StringComparer.Ordinal);

    private static readonly FrozenSet<string> Locatives = FrozenSet.ToFrozenSet(["in", "from", "across", "throughout", "outside"], StringComparer.Ordinal);

    /// <summary>Countries' English names (one word: "Spain", "Brazil"), from the platform's region data.</summary>
    private static readonly Lazy<FrozenSet<string>> CountryNames = new(() => CultureInfo.GetCultures(CultureTypes.SpecificCultures)
        .Select(c => { try { return new RegionInfo(c.Name).EnglishName; } catch (ArgumentException) { return null; } })
        .OfType<string>().Where(n => !n.Contains(' ')).ToFrozenSet(StringComparer.Ordinal));

    /// <summary>True when <paramref name="word"/> is written as a legal form ("Oy", "Ltd.", "Limited"), ending a name before it.</summary>
    private static bool EndsLegalName(string word)
    {
        var written = word.TrimEnd(',', ';');
        var folded = TextRules.Fold(written);
        return written.Length > 0 && (LegalForms.Default.Canonical(folded) ?? LegalForms.Default.Canonical(folded.TrimEnd('.'))) is not null
            && IsWrittenAsForm(written, LegalForms.Default);
    }

    // Inside a name, not at its start: "Bank of Lisbon", "Müller & Söhne", "Studio 54".
    private static bool IsJoiner(string word) => Connectors.Contains(word) || word.All(char.IsAsciiDigit);

    internal static bool IsCapitalised(string word) => word.Length > 0 && (char.IsUpper(word[0]) || char.IsDigit(word[0]) && word.Any(char.IsLetter));

    /// <summary>A whitespace-separated word, where it starts, and its folded form (<see cref="TextRules.Fold"/>).</summary>
    public readonly record struct Word(string Text, int Start, string Folded);

    // Most words are plain ASCII letters and digits: folding them is lower-casing them.
    private static bool IsPlain(string word) => word.All(char.IsAsciiLetterOrDigit);

    public static List<Word> Words(string text)
    {
        var words = new List<Word>();
        var i = 0;
        while (i < text.Length)
        {
            while (i < text.Length && char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            var start = i;
            while (i < text.Length && !char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            if (i > start)
            {
                var raw = text[start..i];
                words.Add(new Word(raw, start, IsPlain(raw) ? raw.ToLowerInvariant() : TextRules.Fold(raw)));
            }
        }

        return words;
    }
}

/// <summary>How a company was found (the <c>sources</c> of a mention).</summary>
public static class MentionSources
{
    public const string EmailDomain = "email_domain";
    public const string TextDomain = "text_domain";
    public const string Url = "url";
    public const string LegalName = "legal_name";
    public const string KnownCompany = "known_company";
}
