using System.Globalization;
using System.Text.Json;

namespace Alavida.Cli;

/// <summary>Reading cells out of API JSON without ceremony.</summary>
public static class Json
{
    /// <summary>The value at a dotted path as text (null when absent or null).</summary>
    public static string? Text(this JsonElement e, string path)
    {
        foreach (var part in path.Split('.'))
        {
            if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(part, out e))
            {
                return null;
            }
        }

        return e.ValueKind switch
        {
            JsonValueKind.String => e.GetString(),
            JsonValueKind.Null or JsonValueKind.Undefined => null,
            JsonValueKind.Array => string.Join(", ", e.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.String ? x.GetString() : x.GetRawText())),
            _ => e.GetRawText(),
        };
    }

    /// <summary>A timestamp as local-independent, readable UTC (<c>2026-12-06 13:05:09Z</c>).</summary>
    public static string? Time(this JsonElement e, string path) =>
        e.Text(path) is { } text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, out var at)
            ? at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture)
            : null;

    /// <summary>The time between two timestamps, short (<c>1.2 s</c>, <c>3 min 4 s</c>); null unless both are there.</summary>
    public static string? Duration(this JsonElement e, string from, string to) =>
        e.Text(from) is { } a && e.Text(to) is { } b
        && DateTimeOffset.TryParse(a, CultureInfo.InvariantCulture, out var start) && DateTimeOffset.TryParse(b, CultureInfo.InvariantCulture, out var end)
            ? Short(end - start)
            : null;

    public static string Short(TimeSpan span) => span.TotalSeconds switch
    {
        < 1 => $"{span.TotalMilliseconds:0} ms",
        < 60 => string.Create(CultureInfo.InvariantCulture, $"{span.TotalSeconds:0.0} s"),
        < 3600 => $"{(int)span.TotalMinutes} min {span.Seconds} s",
        _ => $"{(int)span.TotalHours} h {span.Minutes} min",
    };
}
