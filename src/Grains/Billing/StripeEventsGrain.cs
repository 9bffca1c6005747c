using Alavida.Grains.Platform;
using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;
using Orleans.Concurrency;

namespace Alavida.Grains.Billing;

/// <summary>
/// Routes a verified Stripe event to its team's credit writer. The team is the one in the object's metadata (sessions
/// and PaymentIntents we create carry it) or, for charges and disputes, the team of the purchase holding their
/// PaymentIntent. An event for no team of ours is recorded as ignored and answered 200: Stripe retrying it would not
/// make the team appear (docs/billing.md).
/// </summary>
[StatelessWorker]
public sealed partial class StripeEventsGrain(NpgsqlDataSource db, StripeGateway stripe, ILogger<StripeEventsGrain> logger) : Grain, IStripeEventsGrain
{
    public async Task<StripeNoticeOutcome> HandleAsync(StripeNotice notice)
    {
        await using var connection = await db.OpenConnectionAsync();
        var team = await TeamOfAsync(connection, notice);
        if (team is null && notice.TeamId is null && notice.PaymentIntentId is { } paymentIntent
            && await stripe.PaymentIntentOwnerAsync(paymentIntent) is { } owner)
        {
            // A charge or dispute can arrive before the purchase's paid event told us its PaymentIntent (Stripe does not
            // order deliveries): the PaymentIntent's own metadata names the purchase.
            notice = notice with { TeamId = owner.TeamId, PurchaseId = owner.PurchaseId };
            team = await TeamOfAsync(connection, notice);
        }

        if (team is { } teamId)
        {
            return await GrainFactory.GetGrain<ITeamGrain>(teamId).ApplyStripeNoticeAsync(notice);
        }

        var first = await connection.ExecuteAsync(
            "INSERT INTO stripe_events (id, type, team_id, outcome) VALUES (@EventId, @Type, NULL, @outcome) ON CONFLICT (id) DO NOTHING",
            new { notice.EventId, notice.Type, outcome = nameof(StripeNoticeOutcome.UnknownTeam) });
        if (first == 0)
        {
            return StripeNoticeOutcome.Duplicate;
        }

        Log.UnknownTeam(logger, notice.EventId, notice.Type, notice.TeamId);
        return StripeNoticeOutcome.UnknownTeam;
    }

    private static Task<Guid?> TeamOfAsync(NpgsqlConnection connection, StripeNotice notice) => connection.ExecuteScalarAsync<Guid?>(
            """
            SELECT id FROM teams WHERE id = @TeamId
            UNION ALL
            SELECT team_id FROM credit_purchases WHERE @TeamId::uuid IS NULL AND stripe_payment_intent_id = @PaymentIntentId
            LIMIT 1
            """,
            new { notice.TeamId, notice.PaymentIntentId });

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "billing: Stripe event {EventId} ({Type}) names no team of ours (metadata team {TeamId}); ignored")]
        public static partial void UnknownTeam(ILogger logger, string eventId, string type, Guid? teamId);
    }
}
