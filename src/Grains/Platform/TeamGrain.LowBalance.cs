using System.Text.Json;
using System.Text.Json.Nodes;
using Alavida.Grains.Billing;
using Dapper;
using Npgsql;

namespace Alavida.Grains.Platform;

/// <summary>
/// Low balance: when the balance falls below the team's threshold, <c>billing/credits.low</c> goes into the outbox
/// (and, with auto top-up on, a pending top-up purchase is written) in the transaction that marks the crossing, so
/// there is one event and at most one top-up per crossing; the mark is cleared once the balance is back at or above
/// the threshold. The check follows every balance change of this grain (the team's only credit writer), against
/// settings cached here: a team without a threshold pays nothing for it.
/// </summary>
public sealed partial class TeamGrain
{
    public const string CreditsLowEvent = "billing/credits.low";

    private static readonly JsonSerializerOptions PackJson = new(JsonSerializerDefaults.Web);

    private LowBalance? _low;

    public async Task<BillingSettings> GetBillingSettingsAsync()
    {
        var row = await LoadSettingsAsync();
        return new BillingSettings(row?.LowBalanceThreshold, Pack(row?.AutoTopUp));
    }

    public async Task<SettingsOutcome> UpdateBillingSettingsAsync(BillingSettings settings)
    {
        await using (var connection = await db.OpenConnectionAsync())
        {
            if (settings.AutoTopUp is not null && !await connection.ExecuteScalarAsync<bool>(
                    "SELECT EXISTS (SELECT 1 FROM credit_purchases WHERE team_id = @TeamId AND source = 'stripe' AND kind = 'checkout' AND paid_at IS NOT NULL)",
                    new { TeamId }))
            {
                return SettingsOutcome.NoSavedPaymentMethod;
            }

            await connection.ExecuteAsync(
                """
                INSERT INTO billing_settings (team_id, low_balance_threshold, auto_top_up) VALUES (@TeamId, @threshold, @pack::jsonb)
                ON CONFLICT (team_id) DO UPDATE
                   SET low_balance_threshold = excluded.low_balance_threshold, auto_top_up = excluded.auto_top_up, updated_at = now(),
                       low_since = CASE WHEN excluded.low_balance_threshold IS NULL THEN NULL ELSE billing_settings.low_since END
                """,
                new { TeamId, threshold = settings.LowBalanceThreshold, pack = settings.AutoTopUp is null ? null : JsonSerializer.Serialize(settings.AutoTopUp, PackJson) });
        }

        (_low, _billingStatus) = (null, null);
        await GetCreditsAsync();
        await CheckLowBalanceAsync();
        return SettingsOutcome.Saved;
    }

    /// <summary>
    /// Marks a crossing, or clears it, when the balance (as this grain last wrote it) is on the other side of the
    /// threshold. Never throws: the balance change it follows is committed already; a failed check is made again at the
    /// next change (the cached settings are dropped).
    /// </summary>
    private async Task CheckLowBalanceAsync()
    {
        try
        {
            await CheckLowBalanceCoreAsync();
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            (_low, _billingStatus) = (null, null);
            Log.LowBalanceCheckFailed(logger, TeamId, ex);
        }
    }

    private async Task CheckLowBalanceCoreAsync()
    {
        _low ??= await LoadLowBalanceAsync();
        if (_low.Threshold is not { } threshold || _credits is not { } credits)
        {
            return;
        }

        if (credits.Balance < threshold && !_low.Low)
        {
            await MarkCrossingAsync();
        }
        else if (credits.Balance >= threshold && _low.Low)
        {
            await using var connection = await db.OpenConnectionAsync();
            await connection.ExecuteAsync("UPDATE billing_settings SET low_since = NULL, updated_at = now() WHERE team_id = @TeamId", new { TeamId });
            _low = _low with { Low = false };
            _billingStatus = null;
        }
    }

    private async Task MarkCrossingAsync()
    {
        var now = time.GetUtcNow();
        var crossing = await db.InTransactionAsync(async (connection, tx) =>
        {
            // The database's balance decides (and low_since IS NULL makes a second mark of the same crossing a no-op).
            var row = await connection.QuerySingleOrDefaultAsync<CrossingRow>(
                """
                UPDATE billing_settings s SET low_since = now(), crossings = s.crossings + 1, updated_at = now()
                  FROM credit_accounts a
                 WHERE s.team_id = @TeamId AND a.team_id = s.team_id AND s.low_since IS NULL AND a.balance < s.low_balance_threshold
                RETURNING s.crossings, s.low_balance_threshold AS threshold, s.auto_top_up::text AS auto_top_up, a.balance
                """,
                new { TeamId }, tx);
            if (row is null)
            {
                return null;
            }

            var data = new JsonObject
            {
                ["team_id"] = TeamId.ToString(), ["balance"] = row.Balance, ["threshold"] = row.Threshold, ["crossing"] = row.Crossings,
            };
            if (Pack(row.AutoTopUp) is { } pack)
            {
                // One top-up in flight at a time: the balance can rise above the threshold and fall again (a refunded
                // reservation, a grant) before the first top-up's payment is confirmed, and that is not a reason to
                // charge the card again. A top-up still pending after a day no longer holds the next one back.
                var purchaseId = Guid.CreateVersion7(now);
                var inFlight = await connection.ExecuteScalarAsync<Guid?>(
                    """
                    SELECT id FROM credit_purchases
                     WHERE team_id = @TeamId AND kind = 'auto_top_up' AND status = 'pending' AND created_at > now() - interval '1 day'
                     LIMIT 1
                    """,
                    new { TeamId }, tx);
                if (inFlight is { } pending)
                {
                    data["auto_top_up"] = new JsonObject { ["purchase_id"] = pending.ToString(), ["pack"] = pack.Id, ["credits"] = pack.Credits, ["in_flight"] = true };
                }
                else
                {
                    await connection.ExecuteAsync(
                        """
                        INSERT INTO credit_purchases (id, team_id, source, credits, amount_cents, currency, idempotency_key, status, kind, pack)
                        VALUES (@purchaseId, @TeamId, 'stripe', @Credits, @AmountCents, @Currency, @key, 'pending', 'auto_top_up', @Id)
                        """,
                        new { purchaseId, TeamId, pack.Credits, pack.AmountCents, pack.Currency, key = $"auto-top-up:{TeamId}:{row.Crossings}", pack.Id }, tx);
                    data["auto_top_up"] = new JsonObject { ["purchase_id"] = purchaseId.ToString(), ["pack"] = pack.Id, ["credits"] = pack.Credits };
                }
            }

            await connection.ExecuteAsync(
                "INSERT INTO outbox_events (id, name, team_id, data, created_at) VALUES (@id, @name, @TeamId, @data::jsonb, @now)",
                new { id = Guid.CreateVersion7(now), name = CreditsLowEvent, TeamId, data = data.ToJsonString(), now }, tx);
            return row;
        });

        _low = _low! with { Low = true };
        _billingStatus = null;
        if (crossing is not null)
        {
            Log.BalanceLow(logger, TeamId, crossing.Balance, crossing.Threshold, crossing.Crossings);
            outbox.Nudge();
        }
    }

    private async Task<LowBalance> LoadLowBalanceAsync()
    {
        var row = await LoadSettingsAsync();
        return new LowBalance(row?.LowBalanceThreshold, row?.LowSince is not null);
    }

    private async Task<SettingsRow?> LoadSettingsAsync()
    {
        await using var connection = await db.OpenConnectionAsync();
        return await connection.QuerySingleOrDefaultAsync<SettingsRow>(
            "SELECT low_balance_threshold, auto_top_up::text AS auto_top_up, low_since FROM billing_settings WHERE team_id = @TeamId", new { TeamId });
    }

    private static CreditPack? Pack(string? json) => json is null ? null : JsonSerializer.Deserialize<CreditPack>(json, PackJson);

    private sealed record LowBalance(long? Threshold, bool Low);

    private sealed record SettingsRow(long? LowBalanceThreshold, string? AutoTopUp, DateTime? LowSince);

    private sealed record CrossingRow(long Crossings, long Threshold, string? AutoTopUp, long Balance);
}
