using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Alavida.Api.Validation;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Alavida.Api.Endpoints;

/// <summary>
/// Every JSON request body is read here, the same way. As UTF-8 whatever a charset parameter says: RFC 8259 §8.1
/// makes JSON between systems UTF-8 and application/json defines no charset, so refusing a client whose library adds
/// one would help nobody. Duplicate keys are refused (which one counts would be a guess), and so are values the
/// platform cannot keep (<see cref="JsonInput"/>), before any grain or database call.
/// </summary>
internal static class JsonBody
{
    // Duplicates are looked for by JsonInput.FirstDuplicate (see there why not by the parser).
    private static readonly JsonDocumentOptions DocumentOptions = new() { AllowDuplicateProperties = true, MaxDepth = 64 };

    // The gateway's JSON conventions (ConfigureHttpJsonOptions: snake_case on web defaults) for the request records.
    private static readonly JsonSerializerOptions RecordOptions = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
    };

    /// <summary>The body as a document, or a 400 problem when it is empty, not JSON, or has a field twice.</summary>
    public static async Task<(JsonDocument? Document, ProblemHttpResult? Problem)> ParseAsync(HttpRequest request)
    {
        try
        {
            var document = await JsonDocument.ParseAsync(request.Body, DocumentOptions, request.HttpContext.RequestAborted);
            if (JsonInput.FirstDuplicate(document.RootElement) is { } duplicate)
            {
                document.Dispose();
                return (null, Problems.BadRequest($"The body has the field {Problems.Echo(duplicate)} twice; send each field once."));
            }

            return (document, null);
        }
        catch (JsonException ex)
        {
            var empty = request.ContentLength == 0 || request.HttpContext.Features.Get<IHttpRequestBodyDetectionFeature>() is { CanHaveBody: false };
            return (null, Problems.BadRequest(empty
                ? "The body is empty: send a JSON object, with 'Content-Type: application/json'."
                : $"The body is not valid JSON: {ex.Message}"));
        }
    }

    /// <summary>What a JSON value is, for a problem's detail ("array", "null"…).</summary>
    public static string Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.True or JsonValueKind.False => "boolean",
        var kind => kind.ToString().ToLowerInvariant(),
    };

    /// <summary>
    /// A request record from a body that must be a JSON object of the record's fields only (like the /run schemas'
    /// additionalProperties: false): a 400 problem when it is not JSON or not an object; a 422 problem naming each
    /// field that cannot be kept, is unknown or has the wrong type.
    /// </summary>
    public static async Task<(T? Value, ProblemHttpResult? Problem)> ReadAsync<T>(HttpRequest request)
        where T : class
    {
        var (document, problem) = await ParseAsync(request);
        if (problem is not null)
        {
            return (null, problem);
        }

        using var parsed = document!;
        var body = parsed.RootElement;
        if (body.ValueKind != JsonValueKind.Object)
        {
            return (null, Problems.BadRequest($"The body must be a JSON object, not {Kind(body)}."));
        }

        var errors = JsonInput.Check(body, NumberRange.Double);
        if (errors.Count > 0)
        {
            return (null, Problems.Invalid("The request body has values that cannot be kept.", errors));
        }

        var info = RecordOptions.GetTypeInfo(typeof(T));
        var fields = info.Properties.ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);
        errors.AddRange(body.EnumerateObject().Where(p => !fields.ContainsKey(p.Name))
            .Select(p => new FieldError(Pointer(p.Name), $"unknown field '{Problems.Echo(p.Name)}'; allowed: {string.Join(", ", fields.Keys)}")));
        if (errors.Count > 0)
        {
            return (null, Problems.Invalid("The request body is invalid.", errors));
        }

        try
        {
            return ((T?)body.Deserialize(info), null);
        }
        catch (JsonException ex)
        {
            // The path names the field whose value did not convert ("$.credits"); the record says what it should be.
            var name = ex.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : null;
            var error = name is not null && fields.TryGetValue(name, out var field)
                ? new FieldError(Pointer(field.Name), $"must be {Describe(field.PropertyType)}")
                : new FieldError("/", "does not have the documented shape (see /openapi/v1.json)");
            return (null, Problems.Invalid("The request body is invalid.", [error]));
        }
    }

    private static string Pointer(string name) => "/" + name.Replace("~", "~0").Replace("/", "~1");

    private static string Describe(Type type) => (Nullable.GetUnderlyingType(type) ?? type) switch
    {
        var t when t == typeof(string) => "a string",
        var t when t == typeof(long) => "a whole number within ±9.2e18",
        var t when t == typeof(int) => "a whole number within ±2.1e9",
        var t when t == typeof(bool) => "true or false",
        _ => "of the documented type (see /openapi/v1.json)",
    };
}
