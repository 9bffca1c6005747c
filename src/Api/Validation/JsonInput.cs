using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace Alavida.Api.Validation;

/// <summary>How far a JSON number in a request may go.</summary>
public enum NumberRange
{
    /// <summary>
    /// What a double holds (±1.7e308, and a non-zero number must not round to zero). Beyond it PostgreSQL's jsonb
    /// refuses the number or keeps up to 131,072 digits of it, and few clients could read it back.
    /// </summary>
    Double,

    /// <summary>What a decimal holds (±7.9e28): JsonSchema.Net compares numbers as decimals (enum, uniqueItems).</summary>
    Decimal,
}

/// <summary>How a field is named in errors: a JSON pointer (<c>/companies/0/domain</c>) or the mesh's path (<c>events[0].data.a</c>).</summary>
public enum PathStyle
{
    Pointer,
    Dotted,
}

/// <summary>
/// Finds what a JSON request body may carry but the platform cannot keep: text with NUL or that is not Unicode (in
/// values and in field names; see <see cref="StorableText"/>) and numbers out of <see cref="NumberRange"/>. Run on
/// every JSON body before anything else looks at it: JsonSchema.Net and System.Text.Json throw on such values.
/// </summary>
public static class JsonInput
{
    private const int MaxErrors = 20;

    /// <summary>The values of <paramref name="root"/> that cannot be kept, each named from <paramref name="rootPath"/>.</summary>
    public static List<FieldError> Check(JsonElement root, NumberRange numbers, string rootPath = "", PathStyle style = PathStyle.Pointer)
    {
        var scan = new Scan(numbers, rootPath, style);
        scan.Walk(root);
        return scan.Errors;
    }

    /// <summary>
    /// The first field an object of <paramref name="root"/> has twice, as a JSON pointer, or null. Done here rather
    /// than by JsonDocument's AllowDuplicateProperties = false, which throws InvalidOperationException (not a
    /// JsonException) when it compares a field name that is not Unicode text.
    /// </summary>
    public static string? FirstDuplicate(JsonElement root)
    {
        switch (root.ValueKind)
        {
            case JsonValueKind.Object:
                // Request objects have a few fields: each is compared with those before it, by their bytes. A large
                // object (event data can be anything) gets a set of decoded names, so the work stays linear.
                var names = root.GetPropertyCount() > 16 ? new HashSet<string>(StringComparer.Ordinal) : null;
                var position = 0;
                foreach (var property in root.EnumerateObject())
                {
                    // A name that is not Unicode text is reported by Check; it cannot be compared.
                    if (Scan.NameProblem(property) is null && (names?.Add(property.Name) == false || (names is null && SeenBefore(root, property, position))))
                    {
                        return "/" + Escape(property.Name);
                    }

                    if (property.Value.ValueKind is JsonValueKind.Object or JsonValueKind.Array && FirstDuplicate(property.Value) is { } inner)
                    {
                        return "/" + Escape(property.Name) + inner;
                    }

                    position++;
                }

                return null;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in root.EnumerateArray())
                {
                    if (item.ValueKind is JsonValueKind.Object or JsonValueKind.Array && FirstDuplicate(item) is { } inner)
                    {
                        return $"/{index}{inner}";
                    }

                    index++;
                }

                return null;
            default:
                return null;
        }
    }

    // Names without escapes are equal when their bytes are (no decoding needed); others are compared decoded.
    private static bool SeenBefore(JsonElement parent, JsonProperty property, int position)
    {
        var raw = JsonMarshal.GetRawUtf8PropertyName(property);
        var plain = !raw.Contains((byte)'\\');
        foreach (var other in parent.EnumerateObject())
        {
            if (position-- == 0)
            {
                return false;
            }

            var otherRaw = JsonMarshal.GetRawUtf8PropertyName(other);
            if (plain && !otherRaw.Contains((byte)'\\') ? raw.SequenceEqual(otherRaw) : Scan.NameProblem(other) is null && other.NameEquals(property.Name))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A field name as a JSON pointer segment (RFC 6901).</summary>
    private static string Escape(string name) => name.Replace("~", "~0").Replace("/", "~1");

    private sealed class Scan(NumberRange numbers, string rootPath, PathStyle style)
    {
        // The way down to the current value: a property (its name is decoded only to report an error) or an array index.
        private readonly List<(JsonProperty? Property, int Index)> _path = [];

        public List<FieldError> Errors { get; } = [];

        public void Walk(JsonElement element)
        {
            if (Errors.Count >= MaxErrors)
            {
                return;
            }

            switch (element.ValueKind)
            {
                case JsonValueKind.Object:
                    foreach (var property in element.EnumerateObject())
                    {
                        _path.Add((property, -1));
                        if (NameProblem(property) is { } nameProblem)
                        {
                            Add($"field name {nameProblem}");
                        }
                        else
                        {
                            Walk(property.Value);
                        }

                        _path.RemoveAt(_path.Count - 1);
                    }

                    break;
                case JsonValueKind.Array:
                    var index = 0;
                    foreach (var item in element.EnumerateArray())
                    {
                        _path.Add((null, index++));
                        Walk(item);
                        _path.RemoveAt(_path.Count - 1);
                    }

                    break;
                case JsonValueKind.String:
                    if (TextProblem(element) is { } textProblem)
                    {
                        Add(textProblem);
                    }

                    break;
                case JsonValueKind.Number:
                    if (NumberProblem(element) is { } numberProblem)
                    {
                        Add(numberProblem);
                    }

                    break;
            }
        }

        private string? NumberProblem(JsonElement number)
        {
            var raw = JsonMarshal.GetRawUtf8Value(number);
            if (!number.TryGetDouble(out var value) || !double.IsFinite(value))
            {
                return TooLarge();
            }

            if (value == 0 && raw[..MantissaLength(raw)].IndexOfAnyInRange((byte)'1', (byte)'9') >= 0)
            {
                return "is too close to zero to keep (it would round to 0): send 0, or a number of at least 1e-300 in size";
            }

            return numbers == NumberRange.Decimal && !number.TryGetDecimal(out _) ? TooLarge() : null;
        }

        private string TooLarge() => numbers == NumberRange.Decimal
            ? "is too large a number: numbers here must lie within ±7.9e28"
            : "is too large a number: numbers must lie within ±1.7e308";

        private static int MantissaLength(ReadOnlySpan<byte> raw)
        {
            var exponent = raw.IndexOfAny((byte)'e', (byte)'E');
            return exponent < 0 ? raw.Length : exponent;
        }

        // Text without an escape and in valid UTF-8 is fine as it is (JSON has no raw control characters): that spares
        // decoding nearly every string. Anything else is decoded, which throws for a lone surrogate or invalid UTF-8.
        private static bool IsPlain(ReadOnlySpan<byte> raw) => !raw.Contains((byte)'\\') && Utf8.IsValid(raw);

        private static string? TextProblem(JsonElement text)
        {
            if (IsPlain(JsonMarshal.GetRawUtf8Value(text)))
            {
                return null;
            }

            try
            {
                return StorableText.Problem(text.GetString());
            }
            catch (InvalidOperationException)
            {
                return StorableText.NotUnicodeMessage;
            }
        }

        public static string? NameProblem(JsonProperty property)
        {
            if (IsPlain(JsonMarshal.GetRawUtf8PropertyName(property)))
            {
                return null;
            }

            try
            {
                return StorableText.Problem(property.Name);
            }
            catch (InvalidOperationException)
            {
                return StorableText.NotUnicodeMessage;
            }
        }

        private void Add(string message)
        {
            if (Errors.Count < MaxErrors)
            {
                Errors.Add(new FieldError(Path(), message));
            }
        }

        private string Path()
        {
            var path = new StringBuilder(rootPath);
            foreach (var (property, index) in _path)
            {
                var name = property is { } p ? Name(p) : null;
                path.Append((style, name) switch
                {
                    (PathStyle.Pointer, null) => $"/{index}",
                    (PathStyle.Pointer, _) => "/" + Escape(name!),
                    (PathStyle.Dotted, null) => $"[{index}]",
                    _ => "." + name,
                });
            }

            return path.Length == 0 ? "/" : path.ToString();
        }

        /// <summary>A field's name as sent; one that does not decode is shown as written in the JSON (its escapes as text).</summary>
        private static string Name(JsonProperty property)
        {
            return NameProblem(property) is null ? property.Name : Encoding.UTF8.GetString(JsonMarshal.GetRawUtf8PropertyName(property));
        }
    }
}
