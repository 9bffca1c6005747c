namespace Alavida.Grains.Identity.Rules;

/// <summary>A company name split into its match key, display form and legal form.</summary>
/// <param name="Key">The normalized name used for matching (folded, legal form removed).</param>
/// <param name="Display">The name as given, whitespace collapsed, legal form removed.</param>
/// <param name="LegalForm">The canonical legal form that was removed (<c>inc</c>, <c>gmbh</c>…), if any.</param>
public sealed record CompanyName(string Key, string Display, string? LegalForm);

/// <summary>Company names to a match key: see <see cref="TextRules.Fold"/>, then legal-form suffixes removed.</summary>
public static class CompanyNameRules
{
    // Folded token sequences (as they appear after Fold) → canonical legal form. Longest sequences are tried first.
    private static readonly (string[] Tokens, string Form)[] LegalForms = new (string, string)[]
    {
        ("gmbh and co kg", "gmbh & co kg"), ("pty ltd", "pty ltd"), ("pte ltd", "pte ltd"), ("co ltd", "co ltd"),
        ("sdn bhd", "sdn bhd"), ("private limited", "pvt ltd"), ("pvt ltd", "pvt ltd"), ("public limited company", "plc"),
        ("limited liability company", "llc"), ("s a r l", "sarl"), ("s a", "sa"), ("b v", "bv"), ("n v", "nv"),
        ("incorporated", "inc"), ("inc", "inc"), ("corporation", "corp"), ("corp", "corp"), ("llc", "llc"), ("l l c", "llc"),
        ("ltd", "ltd"), ("limited", "ltd"), ("llp", "llp"), ("lp", "lp"), ("plc", "plc"), ("gmbh", "gmbh"), ("ag", "ag"),
        ("kg", "kg"), ("ug", "ug"), ("sa", "sa"), ("sas", "sas"), ("sarl", "sarl"), ("srl", "srl"), ("spa", "spa"),
        ("bv", "bv"), ("nv", "nv"), ("oy", "oy"), ("oyj", "oyj"), ("ab", "ab"), ("aps", "aps"), ("as", "as"), ("asa", "asa"),
        ("kk", "kk"), ("sl", "sl"), ("se", "se"), ("co", "co"), ("company", "co"),
    }.Select(f => (f.Item1.Split(' '), f.Item2)).OrderByDescending(f => f.Item1.Length).ToArray();

    /// <summary>Normalizes a company name, or rejects it (empty, too long, no letters or digits).</summary>
    public static Normalized<CompanyName> Normalize(string? input)
    {
        if (TextRules.Precheck(input, "name") is { } problem)
        {
            return Normalized<CompanyName>.Reject(problem);
        }

        var tokens = TextRules.Fold(input!).Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
        if (tokens.Count == 0)
        {
            return Normalized<CompanyName>.Reject("name has no letters or digits");
        }

        string? legalForm = null;
        // Only a trailing legal form, and never the whole name ("Company" alone stays a name).
        foreach (var (form, canonical) in LegalForms)
        {
            if (tokens.Count > form.Length && tokens[^form.Length..].SequenceEqual(form))
            {
                tokens.RemoveRange(tokens.Count - form.Length, form.Length);
                legalForm = canonical;
                break;
            }
        }

        var key = string.Join(' ', tokens);
        var display = TextRules.CollapseSpaces(input!.Normalize(System.Text.NormalizationForm.FormKC));
        if (legalForm is not null)
        {
            display = StripTrailingLegalForm(display, key);
        }

        return Normalized<CompanyName>.Ok(new CompanyName(key, display, legalForm));
    }

    // The display keeps the original spelling: drop words from the end until the folded rest equals the key's length.
    private static string StripTrailingLegalForm(string display, string target)
    {
        var words = display.Split(' ').ToList();
        while (words.Count > 1)
        {
            words.RemoveAt(words.Count - 1);
            var candidate = string.Join(' ', words).TrimEnd(',', ' ', '.');
            if (TextRules.Fold(candidate) == target)
            {
                return candidate;
            }
        }

        return display;
    }
}
