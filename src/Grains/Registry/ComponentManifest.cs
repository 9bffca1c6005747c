using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Alavida.Grains.Platform;

namespace Alavida.Grains.Registry;

/// <summary>
/// A component as shipped in this assembly: <c>Registry/components/&lt;slug&gt;/component.json</c> (the manifest) and
/// <c>SKILL.md</c> (the consumer skill). The single source of the registry rows.
/// </summary>
public sealed record ComponentManifest(string Slug, string Name, string Kind, string Version, string Description, string ManifestJson, string SkillMarkdown)
{
    private static readonly string[] Kinds = ["deterministic", "agentic", "connector"];

    /// <summary>Hex SHA-256 of the SKILL.md, so an installed copy can be diffed against the registry.</summary>
    public string SkillSha256 => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(SkillMarkdown)));

    /// <summary>Every component shipped in this assembly, validated.</summary>
    public static IReadOnlyList<ComponentManifest> LoadEmbedded()
    {
        var assembly = typeof(ComponentManifest).Assembly;
        var names = assembly.GetManifestResourceNames().Where(n => n.StartsWith("registry/", StringComparison.Ordinal)).ToHashSet();
        return names
            .Where(n => n.EndsWith("/component.json", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(n =>
            {
                var skill = n[..^"component.json".Length] + "SKILL.md";
                if (!names.Contains(skill))
                {
                    throw new InvalidOperationException($"Registry component '{n}' has no SKILL.md beside it.");
                }

                return Parse(Read(n), Read(skill));
            })
            .ToList();

        string Read(string name)
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream, Encoding.UTF8);
            return reader.ReadToEnd();
        }
    }

    /// <summary>Parses and checks a manifest; throws with the component and field named when it is malformed.</summary>
    public static ComponentManifest Parse(string manifestJson, string skillMarkdown)
    {
        var root = JsonNode.Parse(manifestJson)?.AsObject() ?? throw new InvalidOperationException("A registry manifest is empty.");
        var slug = Text(root, "slug", "?");
        var kind = Text(root, "kind", slug);
        if (!Kinds.Contains(kind))
        {
            throw new InvalidOperationException($"Registry component '{slug}': kind '{kind}' is not one of {string.Join(", ", Kinds)}.");
        }

        foreach (var action in root["actions"]?.AsArray() ?? throw new InvalidOperationException($"Registry component '{slug}' has no actions."))
        {
            var name = Text(action!.AsObject(), "name", slug);
            Text(action.AsObject(), "units_from", $"{slug}/{name}");
            _ = action["input_schema"]?.AsObject() ?? throw new InvalidOperationException($"Registry action '{slug}/{name}' has no input_schema.");
            _ = action["price_per_unit"]?.GetValue<long>() ?? throw new InvalidOperationException($"Registry action '{slug}/{name}' has no price_per_unit.");
        }

        return new ComponentManifest(slug, Text(root, "name", slug), kind, Text(root, "version", slug), Text(root, "description", slug),
            root.ToJsonString(), skillMarkdown);
    }

    /// <summary>The descriptor users see; <paramref name="isAvailable"/> says which actions this deployment runs.</summary>
    public ComponentDescriptor ToDescriptor(DateTimeOffset publishedAt, Func<string, string, bool> isAvailable)
    {
        var root = JsonNode.Parse(ManifestJson)!.AsObject();
        var actions = root["actions"]!.AsArray().Select(a => new ActionDescriptor(
            a!["name"]!.GetValue<string>(),
            a["summary"]?.GetValue<string>() ?? "",
            a["input_schema"]!.ToJsonString(),
            a["output_schema"]?.ToJsonString() ?? "{}",
            a["unit"]?.GetValue<string>() ?? "unit",
            a["price_per_unit"]!.GetValue<long>(),
            a["units_from"]!.GetValue<string>(),
            isAvailable(Slug, a["name"]!.GetValue<string>()),
            a["max_request_bytes"]?.GetValue<long>())).ToList();
        return new ComponentDescriptor(Slug, Name, Kind, Version, Description, actions,
            Strings(root["events"]?["consumes"]), Strings(root["events"]?["emits"]), Strings(root["data"]), SkillSha256, publishedAt);
    }

    private static string Text(JsonObject node, string field, string where) =>
        node[field] is JsonValue value && value.TryGetValue<string>(out var text) && !string.IsNullOrWhiteSpace(text)
            ? text
            : throw new InvalidOperationException($"Registry component '{where}': '{field}' is missing or not a string.");

    private static IReadOnlyList<string> Strings(JsonNode? node) =>
        node is JsonArray array ? array.Select(n => n!.GetValue<string>()).ToList() : [];
}
