using Microsoft.Extensions.Options;
using Stripe;
using Stripe.Checkout;

namespace Alavida.Grains.Billing;

/// <summary>
/// The calls billing makes to Stripe, with Stripe.net. Every write carries an idempotency key of ours, so a retry
/// (Stripe.net's own, or ours after a lost answer) gets the first answer instead of a second object.
/// </summary>
public sealed class StripeGateway(IOptions<StripeOptions> options)
{
    private readonly Lazy<StripeClient> _client = new(() => new StripeClient(new StripeClientOptions
    {
        ApiKey = options.Value.IsConfigured ? options.Value.SecretKey : throw new InvalidOperationException("Stripe:SecretKey is not set."),
        ApiBase = string.IsNullOrWhiteSpace(options.Value.ApiBase) ? null : options.Value.ApiBase.TrimEnd('/'),
        HttpClient = new SystemNetHttpClient(new HttpClient(), maxNetworkRetries: 2), // one per silo, for the process's life
    }));

    /// <summary>A Customer for the team (the key makes a retry return the same one).</summary>
    public async Task<string> CreateCustomerAsync(Guid teamId, string teamName, CancellationToken cancellation = default)
    {
        var customer = await new CustomerService(_client.Value).CreateAsync(
            new CustomerCreateOptions { Name = teamName, Metadata = new() { ["team_id"] = teamId.ToString() } },
            new RequestOptions { IdempotencyKey = $"alavida-customer-{teamId:N}" }, cancellation);
        return customer.Id;
    }

    /// <summary>A Checkout Session (payment mode) for one pack, saving the payment method for off-session top-ups.</summary>
    public async Task<Session> CreateCheckoutSessionAsync(Guid teamId, Guid purchaseId, string customerId, CheckoutOrder order, CancellationToken cancellation = default)
    {
        var pack = order.Pack;
        var metadata = Metadata(teamId, purchaseId, pack);
        var item = pack.PriceId is { } price
            ? new SessionLineItemOptions { Price = price, Quantity = 1 }
            : new SessionLineItemOptions
            {
                Quantity = 1,
                PriceData = new SessionLineItemPriceDataOptions
                {
                    Currency = pack.Currency,
                    UnitAmount = pack.AmountCents,
                    ProductData = new SessionLineItemPriceDataProductDataOptions { Name = $"{pack.Credits:N0} Alavida credits ({pack.Id})" },
                },
            };
        return await new SessionService(_client.Value).CreateAsync(
            new SessionCreateOptions
            {
                Mode = "payment",
                Customer = customerId,
                ClientReferenceId = teamId.ToString(),
                LineItems = [item],
                Metadata = metadata,
                PaymentIntentData = new SessionPaymentIntentDataOptions { SetupFutureUsage = "off_session", Metadata = metadata },
                SuccessUrl = order.SuccessUrl,
                CancelUrl = order.CancelUrl,
            },
            new RequestOptions { IdempotencyKey = $"alavida-checkout-{purchaseId:N}" }, cancellation);
    }

    /// <summary>The customer's first saved card, if any.</summary>
    public async Task<string?> SavedPaymentMethodAsync(string customerId, CancellationToken cancellation = default)
    {
        var methods = await new CustomerPaymentMethodService(_client.Value).ListAsync(customerId, new CustomerPaymentMethodListOptions { Limit = 1 }, null, cancellation);
        return methods.Data.FirstOrDefault()?.Id;
    }

    /// <summary>The amount and currency of a Stripe Price (a pack sold by Price id, bought off-session).</summary>
    public async Task<(long Amount, string Currency)> PriceAsync(string priceId, CancellationToken cancellation = default)
    {
        var price = await new PriceService(_client.Value).GetAsync(priceId, null, null, cancellation);
        return (price.UnitAmount ?? throw new InvalidOperationException($"Stripe price {priceId} has no unit amount."), price.Currency);
    }

    /// <summary>An off-session PaymentIntent, confirmed at once; one per purchase (its id is the key).</summary>
    public async Task<PaymentIntent> CreateTopUpAsync(
        Guid teamId, Guid purchaseId, CreditPack pack, long amount, string currency, string customerId, string paymentMethodId, CancellationToken cancellation = default) =>
        await new PaymentIntentService(_client.Value).CreateAsync(
            new PaymentIntentCreateOptions
            {
                Amount = amount,
                Currency = currency,
                Customer = customerId,
                PaymentMethod = paymentMethodId,
                OffSession = true,
                Confirm = true,
                Metadata = Metadata(teamId, purchaseId, pack),
            },
            new RequestOptions { IdempotencyKey = $"alavida-top-up-{purchaseId:N}" }, cancellation);

    /// <summary>
    /// The team and purchase a PaymentIntent of ours names in its metadata (checkout sessions and top-ups set both);
    /// null for a PaymentIntent Stripe does not have or that is not ours.
    /// </summary>
    public async Task<(Guid TeamId, Guid PurchaseId)?> PaymentIntentOwnerAsync(string paymentIntentId, CancellationToken cancellation = default)
    {
        PaymentIntent intent;
        try
        {
            intent = await new PaymentIntentService(_client.Value).GetAsync(paymentIntentId, null, null, cancellation);
        }
        catch (StripeException ex) when (ex.StripeError?.Code == "resource_missing")
        {
            return null;
        }

        return intent.Metadata is { } metadata
               && Guid.TryParse(metadata.GetValueOrDefault("team_id"), out var team) && Guid.TryParse(metadata.GetValueOrDefault("purchase_id"), out var purchase)
            ? (team, purchase)
            : null;
    }

    private static Dictionary<string, string> Metadata(Guid teamId, Guid purchaseId, CreditPack pack) => new()
    {
        ["team_id"] = teamId.ToString(), ["purchase_id"] = purchaseId.ToString(), ["pack"] = pack.Id, ["credits"] = pack.Credits.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
