using System.Text;
using System.Text.Json;
using Alavida.Grains.Billing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Stripe;
using Stripe.Checkout;

namespace Alavida.Api.Endpoints;

/// <summary>
/// <c>POST /billing/stripe/webhook</c>: Stripe's deliveries, authenticated by the <c>Stripe-Signature</c> over the raw
/// body (no API key), checked by Stripe.net with its timestamp tolerance and API version. A bad or stale signature is a
/// 400 problem and changes nothing. Every verified event is answered 200 (with what was done), also the ones we ignore
/// and those for no team of ours, because a retry would not change them (docs/billing.md).
/// </summary>
public static class StripeWebhook
{
    public const string SignatureHeader = "Stripe-Signature";

    public static IEndpointRouteBuilder MapStripeWebhook(this IEndpointRouteBuilder app)
    {
        app.MapPost("/billing/stripe/webhook", ReceiveAsync).WithTags("Billing").WithName("StripeWebhook")
            .WithSummary("Stripe's webhook (signed with Stripe-Signature, no API key): purchases paid, failed, expired, refunded, disputed")
            .Accepts<StripeEventBody>("application/json");
        return app;
    }

    public static async Task<Results<Ok<WebhookReceipt>, ProblemHttpResult>> ReceiveAsync(
        HttpRequest request, IGrainFactory grains, IOptions<StripeOptions> options, TimeProvider time)
    {
        var signature = request.Headers[SignatureHeader];
        if (signature.Count != 1 || string.IsNullOrWhiteSpace(signature[0]))
        {
            return Problems.BadRequest($"The {SignatureHeader} header is missing: this endpoint takes Stripe's signed webhook deliveries only.");
        }

        var stripe = options.Value;
        if (BillingEndpoints.NotConfigured(stripe) is { } off)
        {
            return off;
        }

        if (string.IsNullOrWhiteSpace(stripe.WebhookSecret))
        {
            return Problems.NotConfigured("The Stripe webhook is not configured on this deployment: set Stripe:WebhookSecret (the endpoint's whsec_… signing secret).");
        }

        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        var payload = await reader.ReadToEndAsync(request.HttpContext.RequestAborted);
        Event stripeEvent;
        try
        {
            stripeEvent = EventUtility.ConstructEvent(payload, signature[0], stripe.WebhookSecret, stripe.WebhookToleranceSeconds,
                time.GetUtcNow().ToUnixTimeSeconds(), throwOnApiVersionMismatch: true);
        }
        catch (StripeException ex)
        {
            return Problems.BadRequest($"The webhook was not accepted: {ex.Message}");
        }
        catch (Newtonsoft.Json.JsonException)
        {
            return Problems.BadRequest("The webhook's signature is valid but its body is not a Stripe event.");
        }

        if (StripeNotices.From(stripeEvent) is not { } notice)
        {
            return TypedResults.Ok(new WebhookReceipt(stripeEvent.Id, stripeEvent.Type, "ignored"));
        }

        var outcome = await grains.GetGrain<IStripeEventsGrain>(0).HandleAsync(notice);
        return TypedResults.Ok(new WebhookReceipt(stripeEvent.Id, stripeEvent.Type, JsonNamingPolicy.SnakeCaseLower.ConvertName(outcome.ToString())));
    }
}

/// <summary>What the events billing acts on mean; null for the rest (answered 200, ignored).</summary>
internal static class StripeNotices
{
    public static StripeNotice? From(Event e) => (e.Type, e.Data.Object) switch
    {
        ("checkout.session.completed", Session s) when s.PaymentStatus is "paid" or "no_payment_required" => Of(e, StripeNoticeKind.Paid, s),
        ("checkout.session.async_payment_succeeded", Session s) => Of(e, StripeNoticeKind.Paid, s),
        ("checkout.session.async_payment_failed", Session s) => Of(e, StripeNoticeKind.Failed, s),
        ("checkout.session.expired", Session s) => Of(e, StripeNoticeKind.Expired, s),
        ("payment_intent.succeeded", PaymentIntent p) => Of(e, StripeNoticeKind.Paid, p.Metadata, paymentIntentId: p.Id),
        ("payment_intent.payment_failed", PaymentIntent p) => Of(e, StripeNoticeKind.Failed, p.Metadata, paymentIntentId: p.Id, failure: p.LastPaymentError?.Message ?? "payment failed"),
        ("charge.refunded", Charge c) => Of(e, StripeNoticeKind.Refunded, c.Metadata, paymentIntentId: c.PaymentIntentId) with { Amount = c.Amount, AmountRefunded = c.AmountRefunded },
        ("charge.dispute.created", Dispute d) => Of(e, StripeNoticeKind.Disputed, d.Metadata, paymentIntentId: d.PaymentIntentId),
        _ => null,
    };

    private static StripeNotice Of(Event e, StripeNoticeKind kind, Session s) =>
        Of(e, kind, s.Metadata, s.Id, s.PaymentIntentId, s.ClientReferenceId);

    private static StripeNotice Of(
        Event e, StripeNoticeKind kind, IDictionary<string, string>? metadata, string? sessionId = null, string? paymentIntentId = null, string? reference = null, string? failure = null) =>
        new(e.Id, e.Type, kind, Id(metadata, "team_id") ?? (Guid.TryParse(reference, out var team) ? team : null), Id(metadata, "purchase_id"),
            sessionId, paymentIntentId, Failure: failure);

    private static Guid? Id(IDictionary<string, string>? metadata, string key) =>
        metadata is not null && metadata.TryGetValue(key, out var text) && Guid.TryParse(text, out var id) ? id : null;
}

/// <summary>The 200 of the webhook: the event and what was done (<c>applied</c>, <c>duplicate</c>, <c>already_applied</c>, <c>unknown_purchase</c>, <c>unknown_team</c>, <c>ignored</c>).</summary>
public sealed record WebhookReceipt(string EventId, string Type, string Outcome);

/// <summary>A Stripe event as Stripe sends it (the body is read raw: the signature covers its exact bytes).</summary>
public sealed record StripeEventBody(string Id, string Object, string Type, string ApiVersion, long Created, JsonElement Data);
