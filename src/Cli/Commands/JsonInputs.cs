using System.Text.Json;
using System.Text.Json.Nodes;

namespace Alavida.Cli.Commands;

/// <summary>JSON given on the command line: a file or standard input (<c>-</c>), and <c>--set key=value</c> pairs.</summary>
public static class JsonInputs
{
    /// <summary>The JSON in <paramref name="path"/> (<c>-</c>: standard input).</summary>
    public static JsonNode Read(CliContext context, string path)
    {
        string text;
        try
        {
            text = path == "-" ? context.Env.In.ReadToEnd() : File.ReadAllText(Path.GetFullPath(path, context.Env.WorkingDirectory));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.Usage, $"Cannot read {path}: {e.Message}");
        }

        try
        {
            return JsonNode.Parse(text) ?? throw new CliException(ExitCodes.Usage, $"{(path == "-" ? "Standard input" : path)} holds null, not a JSON object.");
        }
        catch (JsonException e)
        {
            throw new CliException(ExitCodes.Usage, $"{(path == "-" ? "Standard input" : path)} is not valid JSON: {e.Message}");
        }
    }

    /// <summary>
    /// Applies <c>key=value</c> pairs: the value is JSON when it parses as JSON (<c>42</c>, <c>true</c>, <c>[…]</c>),
    /// a string otherwise; a dotted key (<c>icp.industries</c>) sets a nested field.
    /// </summary>
    public static void Set(JsonObject target, IEnumerable<string> pairs)
    {
        foreach (var pair in pairs)
        {
            var equals = pair.IndexOf('=');
            if (equals <= 0)
            {
                throw new CliException(ExitCodes.Usage, $"--set {pair}: expected key=value (e.g. --set max_credits=50).");
            }

            var path = pair[..equals].Split('.');
            if (path.Any(p => p.Length == 0))
            {
                throw new CliException(ExitCodes.Usage, $"--set {pair}: the key has an empty part.");
            }

            var node = target;
            foreach (var part in path[..^1])
            {
                if (node[part] is not JsonObject child)
                {
                    child = [];
                    node[part] = child;
                }

                node = child;
            }

            node[path[^1]] = Value(pair[(equals + 1)..]);
        }
    }

    private static JsonNode? Value(string text)
    {
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return JsonValue.Create(text);
        }
    }
}
