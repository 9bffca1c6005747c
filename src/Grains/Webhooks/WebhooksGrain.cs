using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json;
using Alavida.Grains.Platform;
using Dapper;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Alavida.Grains.Webhooks;

/// <summary>A team's endpoints, in <c>webhooks.endpoints</c>; deliveries asked for here go through the platform outbox.</summary>
public sealed partial class WebhooksGrain(
    NpgsqlDataSource db, IOptions<WebhookOptions> options, WebhookSubscriptions subscriptions, PlatformOutboxNudge outbox, ILogger<WebhooksGrain> logger)
    : Grain, IWebhooksGrain
{
    private static readonly TimeSpan ResolveTimeout = TimeSpan.FromSeconds(5);

    private Guid TeamId => this.GetPrimaryKey();

    public async Task<WebhookChange> CreateAsync(WebhookDraft draft)
    {
        var errors = await CheckAsync(draft.Url, draft.Events, draft.Description, required: true);
        if (errors.Count > 0)
        {
            return new WebhookChange(WebhookOutcome.Invalid, Errors: errors);
        }

        await using var connection = await db.OpenConnectionAsync();
        var secret = NewSecret();
        var max = options.Value.MaxEndpointsPerTeam;
        var row = await connection.QuerySingleOrDefaultAsync<WebhookRows.Endpoint>(
            $"""
            INSERT INTO webhooks.endpoints (id, team_id, url, description, events, secret)
            SELECT @id, @TeamId, @url, @description, @events, @secret
             WHERE (SELECT count(*) FROM webhooks.endpoints WHERE team_id = @TeamId) < @max
            RETURNING {WebhookRows.EndpointColumns}
            """,
            new { id = Guid.CreateVersion7(), TeamId, url = draft.Url, description = Blank(draft.Description), events = draft.Events.ToArray(), secret, max });
        if (row is null)
        {
            return new WebhookChange(WebhookOutcome.Invalid, Errors: [new("/", $"a team may have at most {max} webhook endpoints; delete one first")]);
        }

        Log.Created(logger, TeamId, row.Id);
        await subscriptions.RefreshAsync();
        return new WebhookChange(WebhookOutcome.Saved, row.ToView(), secret);
    }

    public async Task<Page<WebhookView>> ListAsync(int limit, string? cursor)
    {
        await using var connection = await db.OpenConnectionAsync();
        var rows = (await connection.QueryAsync<WebhookRows.Endpoint>(
            $"""
            SELECT {WebhookRows.EndpointColumns} FROM webhooks.endpoints
             WHERE team_id = @TeamId AND (@hasCursor = false OR (created_at, id) < (@cursorAt, @cursorId))
             ORDER BY created_at DESC, id DESC
             LIMIT @take
            """,
            Keyset.Parameters(new { TeamId }, cursor, limit))).ToList();
        return Keyset.Page(rows, limit, r => new PageCursor(r.CreatedAt, r.Id), r => r.ToView());
    }

    public async Task<WebhookView?> GetAsync(Guid webhookId) => (await FindAsync(webhookId))?.ToView();

    public async Task<WebhookChange> UpdateAsync(Guid webhookId, WebhookPatch patch)
    {
        var errors = await CheckAsync(patch.Url, patch.Events, patch.Description, required: false);
        if (errors.Count > 0)
        {
            return new WebhookChange(WebhookOutcome.Invalid, Errors: errors);
        }

        await using var connection = await db.OpenConnectionAsync();
        var row = await connection.QuerySingleOrDefaultAsync<WebhookRows.Endpoint>(
            $"""
            UPDATE webhooks.endpoints
               SET url = coalesce(@url::text, url), events = coalesce(@events::text[], events),
                   description = CASE WHEN @description::text IS NULL THEN description ELSE nullif(@description, '') END,
                   enabled = coalesce(@enabled::boolean, enabled),
                   disabled_reason = CASE WHEN coalesce(@enabled::boolean, enabled) THEN NULL ELSE disabled_reason END,
                   failing_since = CASE WHEN @enabled::boolean AND NOT enabled THEN NULL ELSE failing_since END,
                   updated_at = now()
             WHERE id = @webhookId AND team_id = @TeamId
            RETURNING {WebhookRows.EndpointColumns}
            """,
            new { webhookId, TeamId, url = patch.Url, events = patch.Events?.ToArray(), description = patch.Description, enabled = patch.Enabled });
        if (row is null)
        {
            return new WebhookChange(WebhookOutcome.NotFound);
        }

        await subscriptions.RefreshAsync();
        return new WebhookChange(WebhookOutcome.Saved, row.ToView());
    }

    public async Task<bool> DeleteAsync(Guid webhookId)
    {
        await using var connection = await db.OpenConnectionAsync();
        var deleted = await connection.ExecuteAsync("DELETE FROM webhooks.endpoints WHERE id = @webhookId AND team_id = @TeamId", new { webhookId, TeamId }) > 0;
        if (deleted)
        {
            Log.Deleted(logger, TeamId, webhookId);
            await subscriptions.RefreshAsync();
        }

        return deleted;
    }

    public async Task<WebhookChange> RotateSecretAsync(Guid webhookId)
    {
        await using var connection = await db.OpenConnectionAsync();
        var secret = NewSecret();
        var row = await connection.QuerySingleOrDefaultAsync<WebhookRows.Endpoint>(
            $"""
            UPDATE webhooks.endpoints
               SET previous_secret = secret, previous_secret_expires_at = now() + @overlap, secret = @secret, updated_at = now()
             WHERE id = @webhookId AND team_id = @TeamId
            RETURNING {WebhookRows.EndpointColumns}
            """,
            new { webhookId, TeamId, secret, overlap = options.Value.PreviousSecretLifetime });
        if (row is null)
        {
            return new WebhookChange(WebhookOutcome.NotFound);
        }

        Log.SecretRotated(logger, TeamId, webhookId);
        return new WebhookChange(WebhookOutcome.Saved, row.ToView(), secret);
    }

    public async Task<DeliveryRequest> TestAsync(Guid webhookId)
    {
        if (await FindAsync(webhookId) is not { } endpoint)
        {
            return new DeliveryRequest(DeliveryOutcome.NotFound);
        }

        if (!endpoint.Enabled)
        {
            return new DeliveryRequest(DeliveryOutcome.Conflict, Reason: "The endpoint is disabled: enable it (PATCH enabled=true) first.");
        }

        var deliveryId = Guid.CreateVersion7();
        var eventId = $"test_{deliveryId:N}";
        var payload = JsonSerializer.Serialize(new
        {
            type = WebhookFunctions.TestEvent,
            timestamp = DateTimeOffset.UtcNow,
            data = new { webhook_id = webhookId, message = "A test delivery from Alavida." },
            event_id = eventId,
            trace_id = deliveryId.ToString("N"),
        });
        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await connection.ExecuteAsync(
            """
            INSERT INTO webhooks.deliveries (id, endpoint_id, team_id, event_id, event_type, trace_id, payload)
            VALUES (@deliveryId, @webhookId, @TeamId, @eventId, @type, @traceId, @payload)
            """,
            new { deliveryId, webhookId, TeamId, eventId, type = WebhookFunctions.TestEvent, traceId = deliveryId.ToString("N"), payload }, transaction);
        await RequestAsync(connection, transaction, deliveryId, webhookId, deliveryId.ToString("N"));
        await transaction.CommitAsync();
        outbox.Nudge();
        return new DeliveryRequest(DeliveryOutcome.Requested, deliveryId);
    }

    public async Task<Page<DeliveryView>?> ListDeliveriesAsync(Guid webhookId, int limit, string? cursor)
    {
        if (await FindAsync(webhookId) is null)
        {
            return null;
        }

        await using var connection = await db.OpenConnectionAsync();
        var rows = (await connection.QueryAsync<WebhookRows.Delivery>(
            $"""
            SELECT {WebhookRows.DeliveryColumns} FROM webhooks.deliveries
             WHERE endpoint_id = @webhookId AND (@hasCursor = false OR (created_at, id) < (@cursorAt, @cursorId))
             ORDER BY created_at DESC, id DESC
             LIMIT @take
            """,
            Keyset.Parameters(new { webhookId }, cursor, limit))).ToList();
        return Keyset.Page(rows, limit, r => new PageCursor(r.CreatedAt, r.Id), r => r.ToView());
    }

    public async Task<DeliveryRequest> RedeliverAsync(Guid webhookId, Guid deliveryId)
    {
        if (await FindAsync(webhookId) is not { } endpoint)
        {
            return new DeliveryRequest(DeliveryOutcome.NotFound);
        }

        if (!endpoint.Enabled)
        {
            return new DeliveryRequest(DeliveryOutcome.Conflict, Reason: "The endpoint is disabled: enable it (PATCH enabled=true) first.");
        }

        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var row = await connection.QuerySingleOrDefaultAsync<(string Status, string? TraceId)?>(
            "SELECT status, trace_id FROM webhooks.deliveries WHERE id = @deliveryId AND endpoint_id = @webhookId FOR UPDATE",
            new { deliveryId, webhookId }, transaction);
        if (row is not var (status, traceId))
        {
            return new DeliveryRequest(DeliveryOutcome.NotFound, Reason: $"Webhook {webhookId} has no delivery {deliveryId}.");
        }

        if (status == "pending")
        {
            return new DeliveryRequest(DeliveryOutcome.Conflict, deliveryId, "The delivery is still pending (its retries are under way): redeliver it once it is delivered or failed.");
        }

        await connection.ExecuteAsync(
            "UPDATE webhooks.deliveries SET status = 'pending', next_attempt_at = NULL, delivered_at = NULL, first_attempt_at = NULL WHERE id = @deliveryId",
            new { deliveryId }, transaction);
        await RequestAsync(connection, transaction, deliveryId, webhookId, traceId);
        await transaction.CommitAsync();
        outbox.Nudge();
        return new DeliveryRequest(DeliveryOutcome.Requested, deliveryId);
    }

    /// <summary>Writes the delivery's request into the platform outbox, in the caller's transaction (the relay starts its run).</summary>
    private Task RequestAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid deliveryId, Guid webhookId, string? traceId) =>
        connection.ExecuteAsync(
            "INSERT INTO outbox_events (id, name, team_id, data, trace_id) VALUES (@id, @name, @TeamId, @data::jsonb, @traceId)",
            new
            {
                id = Guid.CreateVersion7(), name = WebhookFunctions.DeliveryRequested, TeamId, traceId,
                data = JsonSerializer.Serialize(new { delivery_id = deliveryId, endpoint_id = webhookId }),
            },
            transaction);

    private async Task<WebhookRows.Endpoint?> FindAsync(Guid webhookId)
    {
        await using var connection = await db.OpenConnectionAsync();
        return await connection.QuerySingleOrDefaultAsync<WebhookRows.Endpoint>(
            $"SELECT {WebhookRows.EndpointColumns} FROM webhooks.endpoints WHERE id = @webhookId AND team_id = @TeamId", new { webhookId, TeamId });
    }

    /// <summary>Every problem with the fields given; the URL's host is resolved and each address checked (unless private networks are allowed).</summary>
    private async Task<List<WebhookFieldError>> CheckAsync(string? url, IReadOnlyList<string>? events, string? description, bool required)
    {
        var allowPrivate = options.Value.AllowPrivateNetworks;
        var errors = new List<WebhookFieldError>();
        if (required || url is not null)
        {
            if (WebhookRules.UrlProblem(url, allowPrivate, out var uri) is { } problem)
            {
                errors.Add(new("/url", problem));
            }
            else if (await AddressProblemAsync(uri!, allowPrivate) is { } refused)
            {
                errors.Add(new("/url", refused));
            }
        }

        if (required || events is not null)
        {
            errors.AddRange(WebhookRules.EventProblems(events));
        }

        if (WebhookRules.DescriptionProblem(description) is { } tooLong)
        {
            errors.Add(new("/description", tooLong));
        }

        return errors;
    }

    private static async Task<string?> AddressProblemAsync(Uri uri, bool allowPrivate)
    {
        using var timeout = new CancellationTokenSource(ResolveTimeout);
        try
        {
            await WebhookAddresses.ResolveAsync(uri.IdnHost, allowPrivate, timeout.Token);
            return null;
        }
        catch (WebhookAddressException ex)
        {
            return $"is not allowed: {ex.Message}";
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ArgumentException)
        {
            return $"could not be resolved ('{uri.IdnHost}'): {ex.Message}";
        }
    }

    private static string NewSecret() => "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    private static string? Blank(string? text) => string.IsNullOrEmpty(text) ? null : text;

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "webhooks: team {TeamId} created endpoint {WebhookId}")]
        public static partial void Created(ILogger logger, Guid teamId, Guid webhookId);

        [LoggerMessage(2, LogLevel.Information, "webhooks: team {TeamId} deleted endpoint {WebhookId}")]
        public static partial void Deleted(ILogger logger, Guid teamId, Guid webhookId);

        [LoggerMessage(3, LogLevel.Information, "webhooks: team {TeamId} rotated the secret of endpoint {WebhookId}")]
        public static partial void SecretRotated(ILogger logger, Guid teamId, Guid webhookId);
    }
}
