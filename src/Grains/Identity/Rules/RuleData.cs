using System.Collections.Frozen;
using System.IO.Compression;
using System.Reflection;

namespace Alavida.Grains.Identity.Rules;

/// <summary>The rule data files shipped as embedded resources (see <c>Rules/Data/README.md</c>), read once.</summary>
internal static class RuleData
{
    private static readonly Assembly Assembly = typeof(RuleData).Assembly;

    /// <summary>The resource's non-empty lines, without <c>#</c> and <c>//</c> comment lines, trimmed.</summary>
    public static IEnumerable<string> Lines(string file)
    {
        var name = $"{Assembly.GetName().Name}.Identity.Rules.Data.{file}";
        using var resource = Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"Embedded rule data '{name}' is missing.");
        using var stream = file.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(resource, CompressionMode.Decompress) : resource;
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is { } line)
        {
            var trimmed = line.Trim();
            if (trimmed.Length > 0 && !trimmed.StartsWith('#') && !trimmed.StartsWith("//", StringComparison.Ordinal))
            {
                yield return trimmed;
            }
        }
    }

    /// <summary>The resource's lines as a lowercase set.</summary>
    public static FrozenSet<string> Set(string file) =>
        Lines(file).Select(l => l.ToLowerInvariant()).ToFrozenSet(StringComparer.Ordinal);
}
