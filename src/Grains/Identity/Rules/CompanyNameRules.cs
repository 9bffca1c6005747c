namespace Alavida.Grains.Identity.Rules;

/// <summary>A company name split into its match key, display form and legal form.</summary>
/// <param name="Key">The normalized name used for matching (folded, legal form removed).</param>
/// <param name="Display">The name as given, whitespace collapsed, legal form removed.</param>
/// <param name="LegalForm">The canonical legal form that was removed (<c>inc</c>, <c>gmbh</c>…), if any.</param>
public sealed record CompanyName(string Key, string Display, string? LegalForm);

/// <summary>
/// Company names to a match key: see <see cref="TextRules.Fold"/>, then a trailing legal form removed (the ISO 20275
/// list, see <see cref="LegalForms"/>).
/// </summary>
public static class CompanyNameRules
{
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
        if (LegalForms.Default.TrailingForm(tokens) is var (length, form))
        {
            tokens.RemoveRange(tokens.Count - length, length);
            legalForm = form;
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
