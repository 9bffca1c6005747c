using Dapper;

namespace Alavida.Grains.Platform;

/// <summary>
/// Keyset paging over (time, id), newest first, as every platform list does it: the query filters with
/// <c>(@hasCursor = false OR (at, id) &lt; (@cursorAt, @cursorId))</c> and asks for <c>LIMIT @take</c> (one row more than
/// the page, to know whether another page follows).
/// </summary>
internal static class Keyset
{
    /// <summary>The query's own parameters plus the cursor's; throws <see cref="ArgumentException"/> for a foreign cursor.</summary>
    public static DynamicParameters Parameters(object filters, string? cursor, int limit)
    {
        var after = PageCursor.Parse(cursor);
        var parameters = new DynamicParameters(filters);
        parameters.Add("hasCursor", after is not null);
        parameters.Add("cursorAt", after?.At ?? DateTime.UnixEpoch);
        parameters.Add("cursorId", after?.Id ?? Guid.Empty);
        parameters.Add("take", limit + 1);
        return parameters;
    }

    /// <summary>The page of <paramref name="rows"/> (fetched with <c>take</c>) and the cursor of the next one.</summary>
    public static Page<TView> Page<TRow, TView>(IReadOnlyList<TRow> rows, int limit, Func<TRow, PageCursor> cursorOf, Func<TRow, TView> view)
    {
        var page = rows.Take(limit).ToList();
        return new Page<TView>(page.Select(view).ToList(), rows.Count > limit ? cursorOf(page[^1]).Encode() : null);
    }
}
