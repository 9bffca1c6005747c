using System.Diagnostics;
using System.Text.Json;
using Alavida.Api.Validation;
using Alavida.Grains.Mesh;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Alavida.Api.Endpoints;

/// <summary>
/// A request body of events in Inngest's shape (one object or an array of <c>{id?, name, data, user?, ts?, v?}</c>), as
/// <c>POST /events</c> and <c>POST /e/{event key}</c> both take it: read, checked as a whole (none is stored when one is
/// wrong), and turned into mesh events of one team.
/// </summary>
public sealed class EventBatch : IDisposable
{
    /// <summary>Event names only the platform emits (billing's low balance, the mesh's own, webhook deliveries): a team cannot send them.</summary>
    public static readonly IReadOnlyList<string> ReservedPrefixes = ["billing/", "mesh/", "webhook/"];

    private readonly JsonDocument _document;

    private EventBatch(JsonDocument document, List<JsonElement> items)
    {
        _document = document;
        Items = items;
    }

    public IReadOnlyList<JsonElement> Items { get; }

    /// <summary>The batch, or a problem (<paramref name="invalidStatus"/> for events with wrong fields, naming each as <c>events[i].field</c>).</summary>
    public static async Task<(EventBatch? Batch, ProblemHttpResult? Problem)> ReadAsync(HttpRequest request, int invalidStatus)
    {
        var (parsed, problem) = await JsonBody.ParseAsync(request);
        if (parsed is null)
        {
            return (null, problem);
        }

        var body = parsed.RootElement;
        var items = body.ValueKind switch
        {
            JsonValueKind.Object => [body],
            JsonValueKind.Array => body.EnumerateArray().ToList(),
            _ => null,
        };
        if (items is null || items.Any(i => i.ValueKind != JsonValueKind.Object))
        {
            parsed.Dispose();
            return (null, Problems.BadRequest("The body must be an event object or an array of event objects."));
        }

        var errors = items.SelectMany((e, i) => Check(e, $"events[{i}]")).ToList();
        if (errors.Count > 0)
        {
            parsed.Dispose();
            return (null, Problems.Invalid("The events are invalid; none was accepted.", errors, invalidStatus));
        }

        return (new EventBatch(parsed, items), null);
    }

    /// <summary>
    /// The events for <paramref name="teamId"/>. An event without an id gets <paramref name="idFor"/>'s (by its index),
    /// else a new one; its trace is its <c>trace_id</c>, else <c>data.trace_id</c>, else the request's.
    /// </summary>
    public List<MeshEvent> ToMeshEvents(string teamId, TimeProvider time, Func<int, string>? idFor)
    {
        var requestTrace = Activity.Current?.TraceId.ToHexString() ?? Guid.NewGuid().ToString("N");
        return Items.Select((e, i) => new MeshEvent(
            Text(e, "id") ?? idFor?.Invoke(i) ?? Guid.CreateVersion7().ToString(),
            Text(e, "name") ?? "",
            e.TryGetProperty("data", out var data) && data.ValueKind != JsonValueKind.Null ? data.GetRawText() : "{}",
            e.TryGetProperty("user", out var who) && who.ValueKind != JsonValueKind.Null ? who.GetRawText() : null,
            e.TryGetProperty("ts", out var ts) && ts.ValueKind == JsonValueKind.Number ? ts.GetInt64() : time.GetUtcNow().ToUnixTimeMilliseconds(),
            Text(e, "v"),
            Text(e, "trace_id") ?? (data.ValueKind == JsonValueKind.Object ? Text(data, "trace_id") : null) ?? requestTrace,
            teamId)).ToList();
    }

    public void Dispose() => _document.Dispose();

    private static string? Text(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    /// <summary>
    /// What the mesh's own validation cannot see once an event is a <see cref="MeshEvent"/>: values it could not keep,
    /// and fields of the wrong type (null counts as absent, as SDKs send unset optional fields).
    /// </summary>
    private static IEnumerable<FieldError> Check(JsonElement e, string at)
    {
        var unkeepable = false;
        foreach (var error in JsonInput.Check(e, NumberRange.Double, at, PathStyle.Dotted))
        {
            unkeepable = true;
            yield return error;
        }

        foreach (var name in (string[])["id", "name", "v", "trace_id"])
        {
            if (e.TryGetProperty(name, out var value) && value.ValueKind is not (JsonValueKind.String or JsonValueKind.Null))
            {
                yield return new FieldError($"{at}.{name}", $"must be a string, not {JsonBody.Kind(value)}");
            }
        }

        if (!unkeepable && e.TryGetProperty("name", out var eventName) && eventName.ValueKind == JsonValueKind.String
            && ReservedPrefixes.FirstOrDefault(p => eventName.GetString()!.StartsWith(p, StringComparison.OrdinalIgnoreCase)) is { } reserved)
        {
            yield return new FieldError($"{at}.name", $"names starting with '{reserved}' are the platform's own events and cannot be sent");
        }

        if (e.TryGetProperty("ts", out var ts) && ts.ValueKind != JsonValueKind.Null && !(ts.ValueKind == JsonValueKind.Number && ts.TryGetInt64(out _)))
        {
            yield return new FieldError($"{at}.ts", "must be a whole number of milliseconds since the Unix epoch, e.g. 1764979200000");
        }
    }
}
