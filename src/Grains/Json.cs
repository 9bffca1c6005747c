using System.Text.Json;
using System.Text.Json.Nodes;

namespace Alavida.Grains;

/// <summary>Small readers over request and event documents: a field of the expected kind, or null.</summary>
internal static class Json
{
    public static string? Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    /// <summary>A whole number (JSON Schema's integer also allows <c>10.0</c> and <c>1e3</c>), clamped to the int range.</summary>
    public static int? Int(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out var d)
            ? (int)Math.Clamp(Math.Round(d), int.MinValue, int.MaxValue)
            : null;

    public static Guid? Id(JsonElement e, string name) => Guid.TryParse(Str(e, name), out var id) ? id : null;

    public static IReadOnlyList<string> Strings(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array
            ? [.. v.EnumerateArray().Where(i => i.ValueKind == JsonValueKind.String).Select(i => i.GetString()!)]
            : [];

    public static JsonArray Array(IEnumerable<string> items) => new([.. items.Select(i => JsonValue.Create(i))]);
}
