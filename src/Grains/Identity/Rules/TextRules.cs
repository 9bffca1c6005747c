using System.Globalization;
using System.Text;

namespace Alavida.Grains.Identity.Rules;

/// <summary>Unicode clean-up shared by the name rules.</summary>
public static class TextRules
{
    /// <summary>Inputs longer than this are rejected before any work is done on them.</summary>
    public const int MaxInputLength = 512;

    /// <summary>
    /// NFKC, lowercase (invariant), diacritics removed, <c>&amp;</c> as <c>and</c>, dotted initials joined
    /// (<c>I.B.M.</c> → <c>ibm</c>), every other non-letter/digit a space, whitespace collapsed.
    /// </summary>
    public static string Fold(string text)
    {
        var decomposed = text.Normalize(NormalizationForm.FormKC).ToLowerInvariant().Normalize(NormalizationForm.FormD);
        var builder = new StringBuilder(decomposed.Length);
        for (var i = 0; i < decomposed.Length; i++)
        {
            var c = decomposed[i];
            var category = CharUnicodeInfo.GetUnicodeCategory(c);
            if (category is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark)
            {
                continue;
            }

            if (char.IsLetterOrDigit(c))
            {
                builder.Append(c);
            }
            else if (c == '&')
            {
                builder.Append(" and ");
            }
            else if (c == '.' ? IsAfterInitial(decomposed, i) : c is '\'' or '\u2019' && IsInsideWord(decomposed, i))
            {
                // "i.b.m." and "o'neil": these marks join a word rather than splitting it.
                continue;
            }
            else
            {
                builder.Append(' ');
            }
        }

        return CollapseSpaces(builder.ToString().Normalize(NormalizationForm.FormC));
    }

    /// <summary>Trims and collapses runs of whitespace to one space.</summary>
    public static string CollapseSpaces(string text) =>
        string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    /// <summary>Rejects null, blank and over-long input with a reason naming the field.</summary>
    public static string? Precheck(string? value, string field)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return $"{field} is empty";
        }

        if (value.Length > MaxInputLength)
        {
            return $"{field} is longer than {MaxInputLength} characters";
        }

        return IsWellFormedUtf16(value) ? null : $"{field} contains invalid Unicode";
    }

    // Unpaired surrogates and other invalid code points make Unicode normalization throw: reject them up front.
    private static bool IsWellFormedUtf16(string value)
    {
        try
        {
            _ = value.IsNormalized(NormalizationForm.FormKC);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static bool IsInsideWord(string text, int i) =>
        i > 0 && i + 1 < text.Length && char.IsLetter(text[i - 1]) && char.IsLetter(text[i + 1]);

    // A dot after a one-letter word ("i." in "i.b.m.") is an initial's: dropping it joins the initials.
    private static bool IsAfterInitial(string text, int i) =>
        i > 0 && char.IsLetter(text[i - 1]) && (i == 1 || !char.IsLetterOrDigit(text[i - 2]));
}
