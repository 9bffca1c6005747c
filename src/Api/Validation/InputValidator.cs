using System.Collections.Concurrent;
using System.Text.Json;
using Alavida.Grains.MeetingAnalysis;
using Alavida.Grains.Meetings;
using Alavida.Grains.Platform;
using Json.Schema;

namespace Alavida.Api.Validation;

/// <summary>Validates a request body against its action's JSON Schema (compiled once per action version).</summary>
public sealed class InputValidator
{
    private const int MaxErrors = 50;
    private static readonly EvaluationOptions FlagOnly = new() { OutputFormat = OutputFormat.Flag };
    private static readonly EvaluationOptions Detailed = new() { OutputFormat = OutputFormat.Hierarchical };
    private readonly ConcurrentDictionary<(string Slug, string Version, string Action), Lazy<CompiledSchema>> _schemas = new();

    /// <summary>
    /// The violations, each naming the field by JSON pointer and saying why in words a user can act on; empty when the
    /// input is valid. <paramref name="alsoAllowed"/> are top-level fields the platform takes out before validating
    /// (<c>max_credits</c>), listed where an unknown top-level field is reported. The input must hold only values
    /// <see cref="JsonInput"/> accepts (decimal numbers): the library throws on others.
    /// </summary>
    public IReadOnlyList<FieldError> Validate(ComponentDescriptor component, ActionDescriptor action, JsonElement input, IReadOnlyCollection<string>? alsoAllowed = null)
    {
        // Built once per action version, each in its own registry: the library's global one refuses a second schema
        // under the same URI, which two validators (or two racing first requests) would otherwise cause.
        var compiled = _schemas.GetOrAdd((component.Slug, component.Version, action.Name), key => new Lazy<CompiledSchema>(() =>
        {
            var schema = JsonSchema.FromText(
                action.InputSchemaJson,
                new BuildOptions { SchemaRegistry = new SchemaRegistry() },
                new Uri($"https://schemas.alavida.dev/{key.Slug}/{key.Version}/{key.Action}/input.json"));
            var document = JsonDocument.Parse(action.InputSchemaJson).RootElement.Clone();
            return new CompiledSchema(schema, document, SchemaVerdict.TryCompile(document));
        })).Value;

        // The verdict first (compiled plain checks, or the library's flag answer where those do not decide); the
        // library's detailed results, with every location, only for input found invalid, and they have the last word.
        var valid = compiled.Verdict?.IsValid(input) ?? compiled.Schema.Evaluate(input, FlagOnly).IsValid;
        var detailed = valid ? null : compiled.Schema.Evaluate(input, Detailed);
        if (detailed is null || detailed.IsValid)
        {
            return CrossFieldRules(component.Slug, action.Name, input);
        }

        return SchemaErrors.Describe(detailed, compiled.Document, input, alsoAllowed ?? [])
            .Distinct()
            .Take(MaxErrors)
            .ToList();
    }

    /// <summary>Rules a JSON Schema cannot say (one field bounded by another), checked once the shape is valid.</summary>
    private static List<FieldError> CrossFieldRules(string quantum, string action, JsonElement input)
    {
        var errors = new List<FieldError>();
        if (quantum == "icp-discovery" && action == "qualify"
            && input.GetProperty("icp").TryGetProperty("employee_range", out var range)
            && range.TryGetProperty("min", out var min) && range.TryGetProperty("max", out var max) && max.GetDouble() < min.GetDouble())
        {
            errors.Add(new FieldError("/icp/employee_range/max", $"must not be below min ({min.GetDouble()})"));
        }

        if (quantum == MeetingLimits.Quantum && action == "ingest")
        {
            errors.AddRange(MeetingErrors(input.GetProperty("meetings")));
        }

        if (quantum == MeetingAnalysisLimits.Quantum && action == "analyze")
        {
            errors.AddRange(RepeatedIds(input.GetProperty("meeting_ids"), "/meeting_ids"));
        }

        return errors;
    }

    /// <summary>Ids that name the same meeting in another letter case ("uniqueItems" compares the strings as written).</summary>
    private static IEnumerable<FieldError> RepeatedIds(JsonElement ids, string pointer)
    {
        var seen = new Dictionary<Guid, int>();
        var i = 0;
        foreach (var id in ids.EnumerateArray())
        {
            if (Guid.TryParse(id.GetString(), out var guid) && !seen.TryAdd(guid, i))
            {
                yield return new FieldError($"{pointer}/{i}", $"repeats {pointer}/{seen[guid]} (the same id in another letter case): send each meeting once");
            }

            i++;
        }
    }

    /// <summary>Each meeting's transcript parsed (the format, the limit, segments with text), and (source, external_id) once per request.</summary>
    private static IEnumerable<FieldError> MeetingErrors(JsonElement meetings)
    {
        var seen = new Dictionary<(string, string), int>();
        var i = 0;
        foreach (var meeting in meetings.EnumerateArray())
        {
            var pointer = $"/meetings/{i}";
            foreach (var problem in MeetingRules.Check(meeting).Problems)
            {
                yield return new FieldError(pointer + problem.Pointer, problem.Message);
            }

            var key = (meeting.GetProperty("source").GetString()!, meeting.GetProperty("external_id").GetString()!);
            if (!seen.TryAdd(key, i))
            {
                yield return new FieldError($"{pointer}/external_id", $"repeats /meetings/{seen[key]} (same source and external_id): send a meeting once per request");
            }

            i++;
        }
    }

    /// <summary>
    /// A compiled schema, its text (the messages quote its allowed fields, enums and bounds) and its compiled verdict
    /// (null when the schema uses a keyword only the library decides).
    /// </summary>
    private sealed record CompiledSchema(JsonSchema Schema, JsonElement Document, SchemaVerdict? Verdict);
}
