using System.Text.Json;

namespace Alavida.Client;

/// <summary>One field the platform refused, and why.</summary>
public sealed record FieldProblem(string Field, string Message);

/// <summary>An error answer of the platform: its status and ProblemDetails (title, detail, field errors, trace id).</summary>
public sealed class AlavidaApiException(int status, string title, string? detail, IReadOnlyList<FieldProblem> errors, string? traceId, TimeSpan? retryAfter)
    : Exception(detail ?? title)
{
    public int Status { get; } = status;

    public string Title { get; } = title;

    public string? Detail { get; } = detail;

    public IReadOnlyList<FieldProblem> Errors { get; } = errors;

    public string? TraceId { get; } = traceId;

    public TimeSpan? RetryAfter { get; } = retryAfter;

    /// <summary>One line a person can read: the detail (or title), then the status.</summary>
    public string OneLine => $"{(Detail ?? Title).TrimEnd('.')}. ({Status}{(TraceId is null ? "" : $", trace {TraceId}")})";

    internal static async Task<AlavidaApiException> FromResponseAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var status = (int)response.StatusCode;
        var retryAfter = response.Headers.RetryAfter?.Delta;
        var text = await response.Content.ReadAsStringAsync(ct);
        try
        {
            using var doc = JsonDocument.Parse(text);
            var root = doc.RootElement;
            var errors = new List<FieldProblem>();
            if (root.TryGetProperty("errors", out var list) && list.ValueKind == JsonValueKind.Array)
            {
                errors.AddRange(list.EnumerateArray()
                    .Where(e => e.ValueKind == JsonValueKind.Object)
                    .Select(e => new FieldProblem(Text(e, "field") ?? "", Text(e, "message") ?? "")));
            }

            return new AlavidaApiException(status, Text(root, "title") ?? Reason(response), Text(root, "detail"), errors, Text(root, "trace_id"), retryAfter);
        }
        catch (JsonException)
        {
            return new AlavidaApiException(status, Reason(response), null, [], null, retryAfter);
        }
    }

    private static string Reason(HttpResponseMessage response) =>
        $"HTTP {(int)response.StatusCode} {response.ReasonPhrase ?? response.StatusCode.ToString()}";

    private static string? Text(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}

/// <summary>The platform could not be reached (refused, unresolvable, timed out).</summary>
public sealed class AlavidaConnectionException(string message, Exception inner) : Exception(message, inner);
