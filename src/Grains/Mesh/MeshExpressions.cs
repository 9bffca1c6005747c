using System.Collections.Concurrent;
using System.Text.Json;
using Cel;

namespace Alavida.Grains.Mesh;

/// <summary>CEL over plain dictionaries: compiled once per expression text and cached; events become <c>event</c>.</summary>
public static class MeshExpressions
{
    private static readonly CelEnvironment Environment = new(null, null);
    private static readonly ConcurrentDictionary<string, CelProgramDelegate> Cache = new();

    /// <summary>Compiles (or fetches) an expression; throws <see cref="CelException"/> with the parser's message when invalid.</summary>
    public static CelProgramDelegate Compile(string expression) => Cache.GetOrAdd(expression, Environment.Compile);

    /// <summary>Returns the compile error of <paramref name="expression"/>, or null when it compiles.</summary>
    public static string? Check(string expression)
    {
        try
        {
            Compile(expression);
            return null;
        }
        catch (Exception ex)
        {
            return ex.Message.ReplaceLineEndings(" ");
        }
    }

    /// <summary>The variables an expression sees for an event: <c>event</c> with id, name, data, user, ts, v, trace_id, team_id.</summary>
    public static Dictionary<string, object?> Variables(MeshEvent e) => new()
    {
        ["event"] = new Dictionary<string, object?>
        {
            ["id"] = e.Id,
            ["name"] = e.Name,
            ["data"] = ToObject(e.DataJson),
            ["user"] = e.UserJson is null ? new Dictionary<string, object?>() : ToObject(e.UserJson),
            ["ts"] = e.Ts,
            ["v"] = e.V ?? "",
            ["trace_id"] = e.TraceId ?? "",
            ["team_id"] = e.TeamId ?? "",
        },
    };

    /// <summary>True when the expression evaluates to true; false when it is false or fails (e.g. a missing field).</summary>
    public static bool IsTrue(string expression, Dictionary<string, object?> variables)
    {
        try
        {
            return Compile(expression)(variables!) is true;
        }
        catch (CelException)
        {
            return false;
        }
    }

    /// <summary>A key expression's value as text; empty when it fails, so such runs share one key.</summary>
    public static string KeyOf(string expression, Dictionary<string, object?> variables)
    {
        try
        {
            return System.Convert.ToString(Compile(expression)(variables!), System.Globalization.CultureInfo.InvariantCulture) ?? "";
        }
        catch (CelException)
        {
            return "";
        }
    }

    /// <summary>The value at a dotted path (<c>data.order_id</c>) of an event, as PostgreSQL's <c>#&gt;&gt;</c> prints it.</summary>
    public static string? ValueAtPath(MeshEvent e, string path)
    {
        var parts = path.Split('.');
        using var doc = JsonDocument.Parse(parts[0] == "user" ? e.UserJson ?? "{}" : e.DataJson);
        var current = doc.RootElement;
        foreach (var part in parts.Skip(1))
        {
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(part, out current))
            {
                return null;
            }
        }

        return current.ValueKind switch
        {
            JsonValueKind.String => current.GetString(),
            JsonValueKind.Null => null,
            _ => current.GetRawText(),
        };
    }

    /// <summary>Parses JSON into dictionaries, lists, strings, longs, doubles and booleans (what Cel evaluates over).</summary>
    public static object? ToObject(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return FromJson(doc.RootElement);
    }

    private static object? FromJson(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().ToDictionary(p => p.Name, p => FromJson(p.Value)),
        JsonValueKind.Array => element.EnumerateArray().Select(FromJson).ToList(),
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Number => element.TryGetInt64(out var l) ? l : element.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };
}
