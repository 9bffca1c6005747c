using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Alavida.Client;

/// <summary>
/// The platform's HTTP API for its consumer interfaces (the CLI, the MCP tools): one method per operation they use,
/// JSON as the API answers it (snake_case), and every error as an <see cref="AlavidaApiException"/> carrying the
/// ProblemDetails, or an <see cref="AlavidaConnectionException"/> when the platform cannot be reached.
/// </summary>
public sealed class AlavidaClient : IDisposable
{
    /// <summary>Longest long poll the API allows on <c>GET /jobs/{id}?wait_seconds=</c>.</summary>
    public const int MaxWaitSeconds = 20;

    private readonly HttpClient _http;
    private readonly bool _ownsHttp;

    /// <summary>A client over <paramref name="http"/>, whose base address and Authorization header are already set.</summary>
    public AlavidaClient(HttpClient http, bool ownsHttp = false)
    {
        _http = http;
        _ownsHttp = ownsHttp;
    }

    /// <summary>A client for <paramref name="baseUrl"/> with <paramref name="apiKey"/> as its bearer (none when null).</summary>
    public static AlavidaClient Create(Uri baseUrl, string? apiKey, TimeSpan? timeout = null)
    {
        // A platform behind a path (https://host/alavida/) keeps it: requests resolve relative to the base (see Relative).
        var normalized = baseUrl.AbsoluteUri.EndsWith('/') ? baseUrl : new Uri(baseUrl.AbsoluteUri + "/");
        var http = new HttpClient { BaseAddress = normalized, Timeout = timeout ?? TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("alavida-client", typeof(AlavidaClient).Assembly.GetName().Version?.ToString(3)));
        if (!string.IsNullOrEmpty(apiKey))
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }

        return new AlavidaClient(http, ownsHttp: true);
    }

    public Uri? BaseAddress => _http.BaseAddress;

    // Account
    public Task<JsonElement> MeAsync(CancellationToken ct = default) => GetAsync("/me", null, ct);

    public Task<JsonElement> CreditsAsync(CancellationToken ct = default) => GetAsync("/credits", null, ct);

    public Task<JsonElement> UsageAsync(string? quantum, string? since, int? limit, string? cursor, CancellationToken ct = default) =>
        GetAsync("/credits/usage", Query(("quantum", quantum), ("since", since), ("limit", limit?.ToString()), ("cursor", cursor)), ct);

    // Registry
    public Task<JsonElement> SearchRegistryAsync(string? query, CancellationToken ct = default) =>
        GetAsync("/registry", Query(("q", string.IsNullOrWhiteSpace(query) ? null : query)), ct);

    public Task<JsonElement> GetComponentAsync(string slug, CancellationToken ct = default) =>
        GetAsync($"/registry/{Segment(slug)}", null, ct);

    public Task<string> GetSkillAsync(string slug, CancellationToken ct = default) =>
        GetTextAsync($"/registry/{Segment(slug)}/skill", ct);

    // Runs and jobs
    public Task<JsonElement> RunAsync(string quantum, string action, JsonObject input, string? idempotencyKey, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, $"/{Segment(quantum)}/run/{Segment(action)}", input,
            idempotencyKey is null ? null : [("Idempotency-Key", idempotencyKey)], ct);

    /// <summary>A job; with <paramref name="waitSeconds"/> the API holds the answer until the job is final or that passes.</summary>
    public Task<JsonElement> GetJobAsync(string jobId, int waitSeconds = 0, CancellationToken ct = default) =>
        GetAsync($"/jobs/{Segment(jobId)}", Query(("wait_seconds", waitSeconds > 0 ? Math.Min(waitSeconds, MaxWaitSeconds).ToString() : null)), ct);

    public Task<JsonElement> ListJobsAsync(string? status, string? quantum, string? since, int? limit, string? cursor, CancellationToken ct = default) =>
        GetAsync("/jobs", Query(("status", status), ("quantum", quantum), ("since", since), ("limit", limit?.ToString()), ("cursor", cursor)), ct);

    public Task<JsonElement> CancelJobAsync(string jobId, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, $"/jobs/{Segment(jobId)}/cancel", null, null, ct);

    public Task<JsonElement> GetTraceAsync(string traceId, CancellationToken ct = default) => GetAsync($"/traces/{Segment(traceId)}", null, ct);

    public Task<JsonElement> GetRunAsync(string runId, CancellationToken ct = default) => GetAsync($"/runs/{Segment(runId)}", null, ct);

    // Data
    public Task<JsonElement> ListDataAsync(string quantum, string entity, IEnumerable<KeyValuePair<string, string>> filters, int? limit, string? cursor, CancellationToken ct = default) =>
        GetAsync($"/{Segment(quantum)}/data/{Segment(entity)}",
            [.. filters.Select(f => (f.Key, (string?)f.Value)), ("limit", limit?.ToString()), ("cursor", cursor)], ct);

    // Events
    public Task<JsonElement> SendEventsAsync(JsonNode events, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, "/events", events, null, ct);

    public Task<JsonElement> ListEventsAsync(string? name, string? since, int? limit, string? cursor, CancellationToken ct = default) =>
        GetAsync("/events", Query(("name", name), ("since", since), ("limit", limit?.ToString()), ("cursor", cursor)), ct);

    public Task<JsonElement> CreateEventKeyAsync(string name, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, "/event-keys", new JsonObject { ["name"] = name }, null, ct);

    public Task<JsonElement> ListEventKeysAsync(CancellationToken ct = default) => GetAsync("/event-keys", null, ct);

    public Task<JsonElement> RevokeEventKeyAsync(string keyId, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, $"/event-keys/{Segment(keyId)}/revoke", null, null, ct);

    // Billing
    public Task<JsonElement> PacksAsync(CancellationToken ct = default) => GetAsync("/billing/packs", null, ct);

    public Task<JsonElement> CheckoutAsync(string pack, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, "/billing/checkout", new JsonObject { ["pack"] = pack }, null, ct);

    // Webhooks
    public Task<JsonElement> ListWebhooksAsync(int? limit, string? cursor, CancellationToken ct = default) =>
        GetAsync("/webhooks", Query(("limit", limit?.ToString()), ("cursor", cursor)), ct);

    public Task<JsonElement> GetWebhookAsync(string webhookId, CancellationToken ct = default) => GetAsync($"/webhooks/{Segment(webhookId)}", null, ct);

    public Task<JsonElement> CreateWebhookAsync(string url, IReadOnlyList<string> events, string? description, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, "/webhooks",
            new JsonObject { ["url"] = url, ["events"] = new JsonArray([.. events.Select(e => JsonValue.Create(e))]), ["description"] = description }, null, ct);

    /// <summary>Changes the fields given in <paramref name="changes"/> (url, events, enabled, description).</summary>
    public Task<JsonElement> UpdateWebhookAsync(string webhookId, JsonObject changes, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Patch, $"/webhooks/{Segment(webhookId)}", changes, null, ct);

    public Task<JsonElement> DeleteWebhookAsync(string webhookId, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Delete, $"/webhooks/{Segment(webhookId)}", null, null, ct);

    public Task<JsonElement> RotateWebhookSecretAsync(string webhookId, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, $"/webhooks/{Segment(webhookId)}/rotate-secret", null, null, ct);

    public Task<JsonElement> TestWebhookAsync(string webhookId, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, $"/webhooks/{Segment(webhookId)}/test", null, null, ct);

    public Task<JsonElement> ListWebhookDeliveriesAsync(string webhookId, int? limit, string? cursor, CancellationToken ct = default) =>
        GetAsync($"/webhooks/{Segment(webhookId)}/deliveries", Query(("limit", limit?.ToString()), ("cursor", cursor)), ct);

    public Task<JsonElement> RedeliverWebhookAsync(string webhookId, string deliveryId, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, $"/webhooks/{Segment(webhookId)}/deliveries/{Segment(deliveryId)}/redeliver", null, null, ct);

    public Task<JsonElement> GetAsync(string path, IReadOnlyList<(string Name, string? Value)>? query, CancellationToken ct) =>
        SendAsync(HttpMethod.Get, WithQuery(path, query), null, null, ct);

    public async Task<string> GetTextAsync(string path, CancellationToken ct)
    {
        using var response = await SendRawAsync(new HttpRequestMessage(HttpMethod.Get, Relative(path)), ct);
        return await response.Content.ReadAsStringAsync(ct);
    }

    public async Task<JsonElement> SendAsync(HttpMethod method, string path, JsonNode? body, IReadOnlyList<(string Name, string Value)>? headers, CancellationToken ct)
    {
        var request = new HttpRequestMessage(method, Relative(path));
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        foreach (var (name, value) in headers ?? [])
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await SendRawAsync(request, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (text.Length == 0)
        {
            return JsonDocument.Parse("{}").RootElement.Clone();
        }

        try
        {
            return JsonDocument.Parse(text).RootElement.Clone();
        }
        catch (JsonException)
        {
            throw new AlavidaApiException((int)response.StatusCode, "The platform answered something that is not JSON.", null, [], null, null);
        }
    }

    private async Task<HttpResponseMessage> SendRawAsync(HttpRequestMessage request, CancellationToken ct)
    {
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, ct);
        }
        catch (HttpRequestException e)
        {
            throw new AlavidaConnectionException($"Could not reach Alavida at {_http.BaseAddress}: {e.Message}", e);
        }
        catch (TaskCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new AlavidaConnectionException($"Alavida at {_http.BaseAddress} did not answer within {_http.Timeout.TotalSeconds:0} s.", e);
        }
        finally
        {
            request.Dispose();
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            throw await AlavidaApiException.FromResponseAsync(response, ct);
        }
    }

    private static IReadOnlyList<(string Name, string? Value)> Query(params (string Name, string? Value)[] parameters) => parameters;

    private static string WithQuery(string path, IReadOnlyList<(string Name, string? Value)>? query)
    {
        var parts = (query ?? []).Where(p => p.Value is not null).Select(p => $"{Uri.EscapeDataString(p.Name)}={Uri.EscapeDataString(p.Value!)}").ToList();
        return parts.Count == 0 ? path : $"{path}?{string.Join('&', parts)}";
    }

    private static string Segment(string value) => Uri.EscapeDataString(value);

    /// <summary>The API's paths are written from its root (<c>/jobs</c>); sent relative, they stay under the base's path.</summary>
    private static string Relative(string path) => path.TrimStart('/');

    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }
}
