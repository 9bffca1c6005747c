using System.Security.Claims;
using Alavida.Api.Auth;
using Alavida.Grains.Billing;
using Alavida.Grains.Platform;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Alavida.Api.Endpoints;

/// <summary>
/// <c>/billing</c>: packs, Stripe Checkout, purchases and low-balance settings (docs/billing.md). Input is checked
/// first (a 4xx problem changes nothing); then what needs Stripe (packs on sale, checkout, enabling auto top-up, the
/// webhook) answers a 503 problem naming what to configure when <c>Stripe:SecretKey</c> is not set. The purchase history
/// and the low-balance threshold need no Stripe and work either way.
/// </summary>
public static class BillingEndpoints
{
    private const long MaxThreshold = 1_000_000_000_000;

    public static IEndpointRouteBuilder MapBillingEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/billing").WithTags("Billing").RequireAuthorization(AuthPolicies.Team);
        group.MapGet("/packs", Packs).WithName("ListCreditPacks").WithSummary("The credit packs on sale");
        group.MapPost("/checkout", CheckoutAsync).WithName("StartCheckout")
            .WithSummary("Start a Stripe Checkout for a pack: {checkout_url, session_id, purchase_id}; credits arrive with Stripe's webhook. "
                         + "Send Idempotency-Key to make retries safe: a repeat answers with the same checkout")
            .Accepts<CheckoutRequest>("application/json");
        group.MapGet("/purchases", PurchasesAsync).WithName("ListPurchases").WithSummary("The team's Stripe purchases, newest first (paging: limit, cursor)");
        group.MapGet("/settings", GetSettingsAsync).WithName("GetBillingSettings").WithSummary("Low-balance threshold and auto top-up");
        group.MapPut("/settings", PutSettingsAsync).WithName("UpdateBillingSettings")
            .WithSummary("Set the low-balance threshold (billing/credits.low once per crossing) and auto top-up (a pack bought off-session on each crossing)")
            .Accepts<BillingSettingsRequest>("application/json");
        app.MapStripeWebhook();
        return app;
    }

    public static Results<Ok<PacksResponse>, ProblemHttpResult> Packs(IOptions<StripeOptions> stripe, IOptions<BillingOptions> billing) =>
        NotConfigured(stripe.Value) is { } off ? off : TypedResults.Ok(new PacksResponse(billing.Value.Packs));

    public static async Task<Results<Ok<CheckoutResponse>, ProblemHttpResult>> CheckoutAsync(
        HttpRequest request, ClaimsPrincipal user, IGrainFactory grains, IOptions<StripeOptions> stripe, IOptions<BillingOptions> billing)
    {
        var (body, problem) = await JsonBody.ReadAsync<CheckoutRequest>(request);
        if (body is null)
        {
            return problem!;
        }

        var (key, keyProblem) = IdempotencyKeyHeader.Read(request);
        if (keyProblem is not null)
        {
            return keyProblem;
        }

        return await StartCheckoutAsync(user.TeamId(), body.Pack, grains, stripe.Value, billing.Value, key);
    }

    /// <summary>
    /// Starts a Stripe Checkout of a pack for a team (the API's checkout and the dashboard's Buy button). Under an
    /// idempotency key the team's first checkout is the only one: a repeat gets its answer again, another pack a 409.
    /// </summary>
    public static async Task<Results<Ok<CheckoutResponse>, ProblemHttpResult>> StartCheckoutAsync(
        Guid teamId, string? pack, IGrainFactory grains, StripeOptions stripe, BillingOptions billing, string? idempotencyKey = null)
    {
        if (PackOf(pack, billing, "/pack") is { } invalid)
        {
            return invalid;
        }

        if (NotConfigured(stripe) is { } off)
        {
            return off;
        }

        var started = await grains.GetGrain<ITeamBillingGrain>(teamId)
            .StartCheckoutAsync(new CheckoutOrder(billing.Find(pack!)!, billing.SuccessUrl, billing.CancelUrl, idempotencyKey));
        return started switch
        {
            // A silo of the release before keys started an unkeyed checkout: a repeat would not find it, so it is not
            // handed out (it expires unpaid); the retry lands on an upgraded silo.
            { KeyHonoured: false } when idempotencyKey is not null =>
                Problems.Unavailable("Checkouts with an Idempotency-Key are not available while this deployment is being upgraded; retry shortly."),
            { KeyReused: { } reused } => Problems.Conflict(reused, new Dictionary<string, object?> { ["purchase_id"] = started.PurchaseId }),
            { Refusal: { } refusal } => Problems.Upstream($"The checkout could not be started: {refusal}"),
            _ => TypedResults.Ok(new CheckoutResponse(started.CheckoutUrl, started.SessionId, started.PurchaseId)),
        };
    }

    public static async Task<Results<Ok<ListResponse<PurchaseView>>, ProblemHttpResult>> PurchasesAsync(HttpRequest request, ClaimsPrincipal user, IGrainFactory grains)
    {
        var (list, problem) = ListQuery.ParsePaged(request, "purchases");
        if (list is null)
        {
            return problem!;
        }

        var page = await grains.GetGrain<ITeamBillingGrain>(user.TeamId()).ListPurchasesAsync(list.Limit, list.Cursor);
        return TypedResults.Ok(new ListResponse<PurchaseView>(page.Items, page.NextCursor));
    }

    public static async Task<Ok<BillingSettingsResponse>> GetSettingsAsync(ClaimsPrincipal user, IGrainFactory grains)
    {
        var team = grains.GetGrain<ITeamGrain>(user.TeamId());
        return TypedResults.Ok(BillingSettingsResponse.From(await team.GetBillingSettingsAsync(), await team.GetBillingStatusAsync()));
    }

    public static async Task<Results<Ok<BillingSettingsResponse>, ProblemHttpResult>> PutSettingsAsync(
        HttpRequest request, ClaimsPrincipal user, IGrainFactory grains, IOptions<StripeOptions> stripe, IOptions<BillingOptions> billing)
    {
        var (body, problem) = await JsonBody.ReadAsync<BillingSettingsRequest>(request);
        if (body is null)
        {
            return problem!;
        }

        return await ApplySettingsAsync(user.TeamId(), body.LowBalanceThreshold, body.AutoTopUpPack, grains, stripe.Value, billing.Value);
    }

    /// <summary>Validates and saves a team's low-balance threshold and auto top-up (the API and the dashboard's settings).</summary>
    public static async Task<Results<Ok<BillingSettingsResponse>, ProblemHttpResult>> ApplySettingsAsync(
        Guid teamId, long? threshold, string? pack, IGrainFactory grains, StripeOptions stripe, BillingOptions billing)
    {
        var errors = new List<FieldError>();
        if (threshold is < 0 or > MaxThreshold)
        {
            errors.Add(new FieldError("/low_balance_threshold", $"must be from 0 to {MaxThreshold}, or null to switch it off"));
        }

        if (pack is not null && threshold is null)
        {
            errors.Add(new FieldError("/auto_top_up_pack", "needs a low_balance_threshold: a top-up is bought when the balance falls below it"));
        }

        if (errors.Count > 0)
        {
            return Problems.Invalid("The settings are invalid.", errors);
        }

        if (pack is not null && PackOf(pack, billing, "/auto_top_up_pack") is { } invalid)
        {
            return invalid;
        }

        if (pack is not null && NotConfigured(stripe) is { } off)
        {
            return off;
        }

        var team = grains.GetGrain<ITeamGrain>(teamId);
        var settings = new BillingSettings(threshold, pack is null ? null : billing.Find(pack));
        if (await team.UpdateBillingSettingsAsync(settings) == SettingsOutcome.NoSavedPaymentMethod)
        {
            return Problems.Conflict("Auto top-up pays off-session with the card of an earlier purchase: buy a pack through POST /billing/checkout first.");
        }

        return TypedResults.Ok(BillingSettingsResponse.From(settings, await team.GetBillingStatusAsync()));
    }

    /// <summary>A 503 problem naming what to set when Stripe is not configured, else null.</summary>
    internal static ProblemHttpResult? NotConfigured(StripeOptions stripe) => stripe.IsConfigured ? null
        : Problems.NotConfigured("Billing is not configured on this deployment: set Stripe:SecretKey (and Stripe:WebhookSecret for " +
                                 "POST /billing/stripe/webhook). The rest of the platform works without it.");

    private static ProblemHttpResult? PackOf(string? id, BillingOptions billing, string field) =>
        string.IsNullOrEmpty(id) || billing.Find(id) is null
            ? Problems.Invalid("The pack is invalid.", [new FieldError(field, $"is required and must be one of: {string.Join(", ", billing.Packs.Select(p => p.Id))}")])
            : null;
}

/// <summary><c>GET /billing/packs</c>: every pack on sale (a short list, not paged).</summary>
public sealed record PacksResponse(IReadOnlyList<CreditPack> Items);

/// <summary><c>POST /billing/checkout</c>.</summary>
public sealed record CheckoutRequest(string? Pack);

/// <summary>The 200 of <c>POST /billing/checkout</c>: send the buyer to <c>checkout_url</c>.</summary>
public sealed record CheckoutResponse(string CheckoutUrl, string SessionId, Guid PurchaseId);

/// <summary><c>PUT /billing/settings</c>: null switches a setting off.</summary>
public sealed record BillingSettingsRequest(long? LowBalanceThreshold, string? AutoTopUpPack);

/// <summary><c>GET /billing/settings</c>.</summary>
public sealed record BillingSettingsResponse(long? LowBalanceThreshold, string? AutoTopUpPack, bool LowBalance, DateTimeOffset? LowSince)
{
    public static BillingSettingsResponse From(BillingSettings settings, BillingStatus status) =>
        new(settings.LowBalanceThreshold, settings.AutoTopUp?.Id, status.LowSince is not null, status.LowSince);
}
