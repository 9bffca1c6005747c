using System.Text.Json;
using Alavida.Grains.Platform;
using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;
using Stripe;

namespace Alavida.Grains.Billing;

/// <summary>
/// One team's Stripe calls (see <see cref="ITeamBillingGrain"/>). Not reentrant: the team's checkouts run one at a
/// time, so two first checkouts never make two Customers.
/// </summary>
public sealed partial class TeamBillingGrain(NpgsqlDataSource db, StripeGateway stripe, TimeProvider time, ILogger<TeamBillingGrain> logger) : Grain, ITeamBillingGrain
{
    private Guid TeamId => this.GetPrimaryKey();

    public async Task<CheckoutStarted> StartCheckoutAsync(CheckoutOrder order)
    {
        var started = await StartCheckoutAsync(order, firstTry: true);
        // Tells the gateway its key was read: a silo of the release before keys ignores them, and the gateway must not
        // hand out a checkout that a repeat would not find.
        return order.IdempotencyKey is null ? started : started with { KeyHonoured = true };
    }

    private async Task<CheckoutStarted> StartCheckoutAsync(CheckoutOrder order, bool firstTry)
    {
        var pack = order.Pack;
        await using var connection = await db.OpenConnectionAsync();
        // The caller's key, per team (keys are unique across all purchases); without one, every request is a checkout.
        var key = order.IdempotencyKey is { } given ? $"checkout:{TeamId:N}:{given}" : null;
        var earlier = key is null ? null : await EarlierCheckoutAsync(connection, key, pack);
        if (earlier?.Answer is { } answer)
        {
            return answer;
        }

        var purchaseId = earlier?.Unfinished ?? Guid.CreateVersion7(time.GetUtcNow());
        var recorded = earlier is not null;
        try
        {
            var customerId = await CustomerAsync();
            if (!recorded)
            {
                // Recorded before the session exists, so its webhook always finds the purchase (by the id in its
                // metadata). This grain runs its team's checkouts one at a time: no other request holds the key meanwhile.
                await connection.ExecuteAsync(
                    """
                    INSERT INTO credit_purchases (id, team_id, source, credits, amount_cents, currency, idempotency_key, status, kind, pack)
                    VALUES (@purchaseId, @TeamId, 'stripe', @Credits, @AmountCents, @Currency, @key, 'pending', 'checkout', @Id)
                    """,
                    new { purchaseId, TeamId, pack.Credits, pack.AmountCents, pack.Currency, pack.Id, key = key ?? $"checkout:{purchaseId}" });
                recorded = true;
            }

            // Stripe's idempotency key is the purchase's: a purchase taken up again gets the session Stripe made for it.
            var session = await stripe.CreateCheckoutSessionAsync(TeamId, purchaseId, customerId, order);
            await connection.ExecuteAsync(
                """
                UPDATE credit_purchases SET stripe_session_id = @sessionId, checkout_url = @url, amount_cents = coalesce(amount_cents, @amount),
                       currency = coalesce(currency, @currency), updated_at = now()
                 WHERE id = @purchaseId
                """,
                new { sessionId = session.Id, url = session.Url, amount = session.AmountTotal, currency = session.Currency, purchaseId });
            Log.CheckoutStarted(logger, TeamId, purchaseId, pack.Id, session.Id);
            return new CheckoutStarted(session.Url, session.Id, purchaseId);
        }
        catch (Exception ex) when (ex is StripeException or HttpRequestException or TaskCanceledException)
        {
            // Stripe refused (a bad Price id, a key without rights) or could not be reached: the caller sees it as a 502.
            // A refused purchase is failed, not left pending. One under the caller's key that Stripe may still make (it
            // was not reached, or is still making it for an earlier request) stays pending: a repeat takes it up again.
            var reason = ex is StripeException { StripeError: not null } ? ex.Message : $"Stripe could not be reached: {ex.Message}";
            if (recorded && (key is null || !MayStillBeMade(ex)))
            {
                await FailAsync(connection, purchaseId, reason);
            }

            return new CheckoutStarted("", "", purchaseId, reason);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation && key is not null && firstTry)
        {
            // The key was recorded meanwhile by another activation of this grain (two for a moment, as a cluster
            // heals): answer as a repeat of that checkout.
            return await StartCheckoutAsync(order, firstTry: false);
        }
    }

    /// <summary>Whether Stripe may have made (or be making) the session despite the error: not reached, or still busy with the same key.</summary>
    private static bool MayStillBeMade(Exception ex) =>
        ex is HttpRequestException or TaskCanceledException
        || ex is StripeException { HttpStatusCode: System.Net.HttpStatusCode.Conflict } or StripeException { StripeError.Type: "idempotency_error" };

    /// <summary>
    /// The checkout an earlier request started under <paramref name="key"/>: the answer to give again (its session and
    /// URL, its refusal, or that the key named another pack or a pack since changed), or the purchase to finish when
    /// that request ended before its session was stored. Null when the key is new.
    /// </summary>
    private async Task<(CheckoutStarted? Answer, Guid? Unfinished)?> EarlierCheckoutAsync(NpgsqlConnection connection, string key, CreditPack pack)
    {
        var earlier = await connection.QuerySingleOrDefaultAsync<EarlierCheckout>(
            """
            SELECT id, pack, status, credits, amount_cents, currency, stripe_session_id, checkout_url, failure FROM credit_purchases
             WHERE idempotency_key = @key AND team_id = @TeamId
            """,
            new { key, TeamId });
        CheckoutStarted Conflict(string why) => new("", "", earlier!.Id, KeyReused: why);
        return earlier switch
        {
            null => null,
            _ when earlier.Pack != pack.Id => (Conflict($"This Idempotency-Key started a checkout of the pack '{earlier.Pack}'."), null),
            { StripeSessionId: { } sessionId, CheckoutUrl: { } url } => (new CheckoutStarted(url, sessionId, earlier.Id), null),
            { Status: "pending" } when earlier.Credits != pack.Credits || (pack.PriceId is null && (earlier.AmountCents != pack.AmountCents || earlier.Currency != pack.Currency)) =>
                (Conflict($"The pack '{pack.Id}' changed since this Idempotency-Key's checkout was recorded; start a new checkout with a new key."), null),
            { Status: "pending" } => (null, earlier.Id),
            _ => (new CheckoutStarted("", "", earlier.Id, earlier.Failure ?? $"the checkout is {earlier.Status}"), null),
        };
    }

    public async Task<string?> StartAutoTopUpAsync(Guid purchaseId)
    {
        await using var connection = await db.OpenConnectionAsync();
        var purchase = await connection.QuerySingleOrDefaultAsync<TopUpRow>(
            """
            SELECT p.pack, p.credits, p.amount_cents, p.currency, p.stripe_payment_intent_id, s.auto_top_up::text AS auto_top_up
              FROM credit_purchases p LEFT JOIN billing_settings s ON s.team_id = p.team_id
             WHERE p.id = @purchaseId AND p.team_id = @TeamId AND p.kind = 'auto_top_up' AND p.status = 'pending'
            """,
            new { purchaseId, TeamId });
        if (purchase is null)
        {
            return null;
        }

        if (purchase.StripePaymentIntentId is { } existing)
        {
            return existing;
        }

        var customerId = await CustomerAsync();
        if (await stripe.SavedPaymentMethodAsync(customerId) is not { } paymentMethod)
        {
            await FailAsync(connection, purchaseId, "No saved payment method: buy a pack through checkout first.");
            return null;
        }

        var pack = new CreditPack(purchase.Pack ?? "", purchase.Credits, purchase.AmountCents, purchase.Currency,
            purchase.AutoTopUp is null ? null : JsonSerializer.Deserialize<CreditPack>(purchase.AutoTopUp, new JsonSerializerOptions(JsonSerializerDefaults.Web))?.PriceId);
        var (amount, currency) = purchase.AmountCents is { } cents && purchase.Currency is { } code ? (cents, code) : await stripe.PriceAsync(pack.PriceId!);
        try
        {
            var intent = await stripe.CreateTopUpAsync(TeamId, purchaseId, pack, amount, currency, customerId, paymentMethod);
            await connection.ExecuteAsync(
                "UPDATE credit_purchases SET stripe_payment_intent_id = @id, amount_cents = @amount, currency = @currency, updated_at = now() WHERE id = @purchaseId",
                new { intent.Id, amount, currency, purchaseId });
            Log.TopUpStarted(logger, TeamId, purchaseId, intent.Id);
            return intent.Id;
        }
        catch (StripeException ex) when (ex.StripeError?.Type == "card_error")
        {
            // Declined off-session: the card needs the buyer. Recorded; the next crossing tries again.
            await FailAsync(connection, purchaseId, ex.Message);
            return null;
        }
    }

    public async Task<Page<PurchaseView>> ListPurchasesAsync(int limit, string? cursor)
    {
        await using var connection = await db.OpenConnectionAsync();
        var rows = (await connection.QueryAsync<PurchaseRow>(
            """
            SELECT id, kind, pack, credits, amount_cents, currency, status, stripe_session_id, stripe_payment_intent_id, created_at, paid_at,
                   refunded_credits, removed_credits, refund_shortfall, disputed_at, failure
              FROM credit_purchases
             WHERE team_id = @TeamId AND source = 'stripe'
               AND (@hasCursor = false OR (created_at, id) < (@cursorAt, @cursorId))
             ORDER BY created_at DESC, id DESC
             LIMIT @take
            """,
            Keyset.Parameters(new { TeamId }, cursor, limit))).ToList();
        return Keyset.Page(rows, limit, r => new PageCursor(r.CreatedAt, r.Id), r => r.ToView());
    }

    /// <summary>The team's Customer, created on first use (Stripe's idempotency key is the team's, so a retry finds the same one).</summary>
    private async Task<string> CustomerAsync()
    {
        await using var connection = await db.OpenConnectionAsync();
        var team = await connection.QuerySingleAsync<TeamRow>("SELECT name, stripe_customer_id FROM teams WHERE id = @TeamId", new { TeamId });
        if (team.StripeCustomerId is { } existing)
        {
            return existing;
        }

        var created = await stripe.CreateCustomerAsync(TeamId, team.Name);
        return await connection.ExecuteScalarAsync<string>(
            """
            UPDATE teams SET stripe_customer_id = coalesce(stripe_customer_id, @created) WHERE id = @TeamId
            RETURNING stripe_customer_id
            """,
            new { created, TeamId }) ?? created;
    }

    private static Task FailAsync(NpgsqlConnection connection, Guid purchaseId, string failure) => connection.ExecuteAsync(
        "UPDATE credit_purchases SET status = 'failed', failure = @failure, updated_at = now() WHERE id = @purchaseId AND status = 'pending'",
        new { purchaseId, failure });

    private sealed record TeamRow(string Name, string? StripeCustomerId);

    private sealed record EarlierCheckout(
        Guid Id, string? Pack, string Status, long Credits, long? AmountCents, string? Currency, string? StripeSessionId, string? CheckoutUrl, string? Failure);

    private sealed record TopUpRow(string? Pack, long Credits, long? AmountCents, string? Currency, string? StripePaymentIntentId, string? AutoTopUp);

    private sealed record PurchaseRow(
        Guid Id, string Kind, string? Pack, long Credits, long? AmountCents, string? Currency, string Status, string? StripeSessionId, string? StripePaymentIntentId,
        DateTime CreatedAt, DateTime? PaidAt, long RefundedCredits, long RemovedCredits, long RefundShortfall, DateTime? DisputedAt, string? Failure)
    {
        public PurchaseView ToView() => new(Id, Kind, Pack, Credits, AmountCents, Currency, Status, StripeSessionId, StripePaymentIntentId, CreatedAt.Utc(),
            PaidAt.Utc(), RefundedCredits, RemovedCredits, RefundShortfall, DisputedAt.Utc(), Failure);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "billing: team {TeamId} started purchase {PurchaseId} of pack {Pack} (session {SessionId})")]
        public static partial void CheckoutStarted(ILogger logger, Guid teamId, Guid purchaseId, string pack, string sessionId);

        [LoggerMessage(2, LogLevel.Information, "billing: team {TeamId} auto top-up {PurchaseId}: PaymentIntent {PaymentIntentId} created")]
        public static partial void TopUpStarted(ILogger logger, Guid teamId, Guid purchaseId, string paymentIntentId);
    }
}
