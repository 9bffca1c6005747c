using System.Globalization;
using System.Text.Json;

namespace Alavida.Dashboard.Components.Shared;

/// <summary>How pages write times, durations, numbers and JSON fields.</summary>
public static class Show
{
    public static string When(DateTimeOffset? at) =>
        at is null ? "—" : at.Value.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC";

    public static string Duration(TimeSpan span) => span.TotalSeconds < 1 ? $"{Math.Max(span.TotalMilliseconds, 0):0} ms"
        : span.TotalMinutes < 1 ? $"{span.TotalSeconds:0.0} s"
        : span.TotalHours < 1 ? $"{(int)span.TotalMinutes} min {span.Seconds} s"
        : $"{(int)span.TotalHours} h {span.Minutes} min";

    public static string Number(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>A field of a JSON object as text; null when absent or null.</summary>
    public static string? Field(JsonElement item, string name) =>
        item.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value.ToString() : null;

    /// <summary>A JSON array of names as words ("next_step" → "next step"), comma-separated; <paramref name="empty"/> when there are none.</summary>
    public static string Names(JsonElement item, string name, string empty = "—") =>
        item.TryGetProperty(name, out var list) && list.ValueKind == JsonValueKind.Array && list.GetArrayLength() > 0
            ? string.Join(", ", list.EnumerateArray().Select(v => v.GetString()?.Replace('_', ' ')))
            : empty;
}
