using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace Alavida.Grains.Platform;

/// <summary>An opaque keyset cursor over (time, id), newest first; what lists hand back as <c>next_cursor</c>.</summary>
/// <param name="At">The time of the last item of the previous page (UTC).</param>
/// <param name="Id">The id of that item.</param>
public readonly record struct PageCursor(DateTime At, Guid Id)
{
    /// <summary>The cursor as an opaque URL-safe string.</summary>
    public string Encode() => Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{At.Ticks.ToString(CultureInfo.InvariantCulture)}|{Id:N}"));

    /// <summary>Parses a cursor made by <see cref="Encode"/>; false for anything else.</summary>
    public static bool TryDecode(string? text, out PageCursor cursor)
    {
        cursor = default;
        if (string.IsNullOrEmpty(text) || text.Length > 200 || !Base64Url.IsValid(text))
        {
            return false;
        }

        var parts = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(text)).Split('|');
        if (parts.Length == 2 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            && ticks <= DateTime.MaxValue.Ticks && Guid.TryParseExact(parts[1], "N", out var id))
        {
            cursor = new PageCursor(new DateTime(ticks, DateTimeKind.Utc), id);
            return true;
        }

        return false;
    }

    /// <summary>Parses an optional cursor; throws <see cref="ArgumentException"/> for one that is not ours.</summary>
    public static PageCursor? Parse(string? text) =>
        string.IsNullOrEmpty(text) ? null
        : TryDecode(text, out var cursor) ? cursor
        : throw new ArgumentException("The cursor is not valid; pass back the next_cursor of a previous page.", nameof(text));
}
