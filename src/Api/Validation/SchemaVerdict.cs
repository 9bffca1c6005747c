using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Alavida.Api.Validation;

/// <summary>
/// A yes/no check of an input against a JSON Schema, compiled once into a tree of plain checks over
/// <see cref="JsonElement"/>, for the keywords the platform's schemas use. It gives the same verdict as JsonSchema.Net's
/// evaluation under draft 2020-12 (the library's rules: lengths in text elements, ECMAScript patterns, numbers by value,
/// formats as annotations), which stays the authority for everything else: schemas with another keyword are not compiled here, and the
/// messages for invalid input come from the library. The library builds a result node per keyword and value (about
/// 2.6 ms and 2.4 MB per meeting of a 25-transcript ingest); this walks the input once and allocates almost nothing.
/// <c>SchemaVerdictTests</c> checks the two agree on every shipped schema and thousands of variations of their examples.
/// </summary>
public sealed class SchemaVerdict
{
    private const string Dialect = "https://json-schema.org/draft/2020-12/schema";

    // Keywords that say something about the schema, not about the input. In draft 2020-12 "format" is one of them
    // (its format-annotation vocabulary): the library reports it and checks nothing, unless told to.
    private static readonly HashSet<string> Annotations =
        ["$schema", "$comment", "title", "description", "default", "examples", "deprecated", "readOnly", "writeOnly", "format"];

    private readonly Node _root;

    private SchemaVerdict(Node root) => _root = root;

    /// <summary>The compiled check, or null when the schema uses something this does not decide (the library does).</summary>
    public static SchemaVerdict? TryCompile(JsonElement schema)
    {
        // Draft 2020-12, as every shipped schema declares: another draft gives keywords other meanings (items as an
        // array), and without a declaration the library's default dialect asserts formats.
        if (schema.ValueKind != JsonValueKind.Object || !schema.TryGetProperty("$schema", out var dialect)
            || dialect.ValueKind != JsonValueKind.String || dialect.GetString() != Dialect)
        {
            return null;
        }

        try
        {
            return Compile(schema) is { } root ? new SchemaVerdict(root) : null;
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or OverflowException or InvalidOperationException)
        {
            return null; // a keyword value this cannot read as the library does: leave it to the library
        }
    }

    /// <summary>True or false as the library would answer; null when this input is one to leave to the library.</summary>
    public bool? IsValid(JsonElement input)
    {
        try
        {
            return _root.Check(input);
        }
        catch (Undecided)
        {
            return null;
        }
    }

    private static Node? Compile(JsonElement schema)
    {
        if (schema.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            return new Node { Always = schema.ValueKind == JsonValueKind.True };
        }

        if (schema.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var node = new Node();
        foreach (var keyword in schema.EnumerateObject())
        {
            var value = keyword.Value;
            switch (keyword.Name)
            {
                case var name when Annotations.Contains(name):
                    break;
                case "type":
                    node.Types = value.ValueKind == JsonValueKind.String ? [value.GetString()!] : [.. value.EnumerateArray().Select(t => t.GetString()!)];
                    if (node.Types.Any(t => t is not ("object" or "array" or "string" or "number" or "integer" or "boolean" or "null")))
                    {
                        return null;
                    }

                    break;
                case "properties":
                    node.Properties = [];
                    foreach (var property in value.EnumerateObject())
                    {
                        if (Compile(property.Value) is not { } child)
                        {
                            return null;
                        }

                        node.Properties[property.Name] = child;
                    }

                    break;
                case "additionalProperties":
                    if ((node.AdditionalProperties = Compile(value)) is null)
                    {
                        return null;
                    }

                    break;
                case "required":
                    if (value.EnumerateArray().Any(r => r.ValueKind != JsonValueKind.String))
                    {
                        return null;
                    }

                    node.Required = [.. value.EnumerateArray().Select(r => r.GetString()!)];
                    break;
                case "items":
                    if ((node.Items = Compile(value)) is null)
                    {
                        return null; // includes draft 2019-09's array form
                    }

                    break;
                case "minItems":
                    node.MinItems = value.GetInt64();
                    break;
                case "maxItems":
                    node.MaxItems = value.GetInt64();
                    break;
                case "uniqueItems":
                    node.UniqueItems = value.GetBoolean();
                    break;
                case "minProperties":
                    node.MinProperties = value.GetInt64();
                    break;
                case "maxProperties":
                    node.MaxProperties = value.GetInt64();
                    break;
                case "minLength":
                    node.MinLength = value.GetInt64();
                    break;
                case "maxLength":
                    node.MaxLength = value.GetInt64();
                    break;
                case "pattern":
                    // As the library builds it: ECMAScript classes (\d is 0-9, \w is ASCII).
                    node.Pattern = new Regex(value.GetString()!, RegexOptions.ECMAScript | RegexOptions.Compiled);
                    break;
                case "minimum":
                    node.Minimum = value.GetDecimal();
                    break;
                case "maximum":
                    node.Maximum = value.GetDecimal();
                    break;
                case "exclusiveMinimum":
                    node.ExclusiveMinimum = value.GetDecimal();
                    break;
                case "exclusiveMaximum":
                    node.ExclusiveMaximum = value.GetDecimal();
                    break;
                case "enum":
                    node.Enum = [.. value.EnumerateArray().Select(e => e.Clone())];
                    break;
                case "const":
                    node.Const = value.Clone();
                    break;
                case "anyOf" or "allOf" or "oneOf":
                    var branches = value.EnumerateArray().Select(Compile).ToArray();
                    if (branches.Length == 0 || branches.Any(b => b is null))
                    {
                        return null;
                    }

                    _ = keyword.Name switch
                    {
                        "anyOf" => node.AnyOf = branches!,
                        "allOf" => node.AllOf = branches!,
                        _ => node.OneOf = branches!,
                    };
                    break;
                case "not":
                    if ((node.Not = Compile(value)) is null)
                    {
                        return null;
                    }

                    break;
                default:
                    return null; // $ref, patternProperties, if/then/else, unevaluated*, contains…: the library's
            }
        }

        return node;
    }

    /// <summary>Thrown where the library's answer could differ in a way not worth copying (a number beyond decimal).</summary>
    private sealed class Undecided : Exception;

    private sealed class Node
    {
        public bool? Always;
        public string[]? Types;
        public Dictionary<string, Node>? Properties;
        public Node? AdditionalProperties;
        public string[]? Required;
        public Node? Items;
        public long? MinItems, MaxItems, MinProperties, MaxProperties, MinLength, MaxLength;
        public bool UniqueItems;
        public Regex? Pattern;
        public decimal? Minimum, Maximum, ExclusiveMinimum, ExclusiveMaximum;
        public JsonElement[]? Enum;
        public JsonElement? Const;
        public Node[]? AnyOf, AllOf, OneOf;
        public Node? Not;

        public bool Check(JsonElement value)
        {
            if (Always is { } always)
            {
                return always;
            }

            if (Types is not null && !Types.Any(t => IsType(value, t)))
            {
                return false;
            }

            var valid = value.ValueKind switch
            {
                JsonValueKind.Object => CheckObject(value),
                JsonValueKind.Array => CheckArray(value),
                JsonValueKind.String => CheckString(value),
                JsonValueKind.Number => CheckNumber(value),
                _ => true,
            };
            return valid
                && (Enum is null || Enum.Any(e => JsonElement.DeepEquals(e, value)))
                && (Const is not { } constant || JsonElement.DeepEquals(constant, value))
                && (AllOf is null || AllOf.All(b => b.Check(value)))
                && (AnyOf is null || AnyOf.Any(b => b.Check(value)))
                && (OneOf is null || OneOf.Count(b => b.Check(value)) == 1)
                && (Not is null || !Not.Check(value));
        }

        private bool CheckObject(JsonElement value)
        {
            if (Required is not null && Required.Any(r => !value.TryGetProperty(r, out _)))
            {
                return false;
            }

            var count = 0;
            foreach (var property in value.EnumerateObject())
            {
                count++;
                if (Properties is not null && Properties.TryGetValue(property.Name, out var schema))
                {
                    if (!schema.Check(property.Value))
                    {
                        return false;
                    }
                }
                else if (AdditionalProperties is not null && !AdditionalProperties.Check(property.Value))
                {
                    return false;
                }
            }

            return count >= (MinProperties ?? 0) && count <= (MaxProperties ?? long.MaxValue);
        }

        private bool CheckArray(JsonElement value)
        {
            var length = value.GetArrayLength();
            if (length < (MinItems ?? 0) || length > (MaxItems ?? long.MaxValue))
            {
                return false;
            }

            if (Items is not null)
            {
                foreach (var item in value.EnumerateArray())
                {
                    if (!Items.Check(item))
                    {
                        return false;
                    }
                }
            }

            if (UniqueItems)
            {
                for (var i = 0; i < length; i++)
                {
                    for (var j = i + 1; j < length; j++)
                    {
                        if (JsonElement.DeepEquals(value[i], value[j]))
                        {
                            return false;
                        }
                    }
                }
            }

            return true;
        }

        private bool CheckString(JsonElement value)
        {
            if (MinLength is null && MaxLength is null && Pattern is null)
            {
                return true;
            }

            var text = value.GetString()!;
            return LengthAtLeast(text, MinLength ?? 0) && LengthAtMost(text, MaxLength ?? long.MaxValue) && (Pattern is null || Pattern.IsMatch(text));
        }

        // Lengths count text elements, as the library does; a text element is one or more UTF-16 units, so the
        // string's own length decides most cases without segmenting it.
        private static bool LengthAtLeast(string text, long min) =>
            min <= 0 || (text.Length >= min && (min == 1 || new StringInfo(text).LengthInTextElements >= min));

        private static bool LengthAtMost(string text, long max) =>
            text.Length <= max || new StringInfo(text).LengthInTextElements <= max;

        private bool CheckNumber(JsonElement value)
        {
            if (Minimum is null && Maximum is null && ExclusiveMinimum is null && ExclusiveMaximum is null)
            {
                return true;
            }

            var number = Decimal(value);
            return (Minimum is not { } min || number >= min) && (Maximum is not { } max || number <= max)
                && (ExclusiveMinimum is not { } xmin || number > xmin) && (ExclusiveMaximum is not { } xmax || number < xmax);
        }

        private static bool IsType(JsonElement value, string type) => (type, value.ValueKind) switch
        {
            ("object", JsonValueKind.Object) or ("array", JsonValueKind.Array) or ("string", JsonValueKind.String)
                or ("number", JsonValueKind.Number) or ("null", JsonValueKind.Null) => true,
            ("boolean", JsonValueKind.True or JsonValueKind.False) => true,
            ("integer", JsonValueKind.Number) => Decimal(value) is var number && decimal.Truncate(number) == number,
            _ => false,
        };

        private static decimal Decimal(JsonElement value) => value.TryGetDecimal(out var number) ? number : throw new Undecided();
    }
}
