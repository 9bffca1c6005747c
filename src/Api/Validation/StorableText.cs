namespace Alavida.Api.Validation;

/// <summary>
/// Text the platform can keep. PostgreSQL refuses NUL in <c>text</c> and <c>jsonb</c>, and a lone UTF-16 surrogate is
/// not Unicode text at all, so both are refused at the edge, before any grain or database call: a statement PostgreSQL
/// refuses while binding is also a hazard of its own (docs/adr/0005-platform-group-commit.md).
/// </summary>
public static class StorableText
{
    public const string NulMessage = "must not contain the NUL character (\\u0000)";

    public const string NotUnicodeMessage =
        "is not valid Unicode text: it has a lone surrogate (\\ud800 to \\udfff without its pair) or bytes that are not UTF-8";

    /// <summary>Why <paramref name="value"/> cannot be kept (a sentence to follow the field's name), or null when it can.</summary>
    public static string? Problem(ReadOnlySpan<char> value)
    {
        if (value.Contains('\0'))
        {
            return NulMessage;
        }

        var surrogate = value.IndexOfAnyInRange('\uD800', '\uDFFF');
        while (surrogate >= 0)
        {
            if (!char.IsHighSurrogate(value[surrogate]) || surrogate + 1 >= value.Length || !char.IsLowSurrogate(value[surrogate + 1]))
            {
                return NotUnicodeMessage;
            }

            value = value[(surrogate + 2)..];
            surrogate = value.IndexOfAnyInRange('\uD800', '\uDFFF');
        }

        return null;
    }
}
