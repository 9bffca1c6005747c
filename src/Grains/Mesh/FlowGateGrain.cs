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
            if (_gate is null || !_known.Add(ticket.RunId))
            {
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

        await PumpAsync();
    }

    public async Task ReleaseAsync(Guid runId)
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

        await PumpAsync();
    }

    public async Task TickAsync()
    {
        if (_gate is null)
        {
            return;
        }

        if (Kind == GateKind.Debounce && _pending is { } pending && clock.Now >= _pendingDue)
        {
            _pending = null;
            _known.Remove(pending.RunId);
            await ForwardAsync(pending);
        }

        await PumpAsync();
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

    private async Task PumpAsync()
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
                await ForwardAsync(next.Value);
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
            if (!await ForwardAsync(node.Value))
            {
                _running.Remove(node.Value.RunId);
                _known.Remove(node.Value.RunId);
            }
        }
    }

    private async Task<bool> ForwardAsync(RunTicket ticket)
    {
        try
        {
            return await router.AdvanceAsync(ticket with { Stage = ticket.Stage + 1 });
        }
        catch (Exception ex)
        {
            // The run stays queued in the database; reconciliation re-submits it.
            Log.ForwardFailed(logger, ex, ticket.RunId, this.GetPrimaryKeyString());
            return false;
        }
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
