using System.Text.Json;

namespace Alavida.Grains.Mesh;

/// <summary>Checks events before anything is persisted, naming the field and the reason.</summary>
public static class MeshEventValidator
{
    public static IReadOnlyList<MeshInputError> Validate(IReadOnlyList<MeshEvent>? events)
    {
        var errors = new List<MeshInputError>();
        if (events is null || events.Count == 0)
        {
            errors.Add(new("events", "at least one event is required"));
            return errors;
        }

        if (events.Count > MeshRouter.MaxEventsPerSend)
        {
            errors.Add(new("events", $"at most {MeshRouter.MaxEventsPerSend} events per request"));
            return errors;
        }

        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            var at = $"events[{i}]";
            if (e is null)
            {
                errors.Add(new(at, "must not be null"));
                continue;
            }

            if (string.IsNullOrWhiteSpace(e.Name))
            {
                errors.Add(new($"{at}.name", "is required"));
            }
            else if (e.Name.Length > 256 || e.Name.Any(char.IsWhiteSpace))
            {
                errors.Add(new($"{at}.name", "must be at most 256 characters without whitespace"));
            }

            if (e.Id is { Length: > 256 })
            {
                errors.Add(new($"{at}.id", "must be at most 256 characters"));
            }

            if (e.Ts < 0)
            {
                errors.Add(new($"{at}.ts", "must be milliseconds since the Unix epoch"));
            }

            CheckObject(errors, $"{at}.data", e.DataJson, required: false);
            CheckObject(errors, $"{at}.user", e.UserJson, required: false);
        }

        return errors;
    }

    private static void CheckObject(List<MeshInputError> errors, string field, string? json, bool required)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            if (required)
            {
                errors.Add(new(field, "is required"));
            }

            return;
        }

        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                errors.Add(new(field, $"must be a JSON object, not {doc.RootElement.ValueKind.ToString().ToLowerInvariant()}"));
            }
        }
        catch (JsonException ex)
        {
            errors.Add(new(field, $"is not valid JSON: {ex.Message}"));
        }
    }
}
