using System.Text.Json;

namespace Alavida.Cli.Commands;

/// <summary>
/// A job's result for a person: every list of records in it as a table (its scalar fields as columns), the remaining
/// scalar fields as lines; any other shape as indented JSON.
/// </summary>
public static class ResultView
{
    public static void Print(Output output, JsonElement result)
    {
        if (result.ValueKind != JsonValueKind.Object)
        {
            output.Json(result);
            return;
        }

        var tables = result.EnumerateObject().Where(p => IsRecordList(p.Value)).ToList();
        if (tables.Count == 0)
        {
            output.Json(result);
            return;
        }

        foreach (var scalar in result.EnumerateObject().Where(p => p.Value.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array)))
        {
            output.Line($"{scalar.Name}: {scalar.Value}");
        }

        foreach (var table in tables)
        {
            var rows = table.Value.EnumerateArray().ToList();
            var columns = Column.Infer(rows);
            output.Line($"{table.Name} ({rows.Count}):");
            output.Table(columns, rows);
        }
    }

    private static bool IsRecordList(JsonElement value) =>
        value.ValueKind == JsonValueKind.Array && value.GetArrayLength() > 0 && value.EnumerateArray().All(e => e.ValueKind == JsonValueKind.Object);
}
