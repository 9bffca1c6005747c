using Microsoft.Extensions.Logging;

namespace Alavida.Grains.Mesh;

/// <summary>
/// Coordinates one gate for one key: <c>concurrency|{function or account}|{key}</c>, <c>throttle|{function}|{key}</c> or
/// <c>debounce|{function}|{key}</c>. Partitioned by key, so no hot singleton; its queue is in memory because every
/// run it holds is persisted as queued, and reconciliation re-submits them if this activation is lost.
/// </summary>
public sealed partial class FlowGateGrain(MeshFunctionRegistry registry, MeshRouter router, MeshStore store, MeshClock clock, ILogger<FlowGateGrain> logger)
    : Grain, IFlowGateGrain
{
    private readonly LinkedList<RunTicket> _queue = new();
    private readonly HashSet<Guid> _known = [];
    private readonly HashSet<Guid> _running = [];
    private readonly Queue<DateTimeOffset> _starts = new();
    private RunTicket? _pending;
    private DateTimeOffset _pendingDue;
    private MeshGate? _gate;
    private IDisposable? _timer;

    private GateKind Kind => _gate!.Kind;

    public async Task SubmitAsync(IReadOnlyList<RunTicket> tickets)
    {
        foreach (var ticket in tickets)
        {
            _gate ??= registry.Find(ticket.FunctionId)?.Gates[ticket.Stage];
            if (_gate is null)
            {
                continue;
            }

            if (!_known.Add(ticket.RunId))
            {
                // A run this gate still counts as running keeps its slot and is started again when reconciliation
                // brings it back: its release was lost, or its start died with its silo before the run was written as
                // running (a live run ignores the start).
                if ((ticket.Reacquire || ticket.Resume) && _running.Contains(ticket.RunId))
                {
                    Forward(ticket);
                }

                continue;
            }

            if (ticket.AlreadyRunning)
            {
                _running.Add(ticket.RunId);
            }
            else if (Kind == GateKind.Debounce)
            {
                await DebounceAsync(ticket);
            }
            else
            {
                _queue.AddLast(ticket);
            }
        }

        Pump();
    }

    public Task ReleaseAsync(Guid runId)
    {
        _running.Remove(runId);
        _known.Remove(runId);
        for (var node = _queue.First; node is not null; node = node.Next)
        {
            if (node.Value.RunId == runId)
            {
                _queue.Remove(node);
                break;
            }
        }

        Pump();
        return Task.CompletedTask;
    }

    public Task TickAsync()
    {
        if (_gate is null)
        {
            return Task.CompletedTask;
        }

        if (Kind == GateKind.Debounce && _pending is { } pending && clock.Now >= _pendingDue)
        {
            _pending = null;
            _known.Remove(pending.RunId);
            Forward(pending);
        }

        Pump();
        return Task.CompletedTask;
    }

    private async Task DebounceAsync(RunTicket ticket)
    {
        if (_pending is { } superseded)
        {
            _known.Remove(superseded.RunId);
            await store.UpdateRunAsync(new RunUpdate(superseded.RunId, RunStatus.Skipped, 0, null, clock.Now, null, null, $"debounced: superseded by event {ticket.Event.Id}"));
        }

        _pending = ticket;
        _pendingDue = clock.Now + _gate!.Period;
        Arm(_pendingDue);
    }

    private void Pump()
    {
        if (_gate is null || Kind == GateKind.Debounce)
        {
            return;
        }

        if (Kind == GateKind.Throttle)
        {
            var now = clock.Now;
            while (_starts.Count > 0 && _starts.Peek() <= now - _gate.Period)
            {
                _starts.Dequeue();
            }

            while (_starts.Count < _gate.Limit && _queue.First is { } next)
            {
                _queue.RemoveFirst();
                _known.Remove(next.Value.RunId);
                _starts.Enqueue(now);
                Forward(next.Value);
            }

            if (_queue.Count > 0)
            {
                Arm(_starts.Peek() + _gate.Period);
            }

            return;
        }

        while (_running.Count < _gate.Limit && _queue.First is { } node)
        {
            _queue.RemoveFirst();
            _running.Add(node.Value.RunId);
            Forward(node.Value);
        }
    }

    /// <summary>
    /// Hands a run to its next stage without holding this gate's turn for the call (the gate keeps admitting and
    /// releasing meanwhile). A run that did not start gives its slot back; one that could not be reached stays
    /// queued in the database for reconciliation.
    /// </summary>
    private void Forward(RunTicket ticket)
    {
        var self = this.AsReference<IFlowGateGrain>();
        var gate = this.GetPrimaryKeyString();
        router.AdvanceAsync(ticket with { Stage = ticket.Stage + 1 }).ContinueWith(
            async t =>
            {
                if (t.IsFaulted)
                {
                    Log.ForwardFailed(logger, t.Exception!, ticket.RunId, gate);
                }

                if (!t.IsCompletedSuccessfully || !t.Result)
                {
                    await self.ReleaseAsync(ticket.RunId);
                }
            },
            CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).Unwrap().Ignore();
    }

    private void Arm(DateTimeOffset due)
    {
        _timer?.Dispose();
        var self = this.AsReference<IFlowGateGrain>();
        _timer = clock.At(due, () => self.TickAsync());
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Mesh gate {Gate}: could not start run {RunId}; reconciliation will retry")]
        public static partial void ForwardFailed(ILogger logger, Exception ex, Guid runId, string gate);
    }
}
