using Microsoft.Extensions.Logging;

namespace Alavida.Grains.Mesh;

/// <summary>
/// One per cron-triggered function in the cluster: arms a timer for the next occurrence and starts a run then. The
/// run's event id is derived from the function and the occurrence, so a double fire (two silos, a restart) starts
/// one run. Every silo pokes these grains at start-up, which re-arms them after a restart.
/// </summary>
public sealed partial class CronGrain(MeshFunctionRegistry registry, MeshRouter router, MeshClock clock, ILogger<CronGrain> logger) : Grain, ICronGrain
{
    private IDisposable? _timer;
    private DateTimeOffset? _due;

    public Task EnsureScheduledAsync()
    {
        if (_due is null)
        {
            Arm(clock.Now);
        }

        return Task.CompletedTask;
    }

    public async Task TickAsync(DateTimeOffset due)
    {
        var id = this.GetPrimaryKeyString();
        if (_due != due)
        {
            return;
        }

        try
        {
            var data = new { cron = due.ToString("O"), function_id = id };
            var occurrence = MeshEvents.Create(MeshFunctionRegistry.CronEvent, data, id: $"cron-{id}-{due.ToUnixTimeSeconds()}");
            await router.InvokeAsync(occurrence, id, MeshContext.StableGuid(occurrence.Id), null, null, null);
        }
        catch (Exception ex)
        {
            Log.CronFailed(logger, ex, id, due);
        }

        Arm(due);
    }

    private void Arm(DateTimeOffset after)
    {
        var function = registry.Find(this.GetPrimaryKeyString());
        if (function is null || function.Crons.Count == 0)
        {
            return;
        }

        var next = function.Crons.Select(c => c.Cron.GetNextOccurrence(after, c.Zone)).Where(d => d is not null).Min();
        if (next is not { } due)
        {
            return;
        }

        _due = due;
        _timer?.Dispose();
        var self = this.AsReference<ICronGrain>();
        _timer = clock.At(due, () => self.TickAsync(due));
        DelayDeactivation(due - clock.Now + TimeSpan.FromMinutes(1));
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Error, "Mesh cron {FunctionId}: the occurrence at {Due} could not start")]
        public static partial void CronFailed(ILogger logger, Exception ex, string functionId, DateTimeOffset due);
    }
}
