using System.Collections.Concurrent;
using System.Text.Json;
using Alavida.Grains.Platform;
using Json.Schema;

namespace Alavida.Api.Validation;

/// <summary>Validates a request body against its action's JSON Schema (compiled once per action version).</summary>
public sealed class InputValidator
{
    private const int MaxErrors = 50;
    private static readonly EvaluationOptions FlagOnly = new() { OutputFormat = OutputFormat.Flag };
    private readonly ConcurrentDictionary<(string Slug, string Version, string Action), Lazy<JsonSchema>> _schemas = new();

    /// <summary>The violations, each naming the field by JSON pointer; empty when the input is valid.</summary>
    public IReadOnlyList<FieldError> Validate(ComponentDescriptor component, ActionDescriptor action, JsonElement input)
    {
        // Built once per action version, each in its own registry: the library's global one refuses a second schema
        // under the same URI, which two validators (or two racing first requests) would otherwise cause.
        var schema = _schemas.GetOrAdd((component.Slug, component.Version, action.Name), key => new Lazy<JsonSchema>(() =>
            JsonSchema.FromText(
                action.InputSchemaJson,
                new BuildOptions { SchemaRegistry = new SchemaRegistry() },
                new Uri($"https://schemas.alavida.dev/{key.Slug}/{key.Version}/{key.Action}/input.json")))).Value;
        // The flag answer is cheap; the detailed list (with every location) is built only for invalid input.
        if (schema.Evaluate(input, FlagOnly).IsValid)
        {
            return CrossFieldRules(component.Slug, action.Name, input);
        }

        var result = schema.Evaluate(input, new EvaluationOptions { OutputFormat = OutputFormat.List });

        return (result.Details ?? [result])
            .Where(d => d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Select(e => new FieldError(Pointer(d.InstanceLocation.ToString()), e.Value)))
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

        return errors;
    }

    private static string Pointer(string location) => string.IsNullOrEmpty(location) ? "/" : location;
}
