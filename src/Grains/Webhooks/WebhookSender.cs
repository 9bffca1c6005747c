using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Alavida.Grains.Platform;
using Dapper;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using StandardWebhooks;

namespace Alavida.Grains.Webhooks;

/// <summary>What one attempt came to: <c>delivered</c> (2xx), <c>retry</c>, <c>gone</c> (410) or <c>stopped</c> (endpoint deleted or disabled).</summary>
public sealed record AttemptOutcome(string Result, int? Status, string? Error, bool EndpointDisabled);

/// <summary>
/// One attempt of a delivery: signs the stored body (Standard Webhooks: <c>webhook-id</c> is the delivery's, the same
/// on every attempt; one <c>v1</c> signature per valid secret), posts it with a timeout through a handler that checks
/// every address it connects to and follows no redirect, reads at most the excerpt of the answer, and records the
/// attempt. An endpoint that answers 410, or that a delivery exhausting its retries finds failing for three days, is
/// disabled and <c>webhook/endpoint.disabled</c> written to the platform outbox in the same statement.
/// </summary>
public sealed partial class WebhookSender : IDisposable
{
    public const string EndpointDisabledEvent = "webhook/endpoint.disabled";

    private readonly NpgsqlDataSource _db;
    private readonly WebhookOptions _options;
    private readonly TimeProvider _time;
    private readonly PlatformOutboxNudge _outbox;
    private readonly ILogger<WebhookSender> _logger;
    private readonly HttpClient _http;

    public WebhookSender(NpgsqlDataSource db, IOptions<WebhookOptions> options, TimeProvider time, PlatformOutboxNudge outbox, ILogger<WebhookSender> logger)
    {
        (_db, _options, _time, _outbox, _logger) = (db, options.Value, time, outbox, logger);
        var allowPrivate = _options.AllowPrivateNetworks;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            ConnectTimeout = _options.AttemptTimeout,
            ConnectCallback = (context, cancellationToken) => WebhookAddresses.ConnectAsync(context, allowPrivate, cancellationToken),
        };
        _http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("Alavida-Webhooks/1.0");
    }

    /// <summary>
    /// Makes one attempt of <paramref name="deliveryId"/>. <paramref name="retryIn"/> is the wait before the next attempt
    /// if this one fails; null on the last attempt, whose failure ends the delivery.
    /// </summary>
    public async Task<AttemptOutcome> AttemptAsync(Guid deliveryId, TimeSpan? retryIn, CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenConnectionAsync(cancellationToken);
        var target = await connection.QuerySingleOrDefaultAsync<Target>(
            """
            SELECT d.endpoint_id, d.payload, d.trace_id, e.team_id, e.url, e.enabled, e.secret,
                   CASE WHEN e.previous_secret_expires_at > now() THEN e.previous_secret END AS previous_secret
              FROM webhooks.deliveries d JOIN webhooks.endpoints e ON e.id = d.endpoint_id
             WHERE d.id = @deliveryId
            """,
            new { deliveryId });
        if (target is null)
        {
            return new AttemptOutcome("stopped", null, "the endpoint was deleted", false);
        }

        if (!target.Enabled)
        {
            await connection.ExecuteAsync(
                "UPDATE webhooks.deliveries SET status = 'failed', error = 'the endpoint is disabled', next_attempt_at = NULL WHERE id = @deliveryId",
                new { deliveryId });
            return new AttemptOutcome("stopped", null, "the endpoint is disabled", false);
        }

        var (status, excerpt, error, latency) = await PostAsync(deliveryId, target, cancellationToken);
        // A delivered message stays delivered: an attempt that fails later (one a dying silo was still making while
        // another silo delivered) is counted and logged, but does not undo the delivery. A redelivery resets it first.
        var result = status is >= 200 and < 300 ? "delivered" : status == (int)HttpStatusCode.Gone ? "gone" : "retry";
        var final = result != "retry" || retryIn is null;
        await connection.ExecuteAsync(
            """
            UPDATE webhooks.deliveries
               SET attempts = attempts + 1, first_attempt_at = coalesce(first_attempt_at, now()), last_attempt_at = now(), response_status = @status, latency_ms = @latency,
                   response_excerpt = @excerpt, error = @error,
                   status = CASE WHEN @result = 'delivered' OR status = 'delivered' THEN 'delivered' WHEN @final THEN 'failed' ELSE 'pending' END,
                   next_attempt_at = CASE WHEN @final OR status = 'delivered' THEN NULL ELSE now() + @retryIn::interval END,
                   delivered_at = CASE WHEN @result = 'delivered' THEN now() ELSE delivered_at END
             WHERE id = @deliveryId;
            UPDATE webhooks.endpoints
               SET failing_since = CASE WHEN @result = 'delivered' THEN NULL ELSE coalesce(failing_since, now()) END
             WHERE id = @endpointId AND (failing_since IS NULL) = (@result <> 'delivered');
            """,
            new { deliveryId, target.EndpointId, status, latency, excerpt, error, result, final, retryIn = retryIn ?? TimeSpan.Zero });
        var disabled = result == "gone"
            ? await DisableAsync(connection, deliveryId, target, "gone")
            : result == "retry" && final && await DisableAsync(connection, deliveryId, target, "failing");
        Log.Attempted(_logger, target.TeamId, target.EndpointId, deliveryId, result, status);
        return new AttemptOutcome(result, status, error, disabled);
    }

    /// <summary>
    /// Disables the endpoint (when still enabled; for <c>failing</c>, only when nothing reached it since the delivery's
    /// first attempt, nor for <see cref="WebhookOptions.DisableAfter"/>) and writes the event in the same statement:
    /// once per disabling.
    /// </summary>
    private async Task<bool> DisableAsync(NpgsqlConnection connection, Guid deliveryId, Target target, string reason)
    {
        var disabled = await connection.ExecuteScalarAsync<bool>(
            $"""
            WITH disabled AS (
                UPDATE webhooks.endpoints SET enabled = false, disabled_reason = @reason, updated_at = now()
                 WHERE id = @EndpointId AND enabled
                   AND (@reason = 'gone'
                        OR failing_since <= least((SELECT first_attempt_at FROM webhooks.deliveries WHERE id = @deliveryId), now() - @disableAfter::interval))
                RETURNING id, team_id, url, failing_since
            ), announced AS (
                INSERT INTO outbox_events (id, name, team_id, data, trace_id)
                SELECT gen_random_uuid(), '{EndpointDisabledEvent}', team_id,
                       jsonb_build_object('webhook_id', id, 'url', url, 'reason', @reason, 'failing_since', failing_since), @TraceId
                  FROM disabled
                RETURNING 1
            )
            SELECT EXISTS (SELECT 1 FROM announced)
            """,
            new { target.EndpointId, deliveryId, reason, target.TraceId, disableAfter = _options.DisableAfter });
        if (disabled)
        {
            Log.Disabled(_logger, target.TeamId, target.EndpointId, reason);
            _outbox.Nudge();
        }

        return disabled;
    }

    private async Task<(int? Status, string? Excerpt, string? Error, int Latency)> PostAsync(Guid deliveryId, Target target, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.AttemptTimeout);
        try
        {
            if (WebhookRules.UrlProblem(target.Url, _options.AllowPrivateNetworks, out var uri) is { } problem)
            {
                return (null, null, $"the URL {problem}", 0);
            }

            using var request = Sign(deliveryId, target, uri!);
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var excerpt = await ReadExcerptAsync(response, timeout.Token);
            return ((int)response.StatusCode, excerpt, null, Elapsed(started));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, null, $"timed out after {_options.AttemptTimeout.TotalSeconds:0.###} s", Elapsed(started));
        }
        catch (HttpRequestException ex)
        {
            var refused = ex.InnerException as WebhookAddressException ?? ex.InnerException?.InnerException as WebhookAddressException;
            return (null, null, refused is not null ? $"refused: {refused.Message}" : $"connection failed: {ex.Message}", Elapsed(started));
        }
    }

    private HttpRequestMessage Sign(Guid deliveryId, Target target, Uri uri)
    {
        var id = $"msg_{deliveryId:N}";
        var now = _time.GetUtcNow();
        // The previous secret's signature first while it is valid: a verifier that reads only the first signature (the
        // StandardWebhooks .NET library does) keeps working until its owner deploys the new secret.
        var secrets = target.PreviousSecret is { } previous ? [previous, target.Secret] : new[] { target.Secret };
        var signature = string.Join(' ', secrets.Select(s => new StandardWebhook(s).Sign(id, now, target.Payload)));
        var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new StringContent(target.Payload, Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("webhook-id", id);
        request.Headers.TryAddWithoutValidation("webhook-timestamp", now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation("webhook-signature", signature);
        return request;
    }

    /// <summary>The start of the body as text: at most <see cref="WebhookOptions.ResponseExcerptBytes"/> are read, the rest never is.</summary>
    private async Task<string?> ReadExcerptAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var limit = _options.ResponseExcerptBytes;
        if (limit == 0)
        {
            return null;
        }

        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[limit];
        var read = 0;
        int n;
        while (read < limit && (n = await stream.ReadAsync(buffer.AsMemory(read, limit - read), cancellationToken)) > 0)
        {
            read += n;
        }

        // Text the database can keep: invalid UTF-8 becomes U+FFFD, NUL is dropped.
        return read == 0 ? null : Encoding.UTF8.GetString(buffer, 0, read).Replace("\0", "", StringComparison.Ordinal);
    }

    private static int Elapsed(long started) => (int)Math.Min(int.MaxValue, Stopwatch.GetElapsedTime(started).TotalMilliseconds);

    public void Dispose() => _http.Dispose();

    private sealed record Target(
        Guid EndpointId, string Payload, string? TraceId, Guid TeamId, string Url, bool Enabled, string Secret, string? PreviousSecret);

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "webhooks: team {TeamId} endpoint {WebhookId} delivery {DeliveryId}: {Result} ({Status})")]
        public static partial void Attempted(ILogger logger, Guid teamId, Guid webhookId, Guid deliveryId, string result, int? status);

        [LoggerMessage(2, LogLevel.Warning, "webhooks: team {TeamId} endpoint {WebhookId} disabled ({Reason})")]
        public static partial void Disabled(ILogger logger, Guid teamId, Guid webhookId, string reason);
    }
}
