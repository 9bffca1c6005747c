using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Alavida.Tests.Gateway;

/// <summary>Who sends a case: a team's key, the admin key, or no key.</summary>
public enum Caller
{
    Team,
    Admin,
    Anonymous,
}

/// <summary>One bad request: what it is, and the bytes of it.</summary>
public sealed record BadCase(string Operation, string What, HttpMethod Method, string Url, Caller Caller, byte[]? Body = null, string? ContentType = null);

/// <summary>
/// Bad requests for every operation of the OpenAPI document (paths under /dashboard excepted), and for every action in
/// the registry (their bodies' schemas are there, the document says only "JSON"): bad path ids, bad query values
/// (<c>limit</c>, <c>cursor</c> and <c>since</c> on every list, which the document does not declare), bodies that are
/// not JSON or not objects, a wrong charset, unknown fields, and every body field given wrong types, null,
/// overflowing numbers, NUL, lone surrogates, invalid UTF-8 and huge strings. Deterministic: the same document gives
/// the same cases, at most <see cref="MaxPerOperation"/> per operation (chosen so every value and every field appears).
/// </summary>
public sealed class BadInputCases(JsonElement openApi, IReadOnlyDictionary<(string Quantum, string Action), JsonElement> actions, Guid teamId)
{
    public const int MaxPerOperation = 40;

    private const string Placeholder = "\"__bad_input__\"";

    private static readonly string[] PathValues =
    [
        "not-a-uuid", "00000000-0000-0000-0000-000000000000", "%ED%A0%80", "%FF", "%2F", "%F0%9F%98%80", "'%20OR%201%3D1%20--", "-1", "%20",
        new('a', 3000),
    ];

    private static readonly string[] QueryValues =
    [
        "", "%00", "a%00b", "%ED%A0%80", "%FF%FE", "-1", "0", "1e400", "123456789012345678901234567890", "not-a-uuid", "true", "null", "%5B%5D",
        "'%3B%20DROP%20TABLE%20jobs%3B--", "%F0%9F%98%80", new('a', 6000), "00000000-0000-0000-0000-000000000000", "9999-12-31T23:59:59Z",
        "0001-01-01", "-99999-01-01",
    ];

    // JSON values put in place of each field of a body (raw bytes, so invalid UTF-8 can be sent too).
    private static readonly (string What, byte[] Json)[] FieldValues =
    [
        .. new[]
        {
            "null", "true", "0", "-1", "1.5", "1e400", "-1e400", "1e-400", "123456789012345678901234567890", "\"\"", "\"\\u0000\"", "\"a\\u0000b\"",
            "\"\\ud800\"", "\"x\\udfff\"", "\"\\ud83d\\ude00\"", "[]", "{}", "[null]", "{\"\\u0000\":1}", "{\"\\ud800\":1}", "\"not-a-uuid\"",
            "\"9999-99-99T99:99:99Z\"", $"\"{new string('a', 100_000)}\"",
        }.Select(json => (json.Length > 40 ? json[..40] + "…" : json, Encoding.UTF8.GetBytes(json))),
        ("invalid UTF-8", [(byte)'"', (byte)'a', 0xFF, (byte)'"']),
    ];

    private readonly JsonElement _schemas = openApi.GetProperty("components").GetProperty("schemas");

    /// <summary>The operations covered (method and path), each with its cases.</summary>
    public IEnumerable<(string Operation, List<BadCase> Cases)> Operations()
    {
        foreach (var path in openApi.GetProperty("paths").EnumerateObject().Where(p => !p.Name.StartsWith("/dashboard", StringComparison.Ordinal)))
        {
            var methods = path.Value.EnumerateObject().Where(m => m.Name is "get" or "post" or "put" or "delete" or "patch").ToList();
            foreach (var method in methods)
            {
                var operation = $"{method.Name.ToUpperInvariant()} {path.Name}";
                yield return (operation, Cases(operation, new HttpMethod(method.Name.ToUpperInvariant()), path.Name, method.Value).ToList());
            }

            // A method the path does not have: a 405 problem.
            var other = methods.Any(m => m.Name == "put") ? "PATCH" : "PUT";
            yield return ($"{other} {path.Name}", [new BadCase($"{other} {path.Name}", "method not allowed", new HttpMethod(other), Fill(path.Name, new Dictionary<string, string>()), Caller.Team)]);
        }

        foreach (var ((quantum, action), schema) in actions)
        {
            var operation = $"POST /{quantum}/run/{action}";
            var body = Sample(schema, "body")!.AsObject();
            body["max_credits"] = 1000;
            yield return (operation, BodyCases(operation, $"/{quantum}/run/{action}", Caller.Team, body).ToList());
        }
    }

    private IEnumerable<BadCase> Cases(string operation, HttpMethod method, string template, JsonElement op)
    {
        var caller = template.StartsWith("/admin", StringComparison.Ordinal) || template.StartsWith("/functions", StringComparison.Ordinal) ? Caller.Admin : Caller.Team;
        var parameters = op.TryGetProperty("parameters", out var declared) ? declared.EnumerateArray().ToList() : [];
        var pathNames = parameters.Where(p => p.GetProperty("in").GetString() == "path").Select(p => p.GetProperty("name").GetString()!).ToList();
        var queryNames = parameters.Where(p => p.GetProperty("in").GetString() == "query").Select(p => p.GetProperty("name").GetString()!).ToList();
        if (IsList(op))
        {
            queryNames.AddRange(["limit", "cursor", "since"]);
        }

        var valid = pathNames.ToDictionary(n => n, DefaultPathValue);
        var url = Fill(template, valid);
        var body = RequestBody(op, template) is { } schema ? Sample(schema, "body") : null;
        var validBody = body is null ? null : Encoding.UTF8.GetBytes(body.ToJsonString());

        var cases = new List<BadCase>
        {
            new(operation, "no API key", method, url, Caller.Anonymous, validBody, validBody is null ? null : "application/json"),
        };
        cases.AddRange(Pick(
            pathNames.SelectMany(name => PathValues.Select(value => new BadCase(operation, $"path {name}={Short(value)}", method,
                Fill(template, new Dictionary<string, string>(valid) { [name] = value }), caller, validBody, validBody is null ? null : "application/json"))),
            MaxPerOperation / 3));
        cases.AddRange(Pick(
            queryNames.SelectMany(name => QueryValues.Select(value => new BadCase(operation, $"query {name}={Short(value)}", method, $"{url}?{name}={value}", caller)))
                .Concat(queryNames.Select(name => new BadCase(operation, $"query {name} twice", method, $"{url}?{name}=a&{name}=b", caller))),
            MaxPerOperation / 3));
        if (body is not null)
        {
            cases.AddRange(BodyCases(operation, url, caller, body.AsObject()));
        }

        return cases;
    }

    /// <summary>Whole bodies that are wrong, then (at most <see cref="MaxPerOperation"/>) fields of <paramref name="body"/> given bad values.</summary>
    private static IEnumerable<BadCase> BodyCases(string operation, string url, Caller caller, JsonObject body) =>
        WholeBodyCases(operation, url, caller, body).Concat(Pick(FieldCases(operation, url, caller, body), MaxPerOperation));

    private static BadCase Post(string operation, string url, Caller caller, string what, byte[]? body, string? contentType = "application/json") =>
        new(operation, what, HttpMethod.Post, url, caller, body, contentType);

    private static IEnumerable<BadCase> WholeBodyCases(string operation, string url, Caller caller, JsonObject body)
    {
        var json = body.ToJsonString();
        BadCase Send(string what, byte[]? bytes, string? contentType = "application/json") => Post(operation, url, caller, what, bytes, contentType);

        foreach (var text in new[] { "", "{", "}", "null", "true", "1e400", "\"text\"", "[]", "[1,2]", "{\"a\":1,\"a\":2}", "{} x", "/* c */ {}", new string('[', 200) })
        {
            yield return Send($"body {Short(text)}", Encoding.UTF8.GetBytes(text));
        }

        yield return Send("no body", null, null);
        yield return Send("charset=bogus", Encoding.UTF8.GetBytes(json), "application/json; charset=bogus");
        yield return Send("charset=utf-16 (body UTF-8)", Encoding.UTF8.GetBytes(json), "application/json; charset=utf-16");
        yield return Send("text/plain", Encoding.UTF8.GetBytes(json), "text/plain");
        yield return Send("no content type", Encoding.UTF8.GetBytes(json), null);
        yield return Send("byte order mark", [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(json)]);
        yield return Send("raw NUL byte", Encoding.UTF8.GetBytes("{\"a\":\"x\0y\"}"));
        yield return Send("3 MB", Encoding.UTF8.GetBytes($"{{\"a\":\"{new string('a', 3 * 1024 * 1024)}\"}}"));
        yield return Send("unknown field", Mutate(body, "/zz_unknown", "1"u8.ToArray()));
    }

    private static IEnumerable<BadCase> FieldCases(string operation, string url, Caller caller, JsonObject body)
    {
        foreach (var path in Paths(body))
        {
            if (Resolve(body, path) is JsonObject)
            {
                yield return Post(operation, url, caller, $"unknown field in {path}", Mutate(body, path + "/zz_unknown", "1"u8.ToArray()));
            }

            foreach (var (what, value) in FieldValues)
            {
                yield return Post(operation, url, caller, $"{path}={what}", Mutate(body, path, value));
            }
        }
    }

    /// <summary>Every field of a sampled body (objects' properties and arrays' first item), parents first.</summary>
    private static IEnumerable<string> Paths(JsonNode node, string at = "")
    {
        var children = node switch
        {
            JsonObject o => o.Select(p => (at + "/" + p.Key, p.Value)),
            JsonArray a => a.Take(1).Select(v => (at + "/0", v)),
            _ => [],
        };
        foreach (var (path, child) in children)
        {
            yield return path;
            if (child is not null)
            {
                foreach (var below in Paths(child, path))
                {
                    yield return below;
                }
            }
        }
    }

    private static JsonNode? Resolve(JsonNode node, string path) =>
        path.Split('/', StringSplitOptions.RemoveEmptyEntries).Aggregate<string, JsonNode?>(node, (n, s) => n switch
        {
            JsonObject o => o[s],
            JsonArray a => a[int.Parse(s)],
            _ => null,
        });

    /// <summary>The body with the value at <paramref name="path"/> (set or added) replaced by raw JSON bytes.</summary>
    private static byte[] Mutate(JsonObject body, string path, byte[] value)
    {
        var copy = body.DeepClone().AsObject();
        var slash = path.LastIndexOf('/');
        var parent = Resolve(copy, path[..slash])!;
        var key = path[(slash + 1)..];
        if (parent is JsonArray array)
        {
            array[int.Parse(key)] = JsonValue.Create(Placeholder.Trim('"'));
        }
        else
        {
            parent[key] = JsonValue.Create(Placeholder.Trim('"'));
        }

        var text = copy.ToJsonString();
        var at = text.IndexOf(Placeholder, StringComparison.Ordinal);
        return [.. Encoding.UTF8.GetBytes(text[..at]), .. value, .. Encoding.UTF8.GetBytes(text[(at + Placeholder.Length)..])];
    }

    /// <summary>A plausible value for <paramref name="schema"/>: every property, one item per array, formats and patterns honoured.</summary>
    public JsonNode? Sample(JsonElement schema, string name)
    {
        if (schema.TryGetProperty("$ref", out var reference))
        {
            return Sample(_schemas.GetProperty(reference.GetString()!.Split('/')[^1]), name);
        }

        if (schema.TryGetProperty("enum", out var values))
        {
            return JsonNode.Parse(values[0].GetRawText());
        }

        var type = schema.TryGetProperty("type", out var declared)
            ? declared.ValueKind == JsonValueKind.String ? declared.GetString() : declared.EnumerateArray().Select(t => t.GetString()).First(t => t != "null")
            : schema.TryGetProperty("properties", out _) ? "object" : null;
        return type switch
        {
            "object" => new JsonObject(schema.TryGetProperty("properties", out var properties)
                ? properties.EnumerateObject().Select(p => KeyValuePair.Create(p.Name, Sample(p.Value, p.Name)))
                : []),
            "array" => new JsonArray(schema.TryGetProperty("items", out var items) ? Sample(items, name) : JsonValue.Create("x")),
            "string" => JsonValue.Create(SampleText(schema, name)),
            "integer" => JsonValue.Create(schema.TryGetProperty("minimum", out var min) ? Math.Max(min.GetInt64(), 1) : 1),
            "number" => JsonValue.Create(schema.TryGetProperty("maximum", out var max) ? max.GetDouble() / 2 : 0.5),
            "boolean" => JsonValue.Create(true),
            _ => JsonValue.Create("x"),
        };
    }

    private static string SampleText(JsonElement schema, string name)
    {
        var format = schema.TryGetProperty("format", out var f) ? f.GetString() : null;
        var description = schema.TryGetProperty("description", out var d) ? d.GetString() ?? "" : "";
        string[] candidates =
        [
            .. format switch
            {
                "uuid" => ["5f1c2a9e-7b3d-5e41-9a0c-3d2e1f4b6a70"],
                "date-time" => ["2026-11-25T09:30:00Z"],
                "uri" => ["https://example.com/news/1"],
                _ => Array.Empty<string>(),
            },
            .. name.Contains("email", StringComparison.OrdinalIgnoreCase) ? ["bad-input@example.com"] : Array.Empty<string>(),
            .. Regex.Matches(description, "\"([^\"]+)\"").Select(m => m.Groups[1].Value),
            "acme-bad-input.com", "bad input", "de",
        ];
        var pattern = schema.TryGetProperty("pattern", out var p) ? new Regex(p.GetString()!) : null;
        return candidates.FirstOrDefault(c => pattern?.IsMatch(c) != false) ?? "x";
    }

    /// <summary>
    /// At most <paramref name="max"/> of <paramref name="cases"/>, deterministically, spread over the list: the
    /// first and every n-th, so each field and each value shows up rather than the first fields only.
    /// </summary>
    private static IEnumerable<BadCase> Pick(IEnumerable<BadCase> cases, int max)
    {
        var all = cases.ToList();
        if (all.Count <= max)
        {
            return all;
        }

        // A step coprime with the count walks the whole list without repeating, touching every region of it.
        var step = Enumerable.Range(all.Count / max, all.Count).First(s => s > 0 && Gcd(s, all.Count) == 1 && Gcd(s, FieldValues.Length) == 1);
        return Enumerable.Range(0, max).Select(i => all[(int)((long)i * step % all.Count)]);
    }

    private static int Gcd(int a, int b) => b == 0 ? a : Gcd(b, a % b);

    private bool IsList(JsonElement op) =>
        op.TryGetProperty("responses", out var responses) && responses.TryGetProperty("200", out var ok)
        && ok.TryGetProperty("content", out var content) && content.TryGetProperty("application/json", out var json)
        && Properties(json.GetProperty("schema")) is { } properties && properties.TryGetProperty("next_cursor", out _);

    private JsonElement? Properties(JsonElement schema) =>
        schema.TryGetProperty("$ref", out var reference) ? Properties(_schemas.GetProperty(reference.GetString()!.Split('/')[^1]))
        : schema.TryGetProperty("properties", out var properties) ? properties : null;

    private static JsonElement? RequestBody(JsonElement op, string template)
    {
        if (!op.TryGetProperty("requestBody", out var body) || !body.GetProperty("content").TryGetProperty("application/json", out var json))
        {
            return null;
        }

        // A body the document gives only as JSON: /events takes an event; /run's are the registry's (see Operations),
        // so the generic route gets an empty object while its path values are the bad input.
        var schema = json.GetProperty("schema");
        return !(schema.TryGetProperty("$ref", out var reference) && reference.GetString()!.EndsWith("/JsonElement", StringComparison.Ordinal)) ? schema
            : template == "/events" ? JsonDocument.Parse(EventSchema).RootElement
            : null;
    }

    // The event shape of POST /events (Inngest's), which the document gives only as JSON.
    private const string EventSchema = """
        {"type":"object","properties":{"id":{"type":"string"},"name":{"type":"string","description":"\"bad/input\""},"data":{"type":"object","properties":{"a":{"type":"string"}}},
         "user":{"type":"object"},"ts":{"type":"integer"},"v":{"type":"string"},"trace_id":{"type":"string"}}}
        """;

    private string DefaultPathValue(string name) => name switch
    {
        "teamId" => teamId.ToString(),
        "quantum" or "slug" => "identity",
        "action" => "resolve-company",
        "path" => "companies",
        "trace_id" => new string('0', 32),
        _ => "01a24b19-35b6-779d-90ea-47bd14386ffe",
    };

    private static string Fill(string template, IReadOnlyDictionary<string, string> values) =>
        Regex.Replace(template, "{([^}]+)}", m => values.TryGetValue(m.Groups[1].Value, out var v) ? v : "x");

    private static string Short(string text) => text.Length > 24 ? $"{text[..24]}…({text.Length})" : text;
}
