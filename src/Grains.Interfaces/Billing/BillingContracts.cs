namespace Alavida.Grains.Billing;

/// <summary>A pack of credits on sale: a price and currency, or a Stripe Price id.</summary>
/// <param name="Id">Its id (e.g. <c>starter</c>), what <c>POST /billing/checkout</c> names.</param>
/// <param name="Credits">Credits it adds.</param>
/// <param name="AmountCents">Price in the currency's minor unit, when not given by <paramref name="PriceId"/>.</param>
/// <param name="Currency">ISO currency code, lowercase (e.g. <c>usd</c>), with <paramref name="AmountCents"/>.</param>
/// <param name="PriceId">A Stripe Price id (<c>price_…</c>) instead of an amount.</param>
[GenerateSerializer, Immutable, Alias("Alavida.Billing.CreditPack")]
public sealed record CreditPack(
    [property: Id(0)] string Id,
    [property: Id(1)] long Credits,
    [property: Id(2)] long? AmountCents = null,
    [property: Id(3)] string? Currency = null,
    [property: Id(4)] string? PriceId = null)
{
    /// <summary>Parameterless, for configuration binding.</summary>
    public CreditPack() : this("", 0)
    {
    }

    /// <summary>Why the pack cannot be sold as configured, or null.</summary>
    public string? Problem() =>
        string.IsNullOrWhiteSpace(Id) ? "needs an id"
        : Credits <= 0 ? $"pack '{Id}' needs credits > 0"
        : PriceId is null && (AmountCents is not > 0 || string.IsNullOrWhiteSpace(Currency)) ? $"pack '{Id}' needs AmountCents > 0 and Currency, or PriceId"
        : null;
}

/// <summary>A checkout for one pack.</summary>
/// <param name="Pack">The pack.</param>
/// <param name="SuccessUrl">Where Checkout returns after payment.</param>
/// <param name="CancelUrl">Where Checkout returns when abandoned.</param>
/// <param name="IdempotencyKey">
/// The caller's <c>Idempotency-Key</c>, if any: the team's first checkout under it is the only one; a repeat answers
/// with that checkout (its session and URL, or its refusal) and starts nothing.
/// </param>
[GenerateSerializer, Immutable, Alias("Alavida.Billing.CheckoutOrder")]
public sealed record CheckoutOrder(
    [property: Id(0)] CreditPack Pack, [property: Id(1)] string SuccessUrl, [property: Id(2)] string CancelUrl, [property: Id(3)] string? IdempotencyKey = null);

/// <summary>A Checkout Session created for a pending purchase.</summary>
/// <param name="CheckoutUrl">Where to send the buyer.</param>
/// <param name="SessionId">The Checkout Session (<c>cs_…</c>).</param>
/// <param name="PurchaseId">The purchase (failed when Stripe refused).</param>
/// <param name="Refusal">Why Stripe refused to create the session (then URL and session are empty).</param>
/// <param name="KeyReused">
/// Why the order's idempotency key cannot start this checkout: it started one of another pack, or of this pack before
/// its price changed (the purchase named is that one; nothing was started).
/// </param>
/// <param name="KeyHonoured">
/// The grain read the order's idempotency key (a grain of the release before keys ignores it and answers false).
/// </param>
[GenerateSerializer, Immutable, Alias("Alavida.Billing.CheckoutStarted")]
public sealed record CheckoutStarted(
    [property: Id(0)] string CheckoutUrl, [property: Id(1)] string SessionId, [property: Id(2)] Guid PurchaseId, [property: Id(3)] string? Refusal = null,
    [property: Id(4)] string? KeyReused = null, [property: Id(5)] bool KeyHonoured = false);

/// <summary>What a Stripe event means for a purchase.</summary>
public enum StripeNoticeKind
{
    /// <summary>Paid (checkout completed and paid, async payment succeeded, PaymentIntent succeeded): credit once.</summary>
    Paid,

    /// <summary>The payment failed.</summary>
    Failed,

    /// <summary>The Checkout Session expired unpaid.</summary>
    Expired,

    /// <summary>The charge was refunded (wholly or partly): remove the refunded share of the credits.</summary>
    Refunded,

    /// <summary>The charge is disputed: flag the purchase.</summary>
    Disputed,
}

/// <summary>A verified Stripe event, reduced to what billing needs.</summary>
/// <param name="EventId">Stripe's event id (<c>evt_…</c>): handled once.</param>
/// <param name="Type">Stripe's event type.</param>
/// <param name="Kind">What it means.</param>
/// <param name="TeamId">The team in the object's metadata, when there.</param>
/// <param name="PurchaseId">The purchase in the object's metadata, when there.</param>
/// <param name="SessionId">The Checkout Session, for session events.</param>
/// <param name="PaymentIntentId">The PaymentIntent the object names.</param>
/// <param name="Amount">The charge's amount (refunds), in minor units.</param>
/// <param name="AmountRefunded">The charge's amount refunded so far (refunds).</param>
/// <param name="Failure">Why a payment failed, as Stripe says it.</param>
[GenerateSerializer, Immutable, Alias("Alavida.Billing.StripeNotice")]
public sealed record StripeNotice(
    [property: Id(0)] string EventId,
    [property: Id(1)] string Type,
    [property: Id(2)] StripeNoticeKind Kind,
    [property: Id(3)] Guid? TeamId,
    [property: Id(4)] Guid? PurchaseId,
    [property: Id(5)] string? SessionId,
    [property: Id(6)] string? PaymentIntentId,
    [property: Id(7)] long Amount = 0,
    [property: Id(8)] long AmountRefunded = 0,
    [property: Id(9)] string? Failure = null);

/// <summary>How a Stripe event was handled (each is a 200 to Stripe: retrying would not change it).</summary>
public enum StripeNoticeOutcome
{
    /// <summary>The purchase changed (and the credits, when paid or refunded).</summary>
    Applied,

    /// <summary>This event id was handled before; nothing changed.</summary>
    Duplicate,

    /// <summary>The purchase already was in that state (another event for it came first); nothing changed.</summary>
    AlreadyApplied,

    /// <summary>No purchase of the team matches; nothing changed (logged).</summary>
    UnknownPurchase,

    /// <summary>The event names no team of ours; nothing changed (logged).</summary>
    UnknownTeam,
}

/// <summary>A purchase of credits through Stripe.</summary>
/// <param name="PurchaseId">Its id.</param>
/// <param name="Kind"><c>checkout</c> or <c>auto_top_up</c>.</param>
/// <param name="Pack">The pack bought.</param>
/// <param name="Credits">Credits it adds when paid.</param>
/// <param name="AmountCents">Its price, when known.</param>
/// <param name="Currency">Its currency, when known.</param>
/// <param name="Status"><c>pending</c>, <c>paid</c>, <c>failed</c>, <c>expired</c> or <c>refunded</c>.</param>
/// <param name="SessionId">Its Checkout Session.</param>
/// <param name="PaymentIntentId">Its PaymentIntent.</param>
/// <param name="CreatedAt">When it was started.</param>
/// <param name="PaidAt">When it was paid.</param>
/// <param name="RefundedCredits">Credits the refunds cover.</param>
/// <param name="RemovedCredits">Credits taken back from the balance for them.</param>
/// <param name="RefundShortfall">Refunded credits that had already been spent (not taken back: the balance never goes negative).</param>
/// <param name="DisputedAt">When its charge was disputed.</param>
/// <param name="Failure">Why it failed.</param>
[GenerateSerializer, Immutable, Alias("Alavida.Billing.PurchaseView")]
public sealed record PurchaseView(
    [property: Id(0)] Guid PurchaseId,
    [property: Id(1)] string Kind,
    [property: Id(2)] string? Pack,
    [property: Id(3)] long Credits,
    [property: Id(4)] long? AmountCents,
    [property: Id(5)] string? Currency,
    [property: Id(6)] string Status,
    [property: Id(7)] string? SessionId,
    [property: Id(8)] string? PaymentIntentId,
    [property: Id(9)] DateTimeOffset CreatedAt,
    [property: Id(10)] DateTimeOffset? PaidAt,
    [property: Id(11)] long RefundedCredits,
    [property: Id(12)] long RemovedCredits,
    [property: Id(13)] long RefundShortfall,
    [property: Id(14)] DateTimeOffset? DisputedAt,
    [property: Id(15)] string? Failure);

/// <summary>A team's billing settings.</summary>
/// <param name="LowBalanceThreshold">Below this balance <c>billing/credits.low</c> is emitted (once per crossing); null: off.</param>
/// <param name="AutoTopUp">The pack bought off-session on each crossing; null: off.</param>
[GenerateSerializer, Immutable, Alias("Alavida.Billing.BillingSettings")]
public sealed record BillingSettings([property: Id(0)] long? LowBalanceThreshold, [property: Id(1)] CreditPack? AutoTopUp);

/// <summary>What <c>GET /credits</c> adds for billing.</summary>
/// <param name="LifetimePurchased">Credits ever bought (paid purchases; grants are not purchases).</param>
/// <param name="LowBalanceThreshold">The team's threshold, if set.</param>
/// <param name="LowSince">Since when the balance is below it (null when not low).</param>
/// <param name="RefundShortfall">Refunded credits that could not be taken back, in all.</param>
[GenerateSerializer, Immutable, Alias("Alavida.Billing.BillingStatus")]
public sealed record BillingStatus(
    [property: Id(0)] long LifetimePurchased,
    [property: Id(1)] long? LowBalanceThreshold,
    [property: Id(2)] DateTimeOffset? LowSince,
    [property: Id(3)] long RefundShortfall);

/// <summary>The outcome of changing billing settings.</summary>
public enum SettingsOutcome
{
    /// <summary>Saved.</summary>
    Saved,

    /// <summary>Auto top-up needs a paid checkout first (it saves the payment method used off-session).</summary>
    NoSavedPaymentMethod,
}
