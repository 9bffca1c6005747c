using System.ComponentModel.DataAnnotations;

namespace Alavida.Grains.Webhooks;

/// <summary>Webhook delivery, section <c>Webhooks</c> (docs/webhooks.md).</summary>
public sealed class WebhookOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Webhooks";

    /// <summary>
    /// Allow http and endpoints on loopback, private, link-local and metadata addresses (tests, self-hosting on a
    /// private network). Off: https only, public addresses only, checked at creation and at every connection.
    /// </summary>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>The waits between attempts (one attempt more than waits) when <see cref="RetrySchedule"/> is not set: 27 h 35 min in all.</summary>
    public static readonly IReadOnlyList<TimeSpan> DefaultRetrySchedule =
    [
        TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2),
        TimeSpan.FromHours(5), TimeSpan.FromHours(10), TimeSpan.FromHours(10),
    ];

    /// <summary>
    /// The waits between attempts; each gets ±20 % jitter. Unset: <see cref="DefaultRetrySchedule"/> (a configured list
    /// replaces it rather than adding to it, which is why the default is not the property's value).
    /// </summary>
    public TimeSpan[]? RetrySchedule { get; set; }

    /// <summary>The schedule in force.</summary>
    public IReadOnlyList<TimeSpan> Schedule => RetrySchedule is { Length: > 0 } configured ? configured : DefaultRetrySchedule;

    /// <summary>
    /// How long an endpoint must have failed (no delivery reaching it) before a delivery that exhausts its schedule
    /// disables it.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "30.00:00:00")]
    public TimeSpan DisableAfter { get; set; } = TimeSpan.FromDays(3);

    /// <summary>How long one attempt may take, connection and response included.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:05:00")]
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Deliveries in flight per endpoint (a slow endpoint holds only its own slots).</summary>
    [Range(1, 1000)]
    public int ConcurrencyPerEndpoint { get; set; } = 10;

    /// <summary>How much of a response is read and kept in the delivery log; the rest is never read.</summary>
    [Range(0, 65536)]
    public int ResponseExcerptBytes { get; set; } = 1024;

    /// <summary>How long the previous secret still signs after a rotation.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00")]
    public TimeSpan PreviousSecretLifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How often each silo reloads which teams subscribe to which events (a change made on another silo is seen within it).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan SubscriptionRefresh { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Endpoints per team.</summary>
    [Range(1, 1000)]
    public int MaxEndpointsPerTeam { get; set; } = 50;
}
