namespace Alavida.Api.Endpoints;

/// <summary>What a caller who typed a function id wrong probably meant.</summary>
internal static class FunctionIds
{
    private const int MaxSuggestions = 5;

    /// <summary>
    /// The ids <paramref name="typed"/> could stand for, closest first: those it is a '/'-prefix of, those whose last
    /// part it is, those containing it, and those a few edits away. Empty when none is close.
    /// </summary>
    public static IReadOnlyList<string> Closest(string typed, IReadOnlyList<string> ids)
    {
        var text = typed.Trim('/');
        if (text.Length is 0 or > 256)
        {
            return [];
        }

        var allowed = Math.Max(2, text.Length / 4);
        return ids
            .Select(id => (Id: id, Rank: Rank(text, id, allowed)))
            .Where(x => x.Rank < int.MaxValue)
            .OrderBy(x => x.Rank).ThenBy(x => x.Id, StringComparer.Ordinal)
            .Take(MaxSuggestions)
            .Select(x => x.Id)
            .ToList();
    }

    /// <summary>Lower is closer; <see cref="int.MaxValue"/>: not close.</summary>
    private static int Rank(string text, string id, int allowed)
    {
        if (id.StartsWith(text + "/", StringComparison.OrdinalIgnoreCase) || id.EndsWith("/" + text, StringComparison.OrdinalIgnoreCase))
        {
            return 0;
        }

        if (id.Contains(text, StringComparison.OrdinalIgnoreCase))
        {
            return 1;
        }

        var distance = Distance(text.ToLowerInvariant(), id.ToLowerInvariant());
        return distance <= allowed ? 1 + distance : int.MaxValue;
    }

    /// <summary>Levenshtein distance (ids are short: at most 128 characters).</summary>
    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1], previous[j]) + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
