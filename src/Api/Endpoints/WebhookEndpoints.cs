using System.Security.Claims;
using Alavida.Api.Auth;
using Alavida.Grains.Webhooks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Alavida.Api.Endpoints;

/// <summary>
/// <c>/webhooks</c>: a team's endpoints, their secrets and their delivery log (docs/webhooks.md). The rules an endpoint
/// must meet (URL and its addresses, events) are the webhooks grain's; this checks the shape of the request. Another
/// team's endpoint is a 404.
/// </summary>
public static class WebhookEndpoints
{
    public static IEndpointRouteBuilder MapWebhookEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/webhooks").WithTags("Webhooks").RequireAuthorization(AuthPolicies.Team);
        group.MapPost("/", CreateAsync).WithName("CreateWebhook")
            .WithSummary("Register an endpoint for events (names or prefixes ending in '*'); the answer carries its signing secret, shown once")
            .Accepts<CreateWebhookRequest>("application/json");
        group.MapGet("/", ListAsync).WithName("ListWebhooks").WithSummary("The team's endpoints, newest first (paging: limit, cursor)");
        group.MapGet("/{id}", GetAsync).WithName("GetWebhook").WithSummary("One endpoint (never its secret)");
        group.MapPatch("/{id}", UpdateAsync).WithName("UpdateWebhook")
            .WithSummary("Change an endpoint's url, events, description or enabled (enabling clears its failure record)")
            .Accepts<UpdateWebhookRequest>("application/json");
        group.MapDelete("/{id}", DeleteAsync).WithName("DeleteWebhook").WithSummary("Delete an endpoint and its delivery log");
        group.MapPost("/{id}/rotate-secret", RotateSecretAsync).WithName("RotateWebhookSecret")
            .WithSummary("A new signing secret, shown once; the previous one also signs for 24 h");
        group.MapPost("/{id}/test", TestAsync).WithName("TestWebhook").WithSummary("Send a webhook.test delivery to the endpoint");
        group.MapGet("/{id}/deliveries", DeliveriesAsync).WithName("ListWebhookDeliveries")
            .WithSummary("The endpoint's deliveries, newest first: status, attempts, last response code, latency and excerpt (paging: limit, cursor)");
        group.MapPost("/{id}/deliveries/{deliveryId}/redeliver", RedeliverAsync).WithName("RedeliverWebhook")
            .WithSummary("Deliver a delivered or failed delivery again (same webhook-id and body)");
        return app;
    }

    public static async Task<Results<Created<WebhookCreatedResponse>, ProblemHttpResult>> CreateAsync(HttpRequest request, ClaimsPrincipal user, IGrainFactory grains)
    {
        var (body, problem) = await JsonBody.ReadAsync<CreateWebhookRequest>(request);
        if (body is null)
        {
            return problem!;
        }

        var change = await Grain(grains, user).CreateAsync(new WebhookDraft(body.Url ?? "", body.Events ?? [], body.Description));
        if (change.Outcome != WebhookOutcome.Saved)
        {
            return Refused(change, Guid.Empty);
        }

        var view = change.Webhook!;
        return TypedResults.Created($"/webhooks/{view.Id}", new WebhookCreatedResponse(view.Id, change.Secret!, WebhookResponse.From(view)));
    }

    public static async Task<Results<Ok<ListResponse<WebhookResponse>>, ProblemHttpResult>> ListAsync(HttpRequest request, ClaimsPrincipal user, IGrainFactory grains)
    {
        var (list, problem) = ListQuery.ParsePaged(request, "webhooks");
        if (list is null)
        {
            return problem!;
        }

        var page = await Grain(grains, user).ListAsync(list.Limit, list.Cursor);
        return TypedResults.Ok(new ListResponse<WebhookResponse>(page.Items.Select(WebhookResponse.From).ToList(), page.NextCursor));
    }

    public static async Task<Results<Ok<WebhookResponse>, ProblemHttpResult>> GetAsync(string id, ClaimsPrincipal user, IGrainFactory grains)
    {
        if (ParseId(id) is not { } webhookId)
        {
            return BadId();
        }

        return await Grain(grains, user).GetAsync(webhookId) is { } view ? TypedResults.Ok(WebhookResponse.From(view)) : NotFound(webhookId);
    }

    public static async Task<Results<Ok<WebhookResponse>, ProblemHttpResult>> UpdateAsync(string id, HttpRequest request, ClaimsPrincipal user, IGrainFactory grains)
    {
        if (ParseId(id) is not { } webhookId)
        {
            return BadId();
        }

        var (body, problem) = await JsonBody.ReadAsync<UpdateWebhookRequest>(request);
        if (body is null)
        {
            return problem!;
        }

        if (body is { Url: null, Events: null, Enabled: null, Description: null })
        {
            return Problems.Invalid("Nothing to change.", [new FieldError("/", "give at least one of url, events, enabled, description")]);
        }

        var change = await Grain(grains, user).UpdateAsync(webhookId, new WebhookPatch(body.Url, body.Events, body.Enabled, body.Description));
        return change.Outcome == WebhookOutcome.Saved ? TypedResults.Ok(WebhookResponse.From(change.Webhook!)) : Refused(change, webhookId);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(string id, ClaimsPrincipal user, IGrainFactory grains)
    {
        if (ParseId(id) is not { } webhookId)
        {
            return BadId();
        }

        return await Grain(grains, user).DeleteAsync(webhookId) ? TypedResults.NoContent() : NotFound(webhookId);
    }

    public static async Task<Results<Ok<SecretResponse>, ProblemHttpResult>> RotateSecretAsync(string id, ClaimsPrincipal user, IGrainFactory grains)
    {
        if (ParseId(id) is not { } webhookId)
        {
            return BadId();
        }

        var change = await Grain(grains, user).RotateSecretAsync(webhookId);
        return change.Outcome == WebhookOutcome.Saved
            ? TypedResults.Ok(new SecretResponse(webhookId, change.Secret!, change.Webhook!.PreviousSecretExpiresAt))
            : Refused(change, webhookId);
    }

    public static async Task<Results<Accepted<DeliveryRequestedResponse>, ProblemHttpResult>> TestAsync(string id, ClaimsPrincipal user, IGrainFactory grains)
    {
        if (ParseId(id) is not { } webhookId)
        {
            return BadId();
        }

        return Requested(await Grain(grains, user).TestAsync(webhookId), webhookId);
    }

    public static async Task<Results<Ok<ListResponse<DeliveryResponse>>, ProblemHttpResult>> DeliveriesAsync(
        string id, HttpRequest request, ClaimsPrincipal user, IGrainFactory grains)
    {
        if (ParseId(id) is not { } webhookId)
        {
            return BadId();
        }

        var (list, problem) = ListQuery.ParsePaged(request, "deliveries");
        if (list is null)
        {
            return problem!;
        }

        return await Grain(grains, user).ListDeliveriesAsync(webhookId, list.Limit, list.Cursor) is { } page
            ? TypedResults.Ok(new ListResponse<DeliveryResponse>(page.Items.Select(DeliveryResponse.From).ToList(), page.NextCursor))
            : NotFound(webhookId);
    }

    public static async Task<Results<Accepted<DeliveryRequestedResponse>, ProblemHttpResult>> RedeliverAsync(
        string id, string deliveryId, ClaimsPrincipal user, IGrainFactory grains)
    {
        if (ParseId(id) is not { } webhookId)
        {
            return BadId();
        }

        if (ParseId(deliveryId) is not { } delivery)
        {
            return Problems.BadRequest("The delivery id must be a UUID, as listed in delivery_id.");
        }

        return Requested(await Grain(grains, user).RedeliverAsync(webhookId, delivery), webhookId);
    }

    private static IWebhooksGrain Grain(IGrainFactory grains, ClaimsPrincipal user) => grains.GetGrain<IWebhooksGrain>(user.TeamId());

    private static Guid? ParseId(string id) => Guid.TryParse(id, out var parsed) ? parsed : null;

    private static ProblemHttpResult BadId() => Problems.BadRequest("The webhook id must be a UUID, as returned in webhook_id.");

    private static ProblemHttpResult NotFound(Guid webhookId) => Problems.NotFound($"There is no webhook {webhookId} in your team.");

    private static ProblemHttpResult Refused(WebhookChange change, Guid webhookId) => change.Outcome == WebhookOutcome.NotFound
        ? NotFound(webhookId)
        : Problems.Invalid("The webhook is invalid.", (change.Errors ?? []).Select(e => new FieldError(e.Field, e.Message)).ToList());

    private static Results<Accepted<DeliveryRequestedResponse>, ProblemHttpResult> Requested(DeliveryRequest request, Guid webhookId) => request.Outcome switch
    {
        DeliveryOutcome.Requested => TypedResults.Accepted($"/webhooks/{webhookId}/deliveries", new DeliveryRequestedResponse(request.DeliveryId!.Value, webhookId)),
        DeliveryOutcome.Conflict => Problems.Conflict(request.Reason!),
        _ => request.Reason is { } reason ? Problems.NotFound(reason) : NotFound(webhookId),
    };
}

/// <summary><c>POST /webhooks</c>.</summary>
public sealed record CreateWebhookRequest(string? Url, IReadOnlyList<string>? Events, string? Description);

/// <summary><c>PATCH /webhooks/{id}</c>: the fields to change.</summary>
public sealed record UpdateWebhookRequest(string? Url, IReadOnlyList<string>? Events, bool? Enabled, string? Description);

/// <summary>An endpoint.</summary>
public sealed record WebhookResponse(
    Guid WebhookId, string Url, IReadOnlyList<string> Events, string? Description, bool Enabled, string? DisabledReason,
    DateTimeOffset? FailingSince, DateTimeOffset? PreviousSecretExpiresAt, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static WebhookResponse From(WebhookView v) =>
        new(v.Id, v.Url, v.Events, v.Description, v.Enabled, v.DisabledReason, v.FailingSince, v.PreviousSecretExpiresAt, v.CreatedAt, v.UpdatedAt);
}

/// <summary>The 201 of <c>POST /webhooks</c>: keep <c>secret</c>, it is not shown again.</summary>
public sealed record WebhookCreatedResponse(Guid WebhookId, string Secret, WebhookResponse Webhook);

/// <summary>The answer of <c>rotate-secret</c>.</summary>
public sealed record SecretResponse(Guid WebhookId, string Secret, DateTimeOffset? PreviousSecretExpiresAt);

/// <summary>The 202 of a test or a redelivery.</summary>
public sealed record DeliveryRequestedResponse(Guid DeliveryId, Guid WebhookId);

/// <summary>A delivery with its last attempt.</summary>
public sealed record DeliveryResponse(
    Guid DeliveryId, Guid WebhookId, string WebhookMessageId, string EventId, string EventType, string? TraceId, string Status, int Attempts,
    int? ResponseStatus, int? LatencyMs, string? ResponseExcerpt, string? Error, DateTimeOffset CreatedAt, DateTimeOffset? LastAttemptAt,
    DateTimeOffset? NextAttemptAt, DateTimeOffset? DeliveredAt)
{
    public static DeliveryResponse From(DeliveryView d) => new(
        d.Id, d.WebhookId, $"msg_{d.Id:N}", d.EventId, d.EventType, d.TraceId, d.Status, d.Attempts, d.ResponseStatus, d.LatencyMs, d.ResponseExcerpt,
        d.Error, d.CreatedAt, d.LastAttemptAt, d.NextAttemptAt, d.DeliveredAt);
}
