using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Alavida.Dashboard.Components.Pages.Registry;

/// <summary>One top-level input field of an action, read from its JSON schema.</summary>
/// <param name="Name">The property's name.</param>
/// <param name="Type">Its JSON type (string, integer, number, boolean, array, object).</param>
/// <param name="Required">Whether the schema requires it.</param>
/// <param name="Description">The schema's description.</param>
/// <param name="Example">What to type: a JSON skeleton for arrays and objects, else empty.</param>
public sealed record SchemaField(string Name, string Type, bool Required, string Description, string Example)
{
    /// <summary>Whether the form takes it as JSON text.</summary>
    public bool IsJson => Type is "array" or "object";

    /// <summary>The form field's name.</summary>
    public string FormName => $"field.{Name}";
}

/// <summary>The Try-it form's fields from an action's input schema, and the run's body from the posted form.</summary>
public static class SchemaFields
{
    public static IReadOnlyList<SchemaField> Of(string inputSchemaJson)
    {
        using var schema = JsonDocument.Parse(inputSchemaJson);
        var root = schema.RootElement;
        if (!root.TryGetProperty("properties", out var properties) || properties.ValueKind != JsonValueKind.Object)
        {
            return [];
        }

        var required = root.TryGetProperty("required", out var names) && names.ValueKind == JsonValueKind.Array
            ? names.EnumerateArray().Select(n => n.GetString()).ToHashSet() : [];
        return properties.EnumerateObject().Select(p => new SchemaField(
            p.Name, TypeOf(p.Value), required.Contains(p.Name),
            p.Value.TryGetProperty("description", out var description) ? description.GetString() ?? "" : "",
            Example(p.Value))).ToList();
    }

    /// <summary>The run's body from the posted fields (empty optional ones left out), or the field that is not valid and why.</summary>
    public static (JsonObject? Body, string? Problem) Body(IReadOnlyList<SchemaField> fields, IFormCollection form)
    {
        var body = new JsonObject();
        foreach (var field in fields)
        {
            var text = form[field.FormName].ToString().Trim();
            if (text.Length == 0)
            {
                continue; // the schema's validation names a missing required field, as the API does
            }

            try
            {
                body[field.Name] = field.Type switch
                {
                    "array" or "object" => JsonNode.Parse(text),
                    "integer" when long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var whole) => whole,
                    "number" when decimal.TryParse(text, NumberStyles.Number, CultureInfo.InvariantCulture, out var number) => number,
                    "boolean" when bool.TryParse(text, out var flag) => flag,
                    "integer" or "number" or "boolean" => throw new FormatException($"is not a valid {field.Type}"),
                    _ => text,
                };
            }
            catch (Exception ex) when (ex is JsonException or FormatException)
            {
                return (null, $"{field.Name}: {(ex is JsonException ? "is not valid JSON" : ex.Message)}.");
            }
        }

        var cap = form["max_credits"].ToString().Trim();
        if (cap.Length > 0)
        {
            if (!long.TryParse(cap, NumberStyles.None, CultureInfo.InvariantCulture, out var credits))
            {
                return (null, "max_credits: must be a whole number of credits, 0 or more.");
            }

            body["max_credits"] = credits;
        }

        return (body, null);
    }

    private static string TypeOf(JsonElement property) => property.TryGetProperty("type", out var type)
        ? type.ValueKind == JsonValueKind.Array ? string.Join(" or ", type.EnumerateArray().Select(t => t.GetString())) : type.GetString() ?? "any"
        : "any";

    private static string Example(JsonElement property)
    {
        var type = TypeOf(property);
        if (type == "array" && property.TryGetProperty("items", out var items))
        {
            return $"[{Skeleton(items)}]";
        }

        return type == "object" ? Skeleton(property) : "";
    }

    private static string Skeleton(JsonElement schema) =>
        schema.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object
            ? "{" + string.Join(", ", properties.EnumerateObject().Take(1).Select(p => $"\"{p.Name}\": \"\"")) + "}"
            : "\"\"";
}
