using Alavida.Grains.Mesh;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Alavida.Grains.Webhooks;

/// <summary>
/// The two mesh functions behind webhooks. <c>webhooks/fan-out</c> runs for an event whose team subscribes to it and
/// makes one delivery per matching endpoint, with its request event, in one transaction (exactly once).
/// <c>webhooks/deliver</c> runs per delivery: its attempts are memoized steps and the waits between them durable
/// sleeps, so a silo's death repeats at most the attempt in flight (same webhook-id), and a slow endpoint holds only
/// its own concurrency slots.
/// </summary>
public static class WebhookFunctions
{
    public const string FanOutId = "webhooks/fan-out";
    public const string DeliverId = "webhooks/deliver";
    public const string DeliveryRequested = WebhookRules.InternalPrefix + "requested";
    public const string TestEvent = "webhook.test";

    private const string FanOutSql =
        """
        INSERT INTO webhooks.deliveries (id, endpoint_id, team_id, event_id, event_type, trace_id, payload)
        SELECT gen_random_uuid(), e.id, e.team_id, @eventId, @name, @traceId,
               jsonb_build_object('type', @name, 'timestamp', @timestamp, 'data', @data::jsonb, 'event_id', @eventId, 'trace_id', @traceId)::text
          FROM webhooks.endpoints e
         WHERE e.team_id = @teamId AND e.enabled
           AND EXISTS (SELECT 1 FROM unnest(e.events) AS p
                        WHERE p = @name OR (right(p, 1) = '*' AND starts_with(@name, left(p, -1))))
        ON CONFLICT (endpoint_id, event_id) DO NOTHING
        RETURNING id, endpoint_id
        """;

    public static MeshFunctionDefinition FanOut(WebhookSubscriptions subscriptions) => new()
    {
        Id = FanOutId,
        Triggers = [MeshTrigger.OnAnyEvent(subscriptions.Wants)],
        Handler = async context =>
        {
            if (!Guid.TryParse(context.TeamId, out var teamId))
            {
                return new { deliveries = 0 };
            }

            var e = context.Event;
            var deliveries = await context.RunInTransaction("deliveries", async tx =>
            {
                var made = (await tx.Connection.QueryAsync<(Guid Id, Guid EndpointId)>(FanOutSql, new
                {
                    teamId, eventId = e.Id, name = e.Name, traceId = context.TraceId, data = e.DataJson,
                    timestamp = DateTimeOffset.FromUnixTimeMilliseconds(e.Ts).ToString("O"),
                }, tx.Transaction)).ToList();
                tx.SendEvent([.. made.Select(d => MeshEvents.Create(DeliveryRequested, new { delivery_id = d.Id, endpoint_id = d.EndpointId }, id: d.Id.ToString("N")))]);
                return made.Count;
            });
            return new { deliveries };
        },
    };

    public static MeshFunctionDefinition Deliver(WebhookOptions options, WebhookSender sender) => new()
    {
        Id = DeliverId,
        Triggers = [MeshTrigger.OnEvent(DeliveryRequested)],
        Concurrency = [new MeshConcurrency(options.ConcurrencyPerEndpoint, Key: "event.data.endpoint_id")],
        // Faults of ours (the database away); the endpoint's failures are the attempts below.
        Retries = new MeshRetries(5, BaseDelay: TimeSpan.FromSeconds(1)),
        Handler = async context =>
        {
            if (Json.Id(context.Data, "delivery_id") is not { } deliveryId)
            {
                throw new NonRetriableException("the event names no delivery_id");
            }

            var schedule = options.Schedule;
            for (var attempt = 1; ; attempt++)
            {
                TimeSpan? retryIn = attempt <= schedule.Count ? Jittered(schedule[attempt - 1], deliveryId, attempt) : null;
                var outcome = await context.Run($"attempt-{attempt}", () => sender.AttemptAsync(deliveryId, retryIn, context.CancellationToken));
                if (outcome.Result != "retry" || retryIn is null)
                {
                    return outcome;
                }

                await context.Sleep($"wait-{attempt}", retryIn.Value);
            }
        },
    };

    /// <summary>±20 % jitter, the same for a delivery's attempt wherever it is computed (so a resumed run sleeps as planned).</summary>
    public static TimeSpan Jittered(TimeSpan wait, Guid deliveryId, int attempt)
    {
        var bytes = deliveryId.ToByteArray();
        var spread = (BitConverter.ToUInt32(bytes, 12) ^ (uint)(attempt * 2654435761)) % 1000 / 1000.0;
        return wait * (0.8 + (0.4 * spread));
    }

    /// <summary>Registers the webhooks module in a silo: its services and the two functions (the host binds <see cref="WebhookOptions"/>). Safe to call twice.</summary>
    public static IServiceCollection AddAlavidaWebhooks(this IServiceCollection services)
    {
        if (services.Any(s => s.ServiceType == typeof(WebhookSender)))
        {
            return services;
        }

        services.AddSingleton<WebhookSender>();
        services.AddSingleton<WebhookSubscriptions>();
        services.AddHostedService(sp => sp.GetRequiredService<WebhookSubscriptions>());
        services.AddSingleton(sp => FanOut(sp.GetRequiredService<WebhookSubscriptions>()));
        services.AddSingleton(sp => Deliver(sp.GetRequiredService<IOptions<WebhookOptions>>().Value, sp.GetRequiredService<WebhookSender>()));
        return services;
    }
}
