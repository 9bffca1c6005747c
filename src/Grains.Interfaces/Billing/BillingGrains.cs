using Alavida.Grains.Platform;

namespace Alavida.Grains.Billing;

/// <summary>
/// A team's side of Stripe: its Customer, Checkout Sessions and off-session top-ups, and its purchases. Calls to
/// Stripe happen here, never in the team's credit writer (<see cref="ITeamGrain"/>), so a slow Stripe never holds up
/// the team's jobs; credits change only through <see cref="ITeamGrain.ApplyStripeNoticeAsync"/>.
/// </summary>
[Alias("Alavida.Billing.ITeamBillingGrain")]
public interface ITeamBillingGrain : IGrainWithGuidKey
{
    /// <summary>
    /// Creates (or reuses) the team's Stripe Customer, records a pending purchase of the pack and creates its Checkout
    /// Session (payment mode, the payment method saved for later off-session use). Stripe's refusal is answered, not
    /// thrown. Under the order's idempotency key, the team's first checkout is the only one (see <see cref="CheckoutStarted"/>).
    /// </summary>
    [Alias("StartCheckout")]
    Task<CheckoutStarted> StartCheckoutAsync(CheckoutOrder order);

    /// <summary>
    /// Creates the off-session PaymentIntent of a pending auto top-up purchase (once: Stripe's idempotency key is the
    /// purchase's, which is one per crossing). Returns its id, or null when the purchase failed (no saved payment
    /// method, or the card was declined) or is not a pending top-up of this team.
    /// </summary>
    [Alias("StartAutoTopUp")]
    Task<string?> StartAutoTopUpAsync(Guid purchaseId);

    /// <summary>A page of the team's Stripe purchases, newest first.</summary>
    [Alias("ListPurchases")]
    Task<Page<PurchaseView>> ListPurchasesAsync(int limit, string? cursor);
}

/// <summary>
/// The front door of Stripe's webhook (a stateless worker): finds the team an event is for (its metadata, or the
/// purchase of its PaymentIntent) and hands it to that team's credit writer. Events for no team of ours are recorded
/// and ignored.
/// </summary>
[Alias("Alavida.Billing.IStripeEventsGrain")]
public interface IStripeEventsGrain : IGrainWithIntegerKey
{
    /// <summary>Handles a verified event (idempotent by its id).</summary>
    [Alias("Handle")]
    Task<StripeNoticeOutcome> HandleAsync(StripeNotice notice);
}
