using Microsoft.Extensions.Logging;

namespace Alavida.Grains.Mesh;

/// <summary>
/// Picks up runs nobody is executing: once this silo is active, whenever a silo of the cluster is declared dead, and
/// every few minutes for runs older than a minute (a safety net for a dispatch lost to a transient fault). Queued runs go back through their gates (a gate
/// ignores a run it holds queued, and starts again one it counts as running); started runs re-take their
/// concurrency slots (sleeping and waiting runs hold none) and resume from their last memoized step (a live run grain ignores the poke). Also arms the
/// cron grains. Safe to run on every silo at once: every step is idempotent.
/// </summary>
public sealed partial class MeshReconciler(
    MeshQueries queries, MeshRouter router, MeshFunctionRegistry registry, IGrainFactory grains, IClusterMembershipService membership,
    ILogger<MeshReconciler> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    private static readonly TimeSpan SafetyNetPeriod = TimeSpan.FromMinutes(2);
    private readonly CancellationTokenSource _stopping = new();
    private Task _watch = Task.CompletedTask;
    private Task _safetyNet = Task.CompletedTask;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(MeshReconciler), ServiceLifecycleStage.Active, OnStartAsync, OnStopAsync);

    /// <summary>Resumes every unfinished run; returns how many were poked.</summary>
    public async Task<int> ReconcileAsync(TimeSpan? minimumAge = null)
    {
        var runs = await queries.UnfinishedRunsAsync(minimumAge ?? TimeSpan.Zero);
        var queued = new List<RunTicket>();
        var started = new List<(RunTicket Ticket, bool HoldsSlots)>();
        foreach (var (runId, functionId, status, createdAt, e) in runs)
        {
            if (router.TicketFor(runId, functionId, e, createdAt, resume: true) is not { } ticket)
            {
                continue;
            }

            if (status == RunStatus.Queued)
            {
                queued.Add(ticket);
            }
            else
            {
                // Sleeping and waiting runs hold no slots: they take them again when they resume.
                started.Add((ticket, status == RunStatus.Running));
            }
        }

        await router.DispatchAsync(queued);
        foreach (var (ticket, holdsSlots) in started)
        {
            try
            {
                var gates = registry.Find(ticket.FunctionId)!.Gates;
                for (var i = 0; holdsSlots && i < gates.Count; i++)
                {
                    if (gates[i].Kind == GateKind.Concurrency)
                    {
                        await grains.GetGrain<IFlowGateGrain>(ticket.GateKeys[i]).SubmitAsync([ticket with { Stage = i, AlreadyRunning = true }]);
                    }
                }

                await grains.GetGrain<IRunGrain>(ticket.RunId).ResumeAsync();
            }
            catch (Exception ex)
            {
                Log.ResumeFailed(logger, ex, ticket.RunId);
            }
        }

        if (runs.Count > 0)
        {
            Log.Reconciled(logger, queued.Count, started.Count);
        }

        return runs.Count;
    }

    private Task OnStartAsync(CancellationToken cancellationToken)
    {
        _watch = Task.Run(() => WatchAsync(_stopping.Token));
        _safetyNet = Task.Run(() => SafetyNetAsync(_stopping.Token));
        return Task.CompletedTask;
    }

    private async Task OnStopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await Task.WhenAll(_watch, _safetyNet).WaitAsync(cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    private async Task WatchAsync(CancellationToken stopping)
    {
        await RunPassAsync();
        await SiloDeaths.WatchAsync(membership, () => RunPassAsync(), stopping);
    }

    private async Task SafetyNetAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(SafetyNetPeriod);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping))
            {
                await RunPassAsync(TimeSpan.FromMinutes(1));
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    private async Task RunPassAsync(TimeSpan? minimumAge = null)
    {
        try
        {
            await ReconcileAsync(minimumAge);
            foreach (var function in registry.All.Where(f => f.Crons.Count > 0))
            {
                await grains.GetGrain<ICronGrain>(function.Id).EnsureScheduledAsync();
            }
        }
        catch (Exception ex)
        {
            Log.PassFailed(logger, ex);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Mesh reconciliation: {Queued} queued and {Started} started run(s) resumed")]
        public static partial void Reconciled(ILogger logger, int queued, int started);

        [LoggerMessage(2, LogLevel.Warning, "Mesh reconciliation could not resume run {RunId}")]
        public static partial void ResumeFailed(ILogger logger, Exception ex, Guid runId);

        [LoggerMessage(3, LogLevel.Error, "Mesh reconciliation pass failed")]
        public static partial void PassFailed(ILogger logger, Exception ex);
    }
}
