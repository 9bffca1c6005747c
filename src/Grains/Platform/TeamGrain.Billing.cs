using Alavida.Grains.Billing;
using Dapper;
using Npgsql;

namespace Alavida.Grains.Platform;

/// <summary>
/// Stripe events applied to the team's purchases and credits (docs/billing.md). Each runs in one transaction that first
/// records the event's id (<c>stripe_events</c>' key: a redelivery stops there) and then moves the purchase through
/// pending → paid / failed / expired → refunded; credits change only with the move into paid, or with a refund's share.
/// </summary>
public sealed partial class TeamGrain
{
    private BillingStatus? _billingStatus;

    public async Task<StripeNoticeOutcome> ApplyStripeNoticeAsync(StripeNotice notice)
    {
        var (outcome, account) = await db.InTransactionAsync(async (connection, tx) =>
        {
            var first = await connection.ExecuteScalarAsync<bool?>(
                """
                INSERT INTO stripe_events (id, type, team_id, purchase_id, outcome) VALUES (@EventId, @Type, @TeamId, @PurchaseId, 'received')
                ON CONFLICT (id) DO NOTHING
                RETURNING true
                """,
                new { notice.EventId, notice.Type, TeamId, notice.PurchaseId }, tx);
            if (first is null)
            {
                return (StripeNoticeOutcome.Duplicate, (AccountRow?)null);
            }

            var purchase = await connection.QuerySingleOrDefaultAsync<PurchaseState>(
                """
                SELECT id, status, credits, refunded_credits FROM credit_purchases
                 WHERE team_id = @TeamId AND source = 'stripe'
                   AND (id = @PurchaseId OR stripe_session_id = @SessionId OR stripe_payment_intent_id = @PaymentIntentId)
                 ORDER BY id = @PurchaseId DESC NULLS LAST
                 LIMIT 1
                   FOR UPDATE
                """,
                new { TeamId, notice.PurchaseId, notice.SessionId, notice.PaymentIntentId }, tx);
            var (result, changed) = purchase is null
                ? (StripeNoticeOutcome.UnknownPurchase, null)
                : await ApplyAsync(connection, tx, notice, purchase);
            await connection.ExecuteAsync(
                "UPDATE stripe_events SET outcome = @outcome, purchase_id = @purchaseId WHERE id = @EventId",
                new { outcome = result.ToString(), purchaseId = purchase?.Id, notice.EventId }, tx);
            return (result, changed);
        });

        Log.StripeNoticeApplied(logger, notice.EventId, notice.Type, TeamId, outcome);
        _billingStatus = null;
        if (account is not null)
        {
            _credits = account.ToBalance();
            await CheckLowBalanceAsync();
        }

        return outcome;
    }

    private async Task<(StripeNoticeOutcome, AccountRow?)> ApplyAsync(NpgsqlConnection connection, NpgsqlTransaction tx, StripeNotice notice, PurchaseState purchase)
    {
        var args = new { TeamId, purchase.Id, notice.SessionId, notice.PaymentIntentId, notice.Failure };
        switch (notice.Kind)
        {
            case StripeNoticeKind.Paid when purchase.Status is "pending" or "failed" or "expired":
                return (StripeNoticeOutcome.Applied, await connection.QuerySingleAsync<AccountRow>(
                    """
                    WITH paid AS (
                        UPDATE credit_purchases
                           SET status = 'paid', paid_at = now(), failure = NULL, updated_at = now(),
                               stripe_session_id = coalesce(stripe_session_id, @SessionId),
                               stripe_payment_intent_id = coalesce(stripe_payment_intent_id, @PaymentIntentId)
                         WHERE id = @Id
                        RETURNING credits
                    )
                    UPDATE credit_accounts
                       SET balance = balance + (SELECT credits FROM paid), lifetime_purchased = lifetime_purchased + (SELECT credits FROM paid), updated_at = now()
                     WHERE team_id = @TeamId
                    RETURNING balance, reserved, lifetime_used
                    """, args, tx));

            case StripeNoticeKind.Failed when purchase.Status is "pending" or "expired":
                await connection.ExecuteAsync(
                    "UPDATE credit_purchases SET status = 'failed', failure = @Failure, updated_at = now() WHERE id = @Id", args, tx);
                return (StripeNoticeOutcome.Applied, null);

            case StripeNoticeKind.Expired when purchase.Status is "pending":
                await connection.ExecuteAsync("UPDATE credit_purchases SET status = 'expired', updated_at = now() WHERE id = @Id", args, tx);
                return (StripeNoticeOutcome.Applied, null);

            case StripeNoticeKind.Refunded when purchase.Status is "pending" or "failed" or "expired":
                // A refund proves the payment, whose own event has not come (Stripe does not order deliveries): the
                // purchase is paid first, then the refund taken back, in this one transaction. Its paid event later
                // finds it refunded and adds nothing.
                await ApplyAsync(connection, tx, notice with { Kind = StripeNoticeKind.Paid }, purchase);
                return await ApplyAsync(connection, tx, notice, purchase with { Status = "paid" });

            case StripeNoticeKind.Refunded when purchase.Status is "paid" or "refunded" && RefundedShare(purchase.Credits, notice) - purchase.RefundedCredits is > 0 and var more:
                // Take back what the refund newly covers, as far as the balance goes; what was already spent is the shortfall.
                return (StripeNoticeOutcome.Applied, await connection.QuerySingleAsync<AccountRow>(
                    """
                    WITH taken AS (
                        SELECT least(balance, @more) AS removed FROM credit_accounts WHERE team_id = @TeamId FOR UPDATE
                    ), purchase AS (
                        UPDATE credit_purchases
                           SET status = 'refunded', refunded_credits = refunded_credits + @more, removed_credits = removed_credits + (SELECT removed FROM taken),
                               refund_shortfall = refund_shortfall + @more - (SELECT removed FROM taken), updated_at = now()
                         WHERE id = @Id
                    )
                    UPDATE credit_accounts SET balance = balance - (SELECT removed FROM taken), updated_at = now()
                     WHERE team_id = @TeamId
                    RETURNING balance, reserved, lifetime_used
                    """, new { TeamId, purchase.Id, more }, tx));

            case StripeNoticeKind.Disputed:
                var flagged = await connection.ExecuteAsync(
                    "UPDATE credit_purchases SET disputed_at = now(), updated_at = now() WHERE id = @Id AND disputed_at IS NULL", args, tx);
                return (flagged == 1 ? StripeNoticeOutcome.Applied : StripeNoticeOutcome.AlreadyApplied, null);

            default:
                return (StripeNoticeOutcome.AlreadyApplied, null);
        }
    }

    /// <summary>The credits a charge's refunds cover so far: all of them once the whole amount is refunded, else pro rata (rounded down).</summary>
    private static long RefundedShare(long credits, StripeNotice notice) =>
        notice.Amount <= 0 || notice.AmountRefunded >= notice.Amount ? credits : (long)((Int128)credits * Math.Max(0, notice.AmountRefunded) / notice.Amount);

    public async Task<TeamAccount> GetAccountAsync() => new(await GetCreditsAsync(), await GetBillingStatusAsync());

    public async Task<BillingStatus> GetBillingStatusAsync()
    {
        // Cached like the balance: every change to what it reads goes through this grain, which drops it.
        if (_billingStatus is { } cached)
        {
            return cached;
        }

        await using var connection = await db.OpenConnectionAsync();
        var row = await connection.QuerySingleOrDefaultAsync<StatusRow>(
            """
            SELECT a.lifetime_purchased, s.low_balance_threshold, s.low_since,
                   (SELECT coalesce(sum(refund_shortfall), 0)::bigint FROM credit_purchases WHERE team_id = @TeamId) AS refund_shortfall
              FROM credit_accounts a LEFT JOIN billing_settings s ON s.team_id = a.team_id
             WHERE a.team_id = @TeamId
            """,
            new { TeamId });
        _billingStatus = row is null ? new BillingStatus(0, null, null, 0) : new BillingStatus(row.LifetimePurchased, row.LowBalanceThreshold, row.LowSince.Utc(), row.RefundShortfall);
        return _billingStatus;
    }

    private sealed record PurchaseState(Guid Id, string Status, long Credits, long RefundedCredits);

    private sealed record StatusRow(long LifetimePurchased, long? LowBalanceThreshold, DateTime? LowSince, long RefundShortfall);
}
