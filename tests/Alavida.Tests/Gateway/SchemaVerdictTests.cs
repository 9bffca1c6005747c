using System.Text.Json;
using System.Text.Json.Nodes;
using Alavida.Api.Validation;
using Alavida.Grains.Registry;
using Json.Schema;

namespace Alavida.Tests.Gateway;

/// <summary>
/// The compiled verdict against JsonSchema.Net on every shipped input schema: each component's examples and thousands
/// of variations of them (each field removed, replaced by values of every kind and edge, arrays emptied, repeated and
/// overfilled, unknown fields added), and the library's rules that are easy to get wrong.
/// </summary>
public sealed class SchemaVerdictTests
{
    private static readonly EvaluationOptions Flag = new() { OutputFormat = OutputFormat.Flag };

    // Values of every JSON kind, at the edges the schemas draw: empty and long strings, text elements that are two
    // UTF-16 units or two code points, RFC 3339 times valid, impossible and malformed, emails, non-ASCII digits…
    private static readonly string[] Replacements =
    [
        "null", "true", "false", "0", "-1", "1", "1.5", "1.0", "100", "101", "1e2", "0.5", "-0.1", "1000000", "1000001",
        "\"\"", "\" \"", "\"x\"", "\"ab\"", "\"😀\"", "\"e\\u0301\"", "\"\\u0000\"", $"\"{new string('a', 257)}\"", $"\"{new string('a', 513)}\"",
        $"\"{new string('b', 2049)}\"", $"\"{string.Concat(Enumerable.Repeat("😀", 300))}\"",
        "\"2026-01-01T10:00:00Z\"", "\"2026-02-30T10:00:00Z\"", "\"2026-01-01 10:00:00\"", "\"2026-01-01T10:00:00.123456789+02:00\"",
        "\"a@b.example\"", "\"@\"", "\"no at sign\"", "\"https://acme.example/pricing\"", "\"acme.example\"", "\"٣٣\"", "\"ACME\"",
        "\"host\"", "\"guest\"", "\"hot\"", "\"linkedin\"", "\"00000000-0000-0000-0000-000000000000\"", "\"not-a-uuid\"",
        "[]", "[1]", "[\"x\"]", "[\"x\",\"x\"]", "{}", "{\"a\":1}",
    ];

    public static TheoryData<string, string> Actions()
    {
        var data = new TheoryData<string, string>();
        foreach (var component in ComponentManifest.LoadEmbedded())
        {
            foreach (var action in component.ToDescriptor(DateTimeOffset.UnixEpoch, (_, _) => true).Actions)
            {
                data.Add(component.Slug, action.Name);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Actions))]
    public void Verdict_AgreesWithTheLibrary_OnEveryVariationOfTheExamples(string slug, string actionName)
    {
        var component = ComponentManifest.LoadEmbedded().Single(c => c.Slug == slug).ToDescriptor(DateTimeOffset.UnixEpoch, (_, _) => true);
        var action = component.FindAction(actionName)!;
        var schemaDocument = JsonDocument.Parse(action.InputSchemaJson).RootElement;
        var verdict = SchemaVerdict.TryCompile(schemaDocument);
        Assert.True(verdict is not null, $"{slug}/{actionName}: every shipped schema is compiled (else ingest pays the library's full evaluation)");
        var library = JsonSchema.FromText(action.InputSchemaJson, new BuildOptions { SchemaRegistry = new SchemaRegistry() }, new Uri($"https://test.example/{slug}/{actionName}.json"));

        var examples = JsonNode.Parse(File.ReadAllText(Path.Combine(RegistryContractTests.RepositoryRoot(), "src/Grains/Registry/components", slug, "examples.json")))!;
        var seeds = examples["actions"]?[actionName] is { } documented
            ? documented["valid"]!.AsArray().Concat(documented["invalid"]!.AsArray()).Select(e => e!["input"]!).ToList()
            : [];
        Assert.NotEmpty(seeds);

        var (valid, invalid) = (0, 0);
        foreach (var input in seeds.SelectMany(Variations).Select(v => v.ToJsonString()).Distinct())
        {
            var element = JsonDocument.Parse(input).RootElement;
            var expected = library.Evaluate(element, Flag).IsValid;
            var actual = verdict!.IsValid(element);
            Assert.True(actual == expected, $"{slug}/{actionName}: the library says {(expected ? "valid" : "invalid")}, the verdict {actual?.ToString() ?? "undecided"}, for {Shorten(input)}");
            _ = expected ? valid++ : invalid++;
        }

        Assert.True(valid > 0 && invalid > 10 * valid / 100, $"{slug}/{actionName}: {valid} valid and {invalid} invalid variations: both sides are exercised");
    }

    [Theory]
    [InlineData("""{"type":"string","format":"date-time"}""", "\"2026-02-30T10:00:00Z\"")] // an annotation in 2020-12
    [InlineData("""{"type":"string","format":"email"}""", "\"nonsense\"")]
    [InlineData("""{"type":"string","minLength":2}""", "\"😀\"")]
    [InlineData("""{"type":"string","maxLength":1}""", "\"e\\u0301\"")]
    [InlineData("""{"type":"string","maxLength":3}""", "\"a\\r\\nbc\"")]
    [InlineData("""{"type":"string","pattern":"^\\d+$"}""", "\"١٢\"")]
    [InlineData("""{"type":"string","pattern":"^\\w+$"}""", "\"é\"")]
    [InlineData("""{"type":"integer"}""", "1.0")]
    [InlineData("""{"type":"integer"}""", "1e2")]
    [InlineData("""{"type":"integer"}""", "1.5")]
    [InlineData("""{"enum":[1,"a"]}""", "1.0")]
    [InlineData("""{"enum":[{"x":1,"y":[2]}]}""", "{\"y\":[2.0],\"x\":1}")]
    [InlineData("""{"type":"array","uniqueItems":true}""", "[1,1.0]")]
    [InlineData("""{"type":"array","uniqueItems":true}""", "[{\"a\":1,\"b\":2},{\"b\":2,\"a\":1}]")]
    [InlineData("""{"maximum":100}""", "100.0000000000000000001")]
    [InlineData("""{"exclusiveMinimum":0}""", "0")]
    [InlineData("""{"type":"object","minProperties":1}""", "{}")]
    [InlineData("""{"type":["string","null"]}""", "null")]
    [InlineData("""{"anyOf":[{"type":"string"},{"type":"number"}]}""", "true")]
    [InlineData("""{"oneOf":[{"type":"number"},{"type":"integer"}]}""", "1")]
    [InlineData("""{"not":{"const":"x"}}""", "\"x\"")]
    [InlineData("""{"type":"object","properties":{"a":false}}""", "{\"a\":1}")]
    [InlineData("""{"type":"object","additionalProperties":{"type":"integer"}}""", "{\"a\":1,\"b\":\"2\"}")]
    public void Verdict_FollowsTheLibrarysRules(string rule, string instance)
    {
        var schema = """{"$schema":"https://json-schema.org/draft/2020-12/schema",""" + rule[1..];
        var verdict = SchemaVerdict.TryCompile(JsonDocument.Parse(schema).RootElement)!;
        var library = JsonSchema.FromText(schema, new BuildOptions { SchemaRegistry = new SchemaRegistry() }, new Uri($"https://test.example/rule/{Guid.NewGuid():N}.json"));
        var element = JsonDocument.Parse(instance).RootElement;

        Assert.Equal(library.Evaluate(element, Flag).IsValid, verdict.IsValid(element));
    }

    [Theory]
    [InlineData("""{"$schema":"https://json-schema.org/draft/2020-12/schema","$ref":"#/$defs/a","$defs":{"a":{"type":"string"}}}""")]
    [InlineData("""{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object","patternProperties":{"^x":{"type":"string"}}}""")]
    [InlineData("""{"$schema":"https://json-schema.org/draft/2020-12/schema","if":{"type":"string"},"then":{"minLength":1}}""")]
    [InlineData("""{"$schema":"http://json-schema.org/draft-07/schema#","items":[{"type":"string"}]}""")]
    [InlineData("""{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object","unevaluatedProperties":false}""")]
    [InlineData("""{"type":"string"}""")] // no dialect declared: the library's default asserts formats
    [InlineData("""{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object","required":[null]}""")] // not a name
    public void Verdict_LeavesOtherKeywordsToTheLibrary(string schema)
    {
        Assert.Null(SchemaVerdict.TryCompile(JsonDocument.Parse(schema).RootElement));
    }

    /// <summary>The input, and each variation one change away from it, at every depth.</summary>
    private static IEnumerable<JsonNode> Variations(JsonNode input)
    {
        yield return input.DeepClone();
        foreach (var variation in Changed(input))
        {
            yield return variation;
        }
    }

    private static IEnumerable<JsonNode> Changed(JsonNode node)
    {
        switch (node)
        {
            case JsonObject obj:
                var withUnknown = (JsonObject)obj.DeepClone();
                withUnknown["zz_unknown"] = 1;
                yield return withUnknown;
                foreach (var (name, value) in obj.ToList())
                {
                    var without = (JsonObject)obj.DeepClone();
                    without.Remove(name);
                    yield return without;
                    foreach (var replacement in Replacements)
                    {
                        var replaced = (JsonObject)obj.DeepClone();
                        replaced[name] = JsonNode.Parse(replacement);
                        yield return replaced;
                    }

                    if (value is not null)
                    {
                        foreach (var inner in Changed(value))
                        {
                            var nested = (JsonObject)obj.DeepClone();
                            nested[name] = inner;
                            yield return nested;
                        }
                    }
                }

                break;
            case JsonArray array when array.Count > 0:
                yield return new JsonArray();
                var repeated = (JsonArray)array.DeepClone();
                repeated.Add(array[0]!.DeepClone());
                yield return repeated;
                yield return new JsonArray([.. Enumerable.Range(0, 101).Select(_ => array[0]!.DeepClone())]);
                foreach (var inner in array[0] is { } first ? Changed(first).Take(400) : [])
                {
                    var nested = (JsonArray)array.DeepClone();
                    nested[0] = inner;
                    yield return nested;
                }

                break;
        }
    }

    private static string Shorten(string json) => json.Length <= 300 ? json : json[..300] + "…";
}
