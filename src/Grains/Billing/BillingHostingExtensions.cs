using Alavida.Grains.Mesh;
using Alavida.Grains.Platform;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Alavida.Grains.Billing;

/// <summary>Billing in a silo: the Stripe gateway and the auto top-up function (the options are bound by the host).</summary>
public static class BillingHostingExtensions
{
    /// <summary>Registers billing's services and mesh function. Safe to call twice.</summary>
    public static IServiceCollection AddAlavidaBilling(this IServiceCollection services)
    {
        if (services.Any(s => s.ServiceType == typeof(StripeGateway)))
        {
            return services;
        }

        services.TryAddSingleton<StripeGateway>();
        services.AddMeshFunction(AutoTopUpFunction.Create());
        return services;
    }
}

/// <summary>
/// <c>billing/auto-top-up</c>: on <c>billing/credits.low</c> with a top-up purchase in it, creates that purchase's
/// off-session PaymentIntent (Stripe's idempotency key is the purchase's: one per crossing, whatever the retries). Its
/// <c>payment_intent.succeeded</c> webhook credits the team.
/// </summary>
public static class AutoTopUpFunction
{
    public const string Id = "billing/auto-top-up";

    public static MeshFunctionDefinition Create() => new()
    {
        Id = Id,
        Triggers = [MeshTrigger.OnEvent(TeamGrain.CreditsLowEvent)],
        Concurrency = [new MeshConcurrency(1, "event.team_id")],
        Handler = async context =>
        {
            var purchase = context.Data.TryGetProperty("auto_top_up", out var topUp) ? Json.Id(topUp, "purchase_id") : null;
            if (purchase is not { } purchaseId || !Guid.TryParse(context.TeamId, out var teamId))
            {
                return new { payment_intent_id = (string?)null, skipped = "auto top-up is off" };
            }

            if (topUp.TryGetProperty("in_flight", out var inFlight) && inFlight.ValueKind == System.Text.Json.JsonValueKind.True)
            {
                return new { payment_intent_id = (string?)null, skipped = $"top-up {purchaseId} is still in flight" };
            }

            var grains = context.Services.GetRequiredService<IGrainFactory>();
            var intent = await context.Run("create-payment-intent", () => grains.GetGrain<ITeamBillingGrain>(teamId).StartAutoTopUpAsync(purchaseId));
            return new { payment_intent_id = intent, skipped = intent is null ? "the purchase failed (see GET /billing/purchases)" : null };
        },
    };
}
