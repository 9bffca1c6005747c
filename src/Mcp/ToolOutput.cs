using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;

namespace Alavida.Mcp;

/// <summary>
/// What a tool answers, capped at about <see cref="MaxCharacters"/> characters so one answer never floods a model's
/// context. A list gives fewer items and the cursor that continues right after the last one shown; a document (a job,
/// a trace, a component) gives a window of its text and a <c>chars:N</c> cursor for the next window. Either way a note
/// says what was cut and how to read on.
/// </summary>
public static class ToolOutput
{
    /// <summary>The most characters one answer carries (its notes included).</summary>
    public const int MaxCharacters = 25_000;

    /// <summary>Room kept for the note beside a cut window.</summary>
    private const int NoteRoom = 600;

    private const string CharsPrefix = "chars:";

    /// <summary>For JSON this code writes: text as it is (a model reads "é", not "\u00e9"; it also keeps the count honest).</summary>
    internal static readonly JsonSerializerOptions Json = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>A JSON document: whole when it fits, else the window that starts at <paramref name="cursor"/>.</summary>
    /// <param name="value">The document.</param>
    /// <param name="cursor">null for the start, or a <c>chars:N</c> cursor a previous answer gave.</param>
    /// <param name="readOn">How to ask for the next window, e.g. <c>get_job with job_id "…"</c>.</param>
    public static CallToolResult Document(JsonElement value, string? cursor, string readOn) => Text(value.GetRawText(), cursor, readOn);

    /// <summary>A text: whole when it fits, else the window that starts at <paramref name="cursor"/>.</summary>
    /// <param name="text">The text.</param>
    /// <param name="cursor">null for the start, or a <c>chars:N</c> cursor a previous answer gave.</param>
    /// <param name="readOn">How to ask for the next window.</param>
    public static CallToolResult Text(string text, string? cursor, string readOn)
    {
        var offset = Offset(cursor, text.Length);
        if (offset == 0 && text.Length <= MaxCharacters)
        {
            return Result(text);
        }

        var end = Math.Min(text.Length, offset + MaxCharacters - NoteRoom);
        if (end < text.Length && char.IsHighSurrogate(text[end - 1]))
        {
            end--;
        }

        var note = end < text.Length
            ? $"[Cut to stay under {MaxCharacters:N0} characters: this is characters {offset:N0}–{end:N0} of {text.Length:N0}. " +
              $"For the next part call {readOn} and cursor \"{CharsPrefix}{end}\".]"
            : $"[Characters {offset:N0}–{end:N0} of {text.Length:N0}: the end.]";
        return Result(text[offset..end], note);
    }

    /// <summary>
    /// A page of a list endpoint (<c>{items, next_cursor, …}</c>). When the page is too long, it is fetched again with
    /// the number of items that fit as its limit, so <c>next_cursor</c> continues exactly after the last item shown.
    /// </summary>
    /// <param name="fetch">Fetches a page with the given limit (the same cursor each time).</param>
    /// <param name="limit">The limit asked for.</param>
    /// <param name="shape">Trims an item to what the tool shows (identity when null).</param>
    /// <param name="readOn">How to ask for the next page, e.g. <c>list_jobs with the same filters</c>.</param>
    public static async Task<CallToolResult> PageAsync(Func<int, Task<JsonElement>> fetch, int limit, Func<JsonNode, JsonNode>? shape, string readOn)
    {
        var asked = limit;
        while (true)
        {
            var page = JsonNode.Parse((await fetch(limit)).GetRawText())!.AsObject();
            var items = page["items"]?.AsArray() ?? [];
            if (shape is not null)
            {
                var shaped = items.Select(i => i is null ? null : shape(i.DeepClone())).ToList();
                items.Clear();
                shaped.ForEach(items.Add);
            }

            var text = page.ToJsonString(Json);
            if (text.Length <= MaxCharacters)
            {
                if (limit < asked && page["next_cursor"] is not null)
                {
                    page["note"] = $"Shortened to {items.Count} of the {asked} items asked for, to stay under {MaxCharacters:N0} characters. " +
                                   $"For more call {readOn} and cursor = next_cursor.";
                    text = page.ToJsonString(Json);
                }

                return Result(text);
            }

            if (items.Count > 1)
            {
                // Fetched again rather than cut here, so next_cursor is the API's own and continues after the last item shown.
                limit = Math.Clamp(ItemsThatFit(page, items), 1, items.Count - 1);
                continue;
            }

            // One item alone is over the cap: show its start, and where the list goes on.
            var next = page["next_cursor"]?.GetValue<string>();
            var end = MaxCharacters - NoteRoom;
            end -= char.IsHighSurrogate(text[end - 1]) ? 1 : 0;
            return Result(text[..end],
                $"[Cut at {end:N0} of {text.Length:N0} characters: this page's one item alone is longer than the cap; get it whole by its id. " +
                (next is null ? "It is the last item.]" : $"For the next page call {readOn} and cursor \"{next}\".]"));
        }
    }

    private static int ItemsThatFit(JsonObject page, JsonArray items)
    {
        var budget = MaxCharacters - NoteRoom - (page.ToJsonString(Json).Length - items.ToJsonString(Json).Length);
        var used = 2;
        var count = 0;
        foreach (var item in items)
        {
            used += (item?.ToJsonString(Json).Length ?? 4) + 1;
            if (used > budget)
            {
                break;
            }

            count++;
        }

        return count;
    }

    public static CallToolResult Result(params string[] texts) =>
        new() { Content = [.. texts.Select(t => (ContentBlock)new TextContentBlock { Text = t })] };

    private static int Offset(string? cursor, int length)
    {
        if (string.IsNullOrEmpty(cursor))
        {
            return 0;
        }

        if (!cursor.StartsWith(CharsPrefix, StringComparison.Ordinal)
            || !int.TryParse(cursor.AsSpan(CharsPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var offset))
        {
            throw new ToolInputException($"cursor: '{cursor}' is not a cursor this tool gave; pass the \"{CharsPrefix}N\" value from the note unchanged, or leave it out to start.");
        }

        return offset < length ? offset : throw new ToolInputException($"cursor: {cursor} is past the end of this answer ({length} characters).");
    }
}
