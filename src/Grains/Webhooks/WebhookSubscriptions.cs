using System.Collections.Frozen;
using Alavida.Grains.Mesh;
using Dapper;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Alavida.Grains.Webhooks;

/// <summary>
/// Which teams subscribe to which events, in memory on every silo: the mesh asks it for every event it accepts
/// (<see cref="Wants"/>), so an event of a team without a matching endpoint costs a dictionary lookup and no run. It
/// is reloaded every <see cref="WebhookOptions.SubscriptionRefresh"/>, and at once on the silo where an endpoint
/// changes; until the first load it answers yes (the fan-out run then finds the endpoints in the database).
/// </summary>
public sealed partial class WebhookSubscriptions(NpgsqlDataSource db, IOptions<WebhookOptions> options, ILogger<WebhookSubscriptions> logger)
    : BackgroundService
{
    private volatile FrozenDictionary<string, string[]>? _byTeam;

    /// <summary>True when the event's team has an enabled endpoint whose events cover its name.</summary>
    public bool Wants(MeshEvent e) =>
        e.TeamId is { } team && WebhookRules.Deliverable(e.Name)
        && (_byTeam is not { } byTeam || (byTeam.TryGetValue(team, out var patterns) && patterns.Any(p => WebhookRules.Covers(p, e.Name))));

    /// <summary>Reloads now (after a change on this silo).</summary>
    public async Task RefreshAsync()
    {
        await using var connection = await db.OpenConnectionAsync();
        var rows = await connection.QueryAsync<Subscription>(
            """
            SELECT team_id::text AS team_id, array_agg(DISTINCT pattern) AS patterns
              FROM webhooks.endpoints, unnest(events) AS pattern
             WHERE enabled
             GROUP BY team_id
            """);
        _byTeam = rows.ToFrozenDictionary(r => r.TeamId, r => r.Patterns);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SubscriptionRefresh);
        do
        {
            try
            {
                await RefreshAsync();
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                Log.RefreshFailed(logger, ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private sealed class Subscription
    {
        public string TeamId { get; init; } = "";
        public string[] Patterns { get; init; } = [];
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "webhooks: reloading the subscriptions failed; the last ones loaded stay in use")]
        public static partial void RefreshFailed(ILogger logger, Exception exception);
    }
}
