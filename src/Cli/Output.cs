using System.Text.Encodings.Web;
using System.Text.Json;
using Spectre.Console;

namespace Alavida.Cli;

/// <summary>How a command prints: tables on a terminal, plain tab-separated lines when piped, JSON with --json.</summary>
public enum OutputFormat
{
    Human,
    Json,
    JsonLines,
}

/// <summary>A column of a table: its header and how to read a cell from an item.</summary>
public sealed record Column(string Header, Func<JsonElement, string?> Cell)
{
    /// <summary>
    /// Columns for records whose shape the CLI does not know: their scalar fields and lists of scalars, and those of
    /// objects one level down (<c>company.domain</c>), in the order they first appear with ids first.
    /// </summary>
    public static List<Column> Infer(IEnumerable<JsonElement> items, int max = 8) =>
        items.SelectMany(i => Paths(i, ""))
            .Distinct()
            .Select((path, order) => (path, order))
            .OrderBy(x => x.path == "id" || x.path.EndsWith("_id", StringComparison.Ordinal) ? 0 : 1).ThenBy(x => x.order)
            .Take(max)
            .Select(x => new Column(x.path.ToUpperInvariant(), i => i.Text(x.path)))
            .ToList();

    private static IEnumerable<string> Paths(JsonElement item, string prefix)
    {
        foreach (var property in item.EnumerateObject())
        {
            var value = property.Value;
            if (value.ValueKind == JsonValueKind.Object && prefix.Length == 0)
            {
                foreach (var nested in Paths(value, property.Name + "."))
                {
                    yield return nested;
                }
            }
            else if (value.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array or JsonValueKind.Null)
                     || value.ValueKind == JsonValueKind.Array && value.EnumerateArray().All(e => e.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array)))
            {
                yield return prefix + property.Name;
            }
        }
    }
}

/// <summary>The one place output is formatted, so every command prints the same way.</summary>
public sealed class Output(CliEnvironment env, OutputFormat format)
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private IAnsiConsole? _console;

    public OutputFormat Format { get; } = format;

    public bool Human => Format == OutputFormat.Human;

    /// <summary>Spectre.Console over this command's output (colours only on a terminal, never with NO_COLOR).</summary>
    public IAnsiConsole Console => _console ??= AnsiConsole.Create(new AnsiConsoleSettings
    {
        Out = new AnsiConsoleOutput(env.Out),
        Ansi = env.OutputIsTerminal && !env.NoColor ? AnsiSupport.Detect : AnsiSupport.No,
        ColorSystem = env.OutputIsTerminal && !env.NoColor ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
        Interactive = env.OutputIsTerminal ? InteractionSupport.Detect : InteractionSupport.No,
    });

    public bool Interactive => env.OutputIsTerminal && Human;

    public void Json(JsonElement value) => env.Out.WriteLine(JsonSerializer.Serialize(value, Indented));

    public void Json<T>(T value) => env.Out.WriteLine(JsonSerializer.Serialize(value, Indented));

    public void Line(string text = "") => env.Out.WriteLine(text);

    /// <summary>A note for the person, on standard error so it never mixes with data.</summary>
    public void Note(string text) => env.Error.WriteLine(text);

    /// <summary>A single object: JSON as the API gave it, or its fields one per line (those without a value left out).</summary>
    public void Object(JsonElement value, IReadOnlyList<(string Label, string? Value)> fields)
    {
        if (!Human)
        {
            Json(value);
            return;
        }

        var width = fields.Max(f => f.Label.Length);
        foreach (var (label, text) in fields.Where(f => f.Value is not null))
        {
            Line($"{(label + ":").PadRight(width + 1)} {text}");
        }
    }

    /// <summary>
    /// A page of a list (<c>{items, next_cursor}</c>): the page as JSON, one item per line with --jsonl, else a table
    /// and, when there is more, how to get it.
    /// </summary>
    public void Page(JsonElement page, IReadOnlyList<Column> columns, string empty)
    {
        var items = page.TryGetProperty("items", out var list) ? list.EnumerateArray().ToList() : [];
        switch (Format)
        {
            case OutputFormat.Json:
                Json(page);
                return;
            case OutputFormat.JsonLines:
                foreach (var item in items)
                {
                    env.Out.WriteLine(JsonSerializer.Serialize(item, Compact));
                }

                return;
        }

        if (items.Count == 0)
        {
            Note(empty);
            return;
        }

        Table(columns, items);
        if (page.TryGetProperty("next_cursor", out var cursor) && cursor.ValueKind == JsonValueKind.String)
        {
            Note($"More: add --cursor {cursor.GetString()} (or --all).");
        }
    }

    /// <summary>Rows as a table on a terminal, tab-separated lines (header first) otherwise.</summary>
    public void Table(IReadOnlyList<Column> columns, IEnumerable<JsonElement> items)
    {
        if (!env.OutputIsTerminal)
        {
            Line(string.Join('\t', columns.Select(c => c.Header)));
            foreach (var item in items)
            {
                Line(string.Join('\t', columns.Select(c => Plain(c.Cell(item)))));
            }

            return;
        }

        var table = new Table().Border(TableBorder.Rounded);
        foreach (var column in columns)
        {
            table.AddColumn(new TableColumn(Markup.Escape(column.Header)));
        }

        foreach (var item in items)
        {
            table.AddRow(columns.Select(c => new Text(c.Cell(item) ?? "-")).ToArray<Spectre.Console.Rendering.IRenderable>());
        }

        Console.Write(table);
    }

    private static string Plain(string? cell) => (cell ?? "").Replace('\t', ' ').Replace('\n', ' ');
}
