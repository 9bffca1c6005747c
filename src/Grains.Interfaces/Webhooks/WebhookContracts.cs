using Alavida.Grains.Platform;

namespace Alavida.Grains.Webhooks;

/// <summary>
/// A team's webhook endpoints and their deliveries (docs/webhooks.md). Keyed by the team id: a team sees and changes
/// only its own endpoints, and only its own events are ever delivered to them.
/// </summary>
[Alias("Alavida.Webhooks.IWebhooksGrain")]
public interface IWebhooksGrain : IGrainWithGuidKey
{
    /// <summary>Registers an endpoint (URL checked against the outbound rules, DNS included); the answer carries its secret, once.</summary>
    [Alias("Create")]
    Task<WebhookChange> CreateAsync(WebhookDraft draft);

    /// <summary>A page of the team's endpoints, newest first.</summary>
    [Alias("List")]
    Task<Page<WebhookView>> ListAsync(int limit, string? cursor);

    /// <summary>One endpoint of the team, or null.</summary>
    [Alias("Get")]
    Task<WebhookView?> GetAsync(Guid webhookId);

    /// <summary>Changes an endpoint's URL, events, description or enabled flag (enabling clears its failure record).</summary>
    [Alias("Update")]
    Task<WebhookChange> UpdateAsync(Guid webhookId, WebhookPatch patch);

    /// <summary>Deletes an endpoint and its delivery log; false when the team has no such endpoint.</summary>
    [Alias("Delete")]
    Task<bool> DeleteAsync(Guid webhookId);

    /// <summary>A new secret (returned once); the previous one still signs deliveries for the overlap (24 h).</summary>
    [Alias("RotateSecret")]
    Task<WebhookChange> RotateSecretAsync(Guid webhookId);

    /// <summary>Makes a <c>webhook.test</c> delivery to the endpoint.</summary>
    [Alias("Test")]
    Task<DeliveryRequest> TestAsync(Guid webhookId);

    /// <summary>A page of the endpoint's deliveries, newest first; null when the team has no such endpoint.</summary>
    [Alias("ListDeliveries")]
    Task<Page<DeliveryView>?> ListDeliveriesAsync(Guid webhookId, int limit, string? cursor);

    /// <summary>Delivers a finished delivery again (same webhook-id, same body).</summary>
    [Alias("Redeliver")]
    Task<DeliveryRequest> RedeliverAsync(Guid webhookId, Guid deliveryId);
}

/// <summary>A new endpoint.</summary>
/// <param name="Url">Where deliveries are posted (https; see the outbound rules).</param>
/// <param name="Events">Event names, or prefixes ending in <c>*</c> (<c>meeting/*</c>; <c>*</c> alone: every event).</param>
/// <param name="Description">Free text for the team.</param>
[GenerateSerializer, Immutable, Alias("Alavida.Webhooks.WebhookDraft")]
public sealed record WebhookDraft([property: Id(0)] string Url, [property: Id(1)] IReadOnlyList<string> Events, [property: Id(2)] string? Description);

/// <summary>Changes to an endpoint; a null member stays as it is.</summary>
/// <param name="Url">A new URL.</param>
/// <param name="Events">New event names or prefixes.</param>
/// <param name="Enabled">Enable (clears the failure record) or disable.</param>
/// <param name="Description">A new description (empty clears it).</param>
[GenerateSerializer, Immutable, Alias("Alavida.Webhooks.WebhookPatch")]
public sealed record WebhookPatch(
    [property: Id(0)] string? Url, [property: Id(1)] IReadOnlyList<string>? Events, [property: Id(2)] bool? Enabled, [property: Id(3)] string? Description);

/// <summary>An endpoint as the team sees it (never its secret).</summary>
/// <param name="Id">The webhook id.</param>
/// <param name="Url">Where deliveries go.</param>
/// <param name="Events">Names and prefixes it receives.</param>
/// <param name="Description">The team's description.</param>
/// <param name="Enabled">False once disabled (by the team, a 410, or three days of failures).</param>
/// <param name="DisabledReason"><c>gone</c> (the endpoint answered 410), <c>failing</c> (every attempt failed for the retry schedule), or null.</param>
/// <param name="FailingSince">The first failed attempt since the last success, or null.</param>
/// <param name="PreviousSecretExpiresAt">Until when the previous secret also signs, after a rotation.</param>
/// <param name="CreatedAt">Creation time.</param>
/// <param name="UpdatedAt">Last change.</param>
[GenerateSerializer, Immutable, Alias("Alavida.Webhooks.WebhookView")]
public sealed record WebhookView(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Url,
    [property: Id(2)] IReadOnlyList<string> Events,
    [property: Id(3)] string? Description,
    [property: Id(4)] bool Enabled,
    [property: Id(5)] string? DisabledReason,
    [property: Id(6)] DateTimeOffset? FailingSince,
    [property: Id(7)] DateTimeOffset? PreviousSecretExpiresAt,
    [property: Id(8)] DateTimeOffset CreatedAt,
    [property: Id(9)] DateTimeOffset UpdatedAt);

/// <summary>What a change did.</summary>
public enum WebhookOutcome
{
    /// <summary>Saved.</summary>
    Saved,

    /// <summary>The team has no such endpoint.</summary>
    NotFound,

    /// <summary>The input was refused (see the errors); nothing changed.</summary>
    Invalid,
}

/// <summary>The result of a change: the endpoint (and its secret when one was made), or why nothing changed.</summary>
/// <param name="Outcome">Saved, not found or invalid.</param>
/// <param name="Webhook">The endpoint after the change.</param>
/// <param name="Secret">The new signing secret (<c>whsec_…</c>): on creation and rotation only.</param>
/// <param name="Errors">Why the input was refused.</param>
[GenerateSerializer, Immutable, Alias("Alavida.Webhooks.WebhookChange")]
public sealed record WebhookChange(
    [property: Id(0)] WebhookOutcome Outcome,
    [property: Id(1)] WebhookView? Webhook = null,
    [property: Id(2)] string? Secret = null,
    [property: Id(3)] IReadOnlyList<WebhookFieldError>? Errors = null);

/// <summary>One refused field: a JSON pointer into the request (<c>/url</c>, <c>/events/2</c>) and why.</summary>
[GenerateSerializer, Immutable, Alias("Alavida.Webhooks.WebhookFieldError")]
public sealed record WebhookFieldError([property: Id(0)] string Field, [property: Id(1)] string Message);

/// <summary>One delivery (an event to an endpoint) with its last attempt.</summary>
/// <param name="Id">The delivery id; <c>msg_{id without dashes}</c> is the webhook-id every attempt carries.</param>
/// <param name="WebhookId">The endpoint.</param>
/// <param name="EventId">The event delivered.</param>
/// <param name="EventType">Its type (the body's <c>type</c>).</param>
/// <param name="TraceId">The trace it belongs to.</param>
/// <param name="Status"><c>pending</c>, <c>delivered</c> or <c>failed</c>.</param>
/// <param name="Attempts">Attempts made so far (redeliveries included).</param>
/// <param name="ResponseStatus">The last attempt's HTTP status, null when none came back.</param>
/// <param name="LatencyMs">The last attempt's duration.</param>
/// <param name="ResponseExcerpt">The start of the last response body (bounded).</param>
/// <param name="Error">Why the last attempt failed, when no status explains it (timeout, refused address…).</param>
/// <param name="CreatedAt">When the delivery was made.</param>
/// <param name="LastAttemptAt">The last attempt.</param>
/// <param name="NextAttemptAt">The next attempt, while pending after a failure.</param>
/// <param name="DeliveredAt">When a 2xx came back.</param>
[GenerateSerializer, Immutable, Alias("Alavida.Webhooks.DeliveryView")]
public sealed record DeliveryView(
    [property: Id(0)] Guid Id,
    [property: Id(1)] Guid WebhookId,
    [property: Id(2)] string EventId,
    [property: Id(3)] string EventType,
    [property: Id(4)] string? TraceId,
    [property: Id(5)] string Status,
    [property: Id(6)] int Attempts,
    [property: Id(7)] int? ResponseStatus,
    [property: Id(8)] int? LatencyMs,
    [property: Id(9)] string? ResponseExcerpt,
    [property: Id(10)] string? Error,
    [property: Id(11)] DateTimeOffset CreatedAt,
    [property: Id(12)] DateTimeOffset? LastAttemptAt,
    [property: Id(13)] DateTimeOffset? NextAttemptAt,
    [property: Id(14)] DateTimeOffset? DeliveredAt);

/// <summary>What asking for a delivery (test, redelivery) did.</summary>
public enum DeliveryOutcome
{
    /// <summary>The delivery is on its way.</summary>
    Requested,

    /// <summary>No such endpoint (or delivery) for the team.</summary>
    NotFound,

    /// <summary>Not now: the endpoint is disabled, or the delivery is still pending.</summary>
    Conflict,
}

/// <summary>The answer to a test or a redelivery.</summary>
/// <param name="Outcome">Requested, not found or conflict.</param>
/// <param name="DeliveryId">The delivery, when requested.</param>
/// <param name="Reason">Why not: on a conflict, and when the endpoint exists but the delivery does not.</param>
[GenerateSerializer, Immutable, Alias("Alavida.Webhooks.DeliveryRequest")]
public sealed record DeliveryRequest([property: Id(0)] DeliveryOutcome Outcome, [property: Id(1)] Guid? DeliveryId = null, [property: Id(2)] string? Reason = null);
