using Alavida.Grains.Data;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Alavida.Grains.Platform;

/// <summary>
/// Resumes the jobs of a dead silo as soon as the cluster declares it dead: every unfinished job is dispatched again
/// (<see cref="IJobReconcilerGrain"/>), and a job whose grain died is activated on a live silo and runs from its row. So
/// recovery takes the membership's detection time (see <c>docs/reliability.md</c>), not the reconciler's minute.
/// </summary>
public sealed partial class JobRecovery(IClusterMembershipService membership, IGrainFactory grains, IOptions<JobOptions> options, TimeProvider time, ILogger<JobRecovery> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _watch = Task.CompletedTask;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(JobRecovery), ServiceLifecycleStage.Active, OnStartAsync, OnStopAsync);

    private Task OnStartAsync(CancellationToken cancellationToken)
    {
        _watch = Task.Run(() => SiloDeaths.WatchAsync(membership, RecoverAsync, _stopping.Token));
        return Task.CompletedTask;
    }

    private async Task OnStopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await _watch.WaitAsync(cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    /// <summary>Dispatches every unfinished job; the reconciler may itself have lived on the dead silo, so a transient fault is retried.</summary>
    private async Task RecoverAsync()
    {
        for (var attempt = 1; !_stopping.IsCancellationRequested; attempt++)
        {
            try
            {
                var count = await grains.GetGrain<IJobReconcilerGrain>(0).ReconcileNowAsync(TimeSpan.Zero);
                Log.Recovered(logger, count);
                return;
            }
            catch (Exception ex) when (TransientFaults.IsTransient(ex) && attempt < 20)
            {
                await Task.Delay(Backoff.Delay(attempt, options.Value.FirstRetryDelay, options.Value.MaxRetryDelay), time, _stopping.Token)
                    .ContinueWith(_ => { }, TaskScheduler.Default);
            }
            catch (Exception ex)
            {
                Log.RecoveryFailed(logger, ex);
                return;
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "A silo was declared dead: {Count} unfinished job(s) dispatched again")]
        public static partial void Recovered(ILogger logger, int count);

        [LoggerMessage(2, LogLevel.Error, "A silo was declared dead, but its jobs could not be dispatched again; the reconciler's next pass will")]
        public static partial void RecoveryFailed(ILogger logger, Exception exception);
    }
}
