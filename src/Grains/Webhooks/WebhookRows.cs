using Alavida.Grains.Platform;

namespace Alavida.Grains.Webhooks;

/// <summary>Rows of <c>webhooks.endpoints</c> and <c>webhooks.deliveries</c> as the API shows them.</summary>
internal static class WebhookRows
{
    public const string EndpointColumns =
        "id, url, events, description, enabled, disabled_reason, failing_since, previous_secret_expires_at, created_at, updated_at";

    public const string DeliveryColumns =
        """
        id, endpoint_id, event_id, event_type, trace_id, status, attempts, response_status, latency_ms, response_excerpt, error,
        created_at, last_attempt_at, next_attempt_at, delivered_at
        """;

    /// <summary>A class, not a positional record: Dapper binds <c>text[]</c> to a property but not to a constructor.</summary>
    public sealed class Endpoint
    {
        public Guid Id { get; init; }
        public string Url { get; init; } = "";
        public string[] Events { get; init; } = [];
        public string? Description { get; init; }
        public bool Enabled { get; init; }
        public string? DisabledReason { get; init; }
        public DateTime? FailingSince { get; init; }
        public DateTime? PreviousSecretExpiresAt { get; init; }
        public DateTime CreatedAt { get; init; }
        public DateTime UpdatedAt { get; init; }

        public WebhookView ToView() => new(Id, Url, Events, Description, Enabled, DisabledReason, FailingSince.Utc(),
            PreviousSecretExpiresAt is { } expires && expires > DateTime.UtcNow ? expires.Utc() : null, CreatedAt.Utc(), UpdatedAt.Utc());
    }

    public sealed record Delivery(
        Guid Id, Guid EndpointId, string EventId, string EventType, string? TraceId, string Status, int Attempts, int? ResponseStatus, int? LatencyMs,
        string? ResponseExcerpt, string? Error, DateTime CreatedAt, DateTime? LastAttemptAt, DateTime? NextAttemptAt, DateTime? DeliveredAt)
    {
        public DeliveryView ToView() => new(Id, EndpointId, EventId, EventType, TraceId, Status, Attempts, ResponseStatus, LatencyMs, ResponseExcerpt,
            Error, CreatedAt.Utc(), LastAttemptAt.Utc(), NextAttemptAt.Utc(), DeliveredAt.Utc());
    }
}
