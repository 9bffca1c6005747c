namespace Alavida.Grains.Identity.Rules;

/// <summary>A person's name: its match key and parts.</summary>
/// <param name="Key">Folded <c>first … last</c>, honorifics and suffixes removed: the match key.</param>
/// <param name="Display">The name in <c>First Last</c> order as written, honorifics and suffixes removed.</param>
/// <param name="Given">The first word, when there are at least two.</param>
/// <param name="Family">The last word, when there are at least two.</param>
public sealed record PersonName(string Key, string Display, string? Given, string? Family);

/// <summary>Person names: "Last, First" reordered, honorifics (Dr, Mrs…) and suffixes (Jr, PhD…) removed.</summary>
public static class PersonNameRules
{
    private static readonly HashSet<string> Honorifics =
        ["mr", "mrs", "ms", "miss", "mx", "dr", "prof", "professor", "sir", "dame", "lord", "lady", "rev", "herr", "frau", "mme", "mlle"];

    private static readonly HashSet<string> Suffixes =
        ["jr", "sr", "ii", "iii", "iv", "phd", "md", "mba", "esq", "cpa", "dds", "msc", "bsc", "ma", "ba", "cfa", "pmp"];

    /// <summary>Normalizes a person's name, or rejects it.</summary>
    public static Normalized<PersonName> Normalize(string? input)
    {
        if (TextRules.Precheck(input, "name") is { } problem)
        {
            return Normalized<PersonName>.Reject(problem);
        }

        var text = TextRules.CollapseSpaces(input!);
        var comma = text.IndexOf(',');
        if (comma > 0 && text.IndexOf(',', comma + 1) < 0)
        {
            var after = text[(comma + 1)..].Trim();
            // "Smith, John" is Last, First; "John Smith, Jr." is a suffix after a comma.
            if (after.Length > 0 && !after.Split(' ').All(w => Suffixes.Contains(TextRules.Fold(w))))
            {
                text = $"{after} {text[..comma]}";
            }
        }

        var words = text.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(w => (Original: w.Trim(',', ' '), Folded: TextRules.Fold(w)))
            .Where(w => w.Folded.Length > 0)
            .ToList();
        while (words.Count > 1 && Honorifics.Contains(words[0].Folded))
        {
            words.RemoveAt(0);
        }

        while (words.Count > 1 && Suffixes.Contains(words[^1].Folded))
        {
            words.RemoveAt(words.Count - 1);
        }

        if (words.Count == 0)
        {
            return Normalized<PersonName>.Reject("name has no letters or digits");
        }

        var key = string.Join(' ', words.Select(w => w.Folded));
        var display = string.Join(' ', words.Select(w => w.Original));
        return Normalized<PersonName>.Ok(words.Count >= 2
            ? new PersonName(key, display, words[0].Original, words[^1].Original)
            : new PersonName(key, display, null, null));
    }
}
