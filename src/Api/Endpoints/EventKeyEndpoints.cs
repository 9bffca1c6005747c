using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Alavida.Api.Auth;
using Alavida.Api.Hosting;
using Alavida.Grains;
using Alavida.Grains.Mesh;
using Alavida.Grains.Platform;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Alavida.Api.Endpoints;

/// <summary>
/// Event keys and Inngest's event API: a team makes keys that can only send events (<c>/event-keys</c>), and
/// connectors and the Inngest SDKs send with them to <c>POST /e/{event key}</c>, answered as Inngest answers.
/// </summary>
public static class EventKeyEndpoints
{
    /// <summary>The header the Inngest SDKs send with each <c>send()</c>, the same on its retries: ids derive from it.</summary>
    public const string IdSeedHeader = "x-inngest-event-id-seed";

    public static IEndpointRouteBuilder MapEventKeyEndpoints(this IEndpointRouteBuilder app)
    {
        var keys = app.MapGroup("/event-keys").WithTags("Events").RequireAuthorization(AuthPolicies.Team);
        keys.MapPost("/", CreateAsync).WithName("CreateEventKey")
            .WithSummary("Create an event key (shown once): it can only send events of your team, to POST /e/{event key}")
            .Accepts<CreateApiKeyRequest>("application/json");
        keys.MapGet("/", ListAsync).WithName("ListEventKeys").WithSummary("Your team's event keys, newest first (never their secrets)");
        keys.MapPost("/{keyId}/revoke", RevokeAsync).WithName("RevokeEventKey").WithSummary("Revoke an event key at once");

        app.MapPost("/e/{eventKey}", SendAsync).WithTags("Events").WithName("SendEventsWithKey").AllowAnonymous()
            .WithSummary("Inngest's event API: one event or an array ({name, data, id?, ts?, v?, user?}) for the event key's team; answers {ids, status: 200}")
            .Accepts<System.Text.Json.JsonElement>("application/json");
        app.MapPost("/e", SendWithHeaderKeyAsync).WithTags("Events").WithName("SendEventsWithKeyHeader").AllowAnonymous()
            .WithSummary("The same as POST /e/{event key}, with the event key in 'Authorization: Bearer <event key>' (for connectors whose credentials set headers, not paths: n8n)")
            .Accepts<System.Text.Json.JsonElement>("application/json");
        return app;
    }

    /// <summary>
    /// <c>POST /e</c>: n8n's and most automation tools' credentials can set a header but never a URL's path, and a key
    /// in a path also lands in their execution logs; so the key may come as a Bearer token instead.
    /// </summary>
    public static Task<Results<Ok<InngestSendResponse>, ProblemHttpResult>> SendWithHeaderKeyAsync(
        HttpRequest request, IGrainFactory grains, RateLimits.VerifiedEventKeys verified, TimeProvider time) =>
        HeaderKey(request) is { } eventKey
            ? SendAsync(eventKey, request, grains, verified, time)
            : Task.FromResult<Results<Ok<InngestSendResponse>, ProblemHttpResult>>(
                Problems.Unauthorized("Send the event key as 'Authorization: Bearer <event key>', or in the path: POST /e/{event key}."));

    /// <summary>The event key of <c>POST /e</c>'s <c>Authorization: Bearer</c> header, if it has one.</summary>
    public static string? HeaderKey(HttpRequest request) => ApiKeyAuthenticationHandler.BearerToken(request);

    /// <summary>Requests to the event API, <c>/e</c> and <c>/e/{event key}</c>, which authenticate by their event key.</summary>
    public static bool IsEventApi(PathString path) => path.StartsWithSegments("/e");

    public static async Task<Results<Created<EventKeyCreated>, ProblemHttpResult>> CreateAsync(HttpRequest request, ClaimsPrincipal user, IGrainFactory grains)
    {
        var (name, problem) = await CreateApiKeyRequest.ReadNameAsync(request, "The event key is invalid.");
        if (name is null)
        {
            return problem!;
        }

        return await grains.GetGrain<IPlatformAdminGrain>(0).CreateEventKeyAsync(user.TeamId(), name) is { } key
            ? TypedResults.Created($"/event-keys/{key.KeyId}", new EventKeyCreated(key.KeyId, key.Name, key.Secret, key.Prefix, key.CreatedAt))
            : Problems.NotFound("Your team no longer exists.");
    }

    public static async Task<Ok<ListResponse<EventKeyView>>> ListAsync(ClaimsPrincipal user, IGrainFactory grains)
    {
        var keys = await grains.GetGrain<IPlatformAdminGrain>(0).ListEventKeysAsync(user.TeamId());
        return TypedResults.Ok(new ListResponse<EventKeyView>(keys.Select(EventKeyView.From).ToList(), null));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> RevokeAsync(string keyId, ClaimsPrincipal user, IGrainFactory grains) =>
        Guid.TryParse(keyId, out var id) && await grains.GetGrain<IPlatformAdminGrain>(0).RevokeEventKeyAsync(user.TeamId(), id)
            ? TypedResults.NoContent()
            : Problems.NotFound($"Your team has no event key '{Problems.Echo(keyId)}'.");

    public static async Task<Results<Ok<InngestSendResponse>, ProblemHttpResult>> SendAsync(
        string eventKey, HttpRequest request, IGrainFactory grains, RateLimits.VerifiedEventKeys verified, TimeProvider time)
    {
        var identity = ApiKeyFormat.TryGetPrefix(eventKey, out var prefix) ? await grains.GrainOf<IApiKeyGrain>(prefix).AuthenticateAsync(eventKey) : null;
        if (identity is not { Kind: ApiKeyKinds.Event })
        {
            return Problems.Unauthorized(identity is null
                ? "The event key is unknown or has been revoked: create one with POST /event-keys."
                : "This is an API key, not an event key: create an event key with POST /event-keys and send to /e/{event key}.");
        }

        verified.Add(prefix);

        var (batch, problem) = await EventBatch.ReadAsync(request, StatusCodes.Status400BadRequest);
        if (batch is null)
        {
            return problem!;
        }

        using (batch)
        {
            var seed = request.Headers[IdSeedHeader].ToString();
            var events = batch.ToMeshEvents(identity.TeamId.ToString(), time, seed is { Length: > 0 and <= 200 } ? i => SeededId(seed, i) : null);
            var result = await grains.GetGrain<IMeshGrain>(0).SendAsync(events);
            return result.Accepted
                ? TypedResults.Ok(new InngestSendResponse(result.Ids, StatusCodes.Status200OK))
                : Problems.Invalid("The events are invalid; none was accepted.", result.Errors.Select(e => new FieldError(e.Field, e.Message)).ToList(), StatusCodes.Status400BadRequest);
        }
    }

    /// <summary>
    /// The same id for the same (seed, position): an SDK retrying a <c>send()</c> whose answer it lost sends the same
    /// seed again, and the mesh then takes each event once (ids are deduplicated per team).
    /// </summary>
    private static string SeededId(string seed, int index)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{seed}|{index}"));
        hash[6] = (byte)(hash[6] & 0x0F | 0x80); // a version-8 (custom) UUID
        hash[8] = (byte)(hash[8] & 0x3F | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true).ToString();
    }

    /// <summary>A request path with an event key's secret cut off (<c>/e/alv_XXXXXXXXXX_…</c>): what logs and traces may keep.</summary>
    public static string Redact(string path) =>
        path.StartsWith("/e/", StringComparison.OrdinalIgnoreCase) && path.Length > 3
            ? path[..3] + (ApiKeyFormat.TryGetPrefix(path[3..].Split('/', '?')[0], out var prefix) ? prefix + "_…" : "…")
            : path;
}

/// <summary>The 201 of <c>POST /event-keys</c>: the key appears here only.</summary>
public sealed record EventKeyCreated(Guid KeyId, string Name, string Key, string Prefix, DateTimeOffset CreatedAt);

/// <summary>An event key as listed (never its secret).</summary>
public sealed record EventKeyView(Guid KeyId, string Name, string Prefix, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt, DateTimeOffset? RevokedAt)
{
    public static EventKeyView From(ApiKeyView k) => new(k.KeyId, k.Name, k.Prefix, k.CreatedAt, k.LastUsedAt, k.RevokedAt);
}

/// <summary>Inngest's event API answer: the events' ids, and 200.</summary>
public sealed record InngestSendResponse(IReadOnlyList<string> Ids, int Status);
