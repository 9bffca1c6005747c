using System.Text;

namespace Alavida.Client;

/// <summary>A unified diff (as <c>diff -u</c> prints it) of two texts, line by line, with three lines of context.</summary>
public static class UnifiedDiff
{
    public static string Create(string before, string after, string beforeName, string afterName, int context = 3)
    {
        var a = Lines(before);
        var b = Lines(after);
        var edits = Edits(a, b);
        if (edits.All(e => e.Kind == ' '))
        {
            return "";
        }

        var output = new StringBuilder().Append("--- ").AppendLine(beforeName).Append("+++ ").AppendLine(afterName);
        var changed = edits.Select((e, i) => (e, i)).Where(x => x.e.Kind != ' ').Select(x => x.i).ToList();
        var start = 0;
        while (start < changed.Count)
        {
            // A hunk: changes closer than two contexts apart share one.
            var end = start;
            while (end + 1 < changed.Count && changed[end + 1] - changed[end] <= 2 * context)
            {
                end++;
            }

            var from = Math.Max(0, changed[start] - context);
            var to = Math.Min(edits.Count - 1, changed[end] + context);
            var hunk = edits.GetRange(from, to - from + 1);
            var aStart = edits.Take(from).Count(e => e.Kind != '+') + 1;
            var bStart = edits.Take(from).Count(e => e.Kind != '-') + 1;
            int aCount = hunk.Count(e => e.Kind != '+'), bCount = hunk.Count(e => e.Kind != '-');
            output.Append("@@ -").Append(Range(aStart, aCount)).Append(" +").Append(Range(bStart, bCount)).AppendLine(" @@");
            foreach (var (kind, line) in hunk)
            {
                output.Append(kind).AppendLine(line);
            }

            start = end + 1;
        }

        return output.ToString();
    }

    private static string Range(int start, int count) => count == 0 ? $"{start - 1},0" : count == 1 ? $"{start}" : $"{start},{count}";

    private static string[] Lines(string text) =>
        text.Length == 0 ? [] : text.Replace("\r\n", "\n").TrimEnd('\n').Split('\n');

    /// <summary>The shortest edit script by longest common subsequence (skills are small: quadratic is fine).</summary>
    private static List<(char Kind, string Line)> Edits(string[] a, string[] b)
    {
        var lcs = new int[a.Length + 1, b.Length + 1];
        for (var i = a.Length - 1; i >= 0; i--)
        {
            for (var j = b.Length - 1; j >= 0; j--)
            {
                lcs[i, j] = a[i] == b[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
            }
        }

        var edits = new List<(char, string)>();
        int x = 0, y = 0;
        while (x < a.Length || y < b.Length)
        {
            if (x < a.Length && y < b.Length && a[x] == b[y])
            {
                edits.Add((' ', a[x++]));
                y++;
            }
            else if (y < b.Length && (x == a.Length || lcs[x, y + 1] >= lcs[x + 1, y]))
            {
                edits.Add(('+', b[y++]));
            }
            else
            {
                edits.Add(('-', a[x++]));
            }
        }

        return edits;
    }
}
