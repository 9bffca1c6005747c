using System.Globalization;
using System.Text.Json;
using Json.Schema;

namespace Alavida.Api.Validation;

/// <summary>
/// Turns JsonSchema.Net's results into errors a user can act on ("unknown field 'x'; allowed: a, b", "must be one of
/// …", "missing required field 'title'"), each at the JSON pointer the library reports. The registry's schemas use
/// properties, items, additionalProperties and anyOf of required (no $ref), so the schema of a value is found by
/// walking the value's path; where it is not, the library's own message stands.
/// </summary>
internal sealed class SchemaErrors(JsonElement schema, JsonElement input, IReadOnlyCollection<string> alsoAllowedAtRoot)
{
    private readonly List<FieldError> _errors = [];

    /// <summary>The errors of an invalid evaluation (hierarchical output), in document order.</summary>
    public static List<FieldError> Describe(EvaluationResults results, JsonElement schema, JsonElement input, IReadOnlyCollection<string> alsoAllowedAtRoot)
    {
        var describer = new SchemaErrors(schema, input, alsoAllowedAtRoot);
        describer.Collect(results);
        return describer._errors;
    }

    private void Collect(EvaluationResults node)
    {
        if (node.IsValid)
        {
            return;
        }

        var path = Segments(node.InstanceLocation.ToString());
        var field = Pointer(node.InstanceLocation.ToString());
        foreach (var (keyword, message) in node.Errors ?? [])
        {
            // A value of the wrong type fails its enum too: "must be one of …" says all there is to say.
            if (keyword != "type" || node.Errors!.ContainsKey("enum") is false)
            {
                _errors.Add(new FieldError(field, Message(node, path, keyword, message)));
            }
        }

        // anyOf's branches are evaluated (and fail) even when another branch passes: only a failed anyOf is an error,
        // said in one sentence when each branch requires one field.
        var prefix = node.EvaluationPath + "/anyOf/";
        var branches = (node.Details ?? []).Where(d => d.EvaluationPath.ToString().StartsWith(prefix, StringComparison.Ordinal)).ToList();
        var failed = branches.Count > 0 && branches.All(b => !b.IsValid);
        var oneOf = failed ? NeedsOneOf(path, branches.Count) : null;
        if (oneOf is not null)
        {
            _errors.Add(new FieldError(field, $"needs at least one of {Join(Quoted(oneOf), "or")}"));
        }

        foreach (var child in node.Details ?? [])
        {
            if (!branches.Contains(child) || (failed && oneOf is null))
            {
                Collect(child);
            }
        }
    }

    private string Message(EvaluationResults node, List<string> path, string keyword, string fallback)
    {
        if (node.EvaluationPath.ToString().EndsWith("/additionalProperties", StringComparison.Ordinal) && path.Count > 0)
        {
            return Unknown(path);
        }

        if (At(path) is not ({ } at, { } value))
        {
            return fallback;
        }

        return keyword switch
        {
            "type" => $"must be {Join(Strings(at, "type").Select(TypeName), "or")}, not {ValueName(value, at)}",
            "enum" when at.TryGetProperty("enum", out var values) =>
                $"must be one of {string.Join(", ", values.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.String ? v.GetString() : v.GetRawText()))}",
            "required" when value.ValueKind == JsonValueKind.Object && Strings(Branch(node, at), "required").Where(r => !value.TryGetProperty(r, out _)).ToList() is { Count: > 0 } missing =>
                $"missing required field{(missing.Count > 1 ? "s" : "")} {Join(Quoted(missing), "and")}",
            "pattern" => Pattern(at),
            "minLength" or "maxLength" when value.ValueKind == JsonValueKind.String => Length(at, value.GetString()!.EnumerateRunes().Count()),
            "minimum" or "maximum" => Range(at),
            "exclusiveMinimum" => $"must be greater than {Number(at, "exclusiveMinimum")}",
            "exclusiveMaximum" => $"must be less than {Number(at, "exclusiveMaximum")}",
            "minItems" when Number(at, "minItems") == "1" => "must have at least one item",
            "minItems" => $"must have at least {Number(at, "minItems")} items",
            "maxItems" when value.ValueKind == JsonValueKind.Array => $"must have at most {Number(at, "maxItems")} items (it has {value.GetArrayLength()})",
            "uniqueItems" when value.ValueKind == JsonValueKind.Array && Duplicate(value) is (int first, int second) =>
                $"must not repeat an item: items {first} and {second} are the same",
            "minProperties" when at.TryGetProperty("properties", out var properties) =>
                $"must not be empty: set at least one of {Join(Quoted(properties.EnumerateObject().Select(p => p.Name)), "or")}",
            _ => fallback,
        };
    }

    /// <summary>The anyOf branch a result comes from (its evaluation path ends in anyOf/N), or else the value's schema.</summary>
    private static JsonElement Branch(EvaluationResults node, JsonElement at)
    {
        var path = node.EvaluationPath.ToString();
        var slash = path.LastIndexOf('/');
        return slash > 0 && path[..slash].EndsWith("/anyOf", StringComparison.Ordinal) && int.TryParse(path[(slash + 1)..], CultureInfo.InvariantCulture, out var index)
            && at.TryGetProperty("anyOf", out var anyOf) && index < anyOf.GetArrayLength()
            ? anyOf[index]
            : at;
    }

    /// <summary>The names of an anyOf whose branches each require one field, or null for any other anyOf.</summary>
    private List<string>? NeedsOneOf(List<string> path, int branches)
    {
        if (At(path) is not ({ } at, _) || !at.TryGetProperty("anyOf", out var anyOf) || anyOf.GetArrayLength() != branches)
        {
            return null;
        }

        var names = anyOf.EnumerateArray()
            .Select(b => b.ValueKind == JsonValueKind.Object && b.EnumerateObject().Count() == 1 && Strings(b, "required") is [var one] ? one : null)
            .ToList();
        return names.Contains(null) ? null : names.Select(n => n!).ToList();
    }

    private string Unknown(List<string> path)
    {
        var allowed = At(path[..^1]) is ({ } parent, _) && parent.TryGetProperty("properties", out var properties)
            ? properties.EnumerateObject().Select(p => p.Name).Concat(path.Count == 1 ? alsoAllowedAtRoot : []).ToList()
            : [];
        var name = Problems.Echo(path[^1]);
        return allowed.Count > 0 ? $"unknown field '{name}'; allowed: {string.Join(", ", allowed)}" : $"unknown field '{name}'";
    }

    private static string Pattern(JsonElement at) => (Text(at, "format"), Text(at, "pattern"), Text(at, "description")) switch
    {
        ("uuid", _, _) => "must be a UUID, e.g. 0b7e6d5c-4a3b-5c2d-8e1f-9a8b7c6d5e4f",
        ("date-time", _, _) => "must be a date and time with its offset (RFC 3339), e.g. 2026-11-25T09:30:00Z",
        ("uri", _, _) => "must be an http:// or https:// URL without spaces",
        (_, var pattern, { Length: <= 120 } description) => $"must match {pattern} ({description.TrimEnd('.')})",
        (_, var pattern, _) => $"must match {pattern}",
    };

    private static string Length(JsonElement at, int length) => (Number(at, "minLength"), Number(at, "maxLength")) switch
    {
        ("1", _) when length == 0 => "must not be empty",
        (var min, _) when min is not null && length < int.Parse(min, CultureInfo.InvariantCulture) => $"must be at least {min} characters long (it has {length})",
        (_, var max) => $"must be at most {max} characters long (it has {length})",
    };

    private static string Range(JsonElement at) => (Number(at, "minimum"), Number(at, "maximum")) switch
    {
        ({ } min, { } max) => $"must be from {min} to {max}",
        ({ } min, null) => $"must be at least {min}",
        (null, var max) => $"must be at most {max}",
    };

    private static (int, int)? Duplicate(JsonElement array)
    {
        var items = array.EnumerateArray().ToList();
        for (var i = 0; i < items.Count; i++)
        {
            for (var j = i + 1; j < items.Count; j++)
            {
                if (JsonElement.DeepEquals(items[i], items[j]))
                {
                    return (i, j);
                }
            }
        }

        return null;
    }

    /// <summary>The schema of the value at <paramref name="path"/> and the value, or nulls where the schema does not say.</summary>
    private (JsonElement? Schema, JsonElement? Value) At(List<string> path)
    {
        var (node, value) = (schema, input);
        foreach (var segment in path)
        {
            JsonElement next;
            if (value.ValueKind == JsonValueKind.Object && value.TryGetProperty(segment, out next))
            {
                node = node.TryGetProperty("properties", out var properties) && properties.TryGetProperty(segment, out var property) ? property
                    : node.TryGetProperty("additionalProperties", out var additional) ? additional
                    : default;
            }
            else if (value.ValueKind == JsonValueKind.Array && int.TryParse(segment, CultureInfo.InvariantCulture, out var index) && index < value.GetArrayLength())
            {
                next = value[index];
                node = node.TryGetProperty("items", out var items) ? items : default;
            }
            else
            {
                return (null, null);
            }

            if (node.ValueKind != JsonValueKind.Object)
            {
                return (null, null);
            }

            value = next;
        }

        return (node, value);
    }

    private static string TypeName(string type) => type switch
    {
        "object" => "an object",
        "array" => "an array",
        "string" => "a string",
        "integer" => "a whole number",
        "number" => "a number",
        "boolean" => "true or false",
        _ => type,
    };

    private static string ValueName(JsonElement value, JsonElement at) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number when Strings(at, "type").Contains("integer") => Problems.Echo(value.GetRawText()),
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    private static List<string> Strings(JsonElement at, string keyword) => !at.TryGetProperty(keyword, out var value) ? []
        : value.ValueKind == JsonValueKind.String ? [value.GetString()!]
        : value.ValueKind == JsonValueKind.Array ? value.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!).ToList()
        : [];

    private static string? Text(JsonElement at, string keyword) =>
        at.TryGetProperty(keyword, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string? Number(JsonElement at, string keyword) =>
        at.TryGetProperty(keyword, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetRawText() : null;

    private static IEnumerable<string> Quoted(IEnumerable<string> names) => names.Select(n => $"'{n}'");

    private static string Join(IEnumerable<string> items, string conjunction)
    {
        var list = items.ToList();
        return list.Count <= 1 ? string.Concat(list) : $"{string.Join(", ", list[..^1])} {conjunction} {list[^1]}";
    }

    private static List<string> Segments(string pointer) =>
        pointer.Length == 0 ? [] : pointer[1..].Split('/').Select(s => s.Replace("~1", "/").Replace("~0", "~")).ToList();

    private static string Pointer(string location) => string.IsNullOrEmpty(location) ? "/" : location;
}
