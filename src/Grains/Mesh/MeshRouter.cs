using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Alavida.Grains.Mesh;

/// <summary>
/// Accepts events (validate, stamp, persist with the runs they start in one commit), then dispatches those runs in
/// memory through their gates to their run grains, and acts on the waits the events satisfied.
/// </summary>
public sealed partial class MeshRouter(
    MeshFunctionRegistry registry, MeshStore store, MeshQueries queries, MeshClock clock, IGrainFactory grains, ILogger<MeshRouter> logger)
{
    public const int MaxEventsPerSend = 5000;

    /// <summary>Validates, persists and routes events; nothing is persisted when any is invalid.</summary>
    public async Task<SendEventsResult> SendAsync(IReadOnlyList<MeshEvent> events, IReadOnlyList<StepRow>? memos = null)
    {
        var plan = Prepare(events);
        if (plan.Errors.Count > 0)
        {
            return new SendEventsResult([], [], plan.Errors);
        }

        var result = await store.AcceptAsync(plan.Events, plan.Now, plan.Runs, plan.CancelWaits, memos);
        await RouteAsync(plan, result);
        var ids = plan.Events.Select(e => e.Id).ToList();
        return new SendEventsResult(ids, plan.Events.Where(e => !result.Accepted.Contains(EventKey.Of(e))).Select(e => e.Id).ToList(), []);
    }

    /// <summary>
    /// A run's <c>SendEvent</c>: validates and plans at once, then hands the events (with the step's memo) to the
    /// write batcher without waiting for the commit, so the run goes on while its events commit with other runs'
    /// writes. <see cref="SentFromRun.Durable"/> completes once they are committed (the run's final status waits for
    /// it: a run never ends before what it sent is durable); routing follows the commit in the background. Every
    /// write of one run goes through the same writer in order, so nothing the run writes later can commit before them.
    /// </summary>
    public SentFromRun SendFromRun(IReadOnlyList<MeshEvent> events, IReadOnlyList<StepRow> memos)
    {
        var plan = Prepare(events);
        if (plan.Errors.Count > 0)
        {
            return new SentFromRun(new SendEventsResult([], [], plan.Errors), Task.CompletedTask);
        }

        var accept = store.AcceptAsync(plan.Events, plan.Now, plan.Runs, plan.CancelWaits, memos);
        _ = accept.ContinueWith(t => RouteAsync(plan, t.Result), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default).Unwrap();
        var ids = plan.Events.Select(e => e.Id).ToList();
        return new SentFromRun(new SendEventsResult(ids, [], []), accept);
    }

    /// <summary>
    /// Validates and stamps events and plans the runs they start (nothing when one is invalid). No events is an error
    /// unless <paramref name="noneIsFine"/> (a database step that sent nothing).
    /// </summary>
    internal SendPlan Prepare(IReadOnlyList<MeshEvent> events, bool noneIsFine = false)
    {
        var now = clock.Now;
        IReadOnlyList<MeshInputError> errors = noneIsFine && events.Count == 0 ? [] : MeshEventValidator.Validate(events);
        if (errors.Count > 0)
        {
            return SendPlan.Empty(now) with { Errors = errors };
        }

        var plan = SendPlan.Empty(now) with { Events = events.Select(e => Stamp(e, now)).ToList() };
        foreach (var e in plan.Events)
        {
            if (!registry.HasTriggerFor(e.Name))
            {
                continue;
            }

            var variables = MeshExpressions.Variables(e);
            foreach (var function in registry.Match(e, variables))
            {
                Plan(function, e, variables, now, Guid.CreateVersion7(now), plan.Runs, plan.Tickets, plan.CancelWaits);
            }
        }

        return plan;
    }

    /// <summary>After the commit: dispatches the runs that were created queued, and acts on the waits the events satisfied.</summary>
    internal async Task RouteAsync(SendPlan plan, AcceptResult result)
    {
        await DispatchAsync(result.Runs.Where(r => r.Status == RunStatus.Queued).Select(r => plan.Tickets[r.RunId]));
        await HandleMatchedAsync(result.Matched);
    }

    /// <summary>Starts <paramref name="functionId"/> directly (Invoke, cron) from <paramref name="payload"/>, persisting the caller's memos with it.</summary>
    public async Task InvokeAsync(MeshEvent payload, string functionId, Guid runId, Guid? parentRunId, string? parentStepId, IReadOnlyList<StepRow>? memos)
    {
        var function = registry.Find(functionId) ?? throw new InvalidOperationException($"No mesh function '{functionId}' is registered");
        var now = clock.Now;
        var e = Stamp(payload, now);
        var runs = new List<RunRow>();
        var tickets = new Dictionary<Guid, RunTicket>();
        var cancelWaits = new List<WaitRow>();
        Plan(function, e, MeshExpressions.Variables(e), now, runId, runs, tickets, cancelWaits);
        runs[0] = runs[0] with { ParentRunId = parentRunId, ParentStepId = parentStepId };
        tickets[runId] = tickets[runId] with { ParentRunId = parentRunId, ParentStepId = parentStepId };
        var result = await store.AcceptAsync([e], now, runs, cancelWaits, memos);
        await DispatchAsync(result.Runs.Where(r => r.Status == RunStatus.Queued).Select(r => tickets[r.RunId]));
    }

    /// <summary>
    /// Starts a new run of <paramref name="functionId"/> from a stored event (replay), with the function's cancelOn
    /// registered like the original's and no idempotency check. Null when the function is not registered here.
    /// </summary>
    public async Task<Guid?> ReplayAsync(string functionId, MeshEvent stored)
    {
        var function = registry.Find(functionId);
        if (function is null)
        {
            return null;
        }

        var now = clock.Now;
        var runs = new List<RunRow>();
        var tickets = new Dictionary<Guid, RunTicket>();
        var cancelWaits = new List<WaitRow>();
        Plan(function, stored, MeshExpressions.Variables(stored), now, Guid.CreateVersion7(now), runs, tickets, cancelWaits);
        var inserted = await queries.InsertRunsAsync(runs, cancelWaits);
        await DispatchAsync(inserted.Where(r => r.Status == RunStatus.Queued).Select(r => tickets[r.RunId]));
        return runs[0].RunId;
    }

    /// <summary>The ticket a stored run travels with (reconciliation, replay, resume of a paused function).</summary>
    public RunTicket? TicketFor(Guid runId, string functionId, MeshEvent e, DateTimeOffset createdAt, bool resume)
    {
        var function = registry.Find(functionId);
        return function is null ? null : new RunTicket(runId, functionId, e, function.GateKeys(MeshExpressions.Variables(e)), 0, createdAt, resume);
    }

    /// <summary>Sends runs to their first gate (one call per gate key) or straight to their run grain.</summary>
    public async Task DispatchAsync(IEnumerable<RunTicket> tickets)
    {
        var calls = new List<Task>();
        foreach (var group in tickets.GroupBy(t => t.Stage < t.GateKeys.Count ? t.GateKeys[t.Stage] : null))
        {
            if (group.Key is null)
            {
                calls.AddRange(group.Select(t => grains.GetGrain<IRunGrain>(t.RunId).StartAsync(t)));
            }
            else
            {
                calls.Add(grains.GetGrain<IFlowGateGrain>(group.Key).SubmitAsync(group.ToList()));
            }
        }

        try
        {
            await Task.WhenAll(calls);
        }
        catch (Exception ex)
        {
            // The runs are persisted as queued; the reconciler dispatches them again.
            Log.DispatchFailed(logger, ex);
        }
    }

    /// <summary>Moves a run past a gate: to the next gate, or to execution. False when the run did not start (already finished).</summary>
    public async Task<bool> AdvanceAsync(RunTicket ticket)
    {
        if (ticket.Stage < ticket.GateKeys.Count)
        {
            await grains.GetGrain<IFlowGateGrain>(ticket.GateKeys[ticket.Stage]).SubmitAsync([ticket]);
            return true;
        }

        return await grains.GetGrain<IRunGrain>(ticket.RunId).StartAsync(ticket);
    }

    /// <summary>
    /// Queues a suspended run (sleep or wait over) for its concurrency slots again: it passes its concurrency gates
    /// (always the last gates of a function) but not its debounce or throttle. False when the function has no
    /// concurrency limit, so the run may continue at once.
    /// </summary>
    public async Task<bool> ReacquireAsync(Guid runId, string functionId, MeshEvent e, IReadOnlyList<string> gateKeys, DateTimeOffset createdAt)
    {
        var gates = registry.Find(functionId)?.Gates ?? [];
        var first = 0;
        while (first < gates.Count && gates[first].Kind != GateKind.Concurrency)
        {
            first++;
        }

        if (first >= gates.Count || first >= gateKeys.Count)
        {
            return false;
        }

        await grains.GetGrain<IFlowGateGrain>(gateKeys[first]).SubmitAsync([new RunTicket(runId, functionId, e, gateKeys, first, createdAt, Resume: true, Reacquire: true)]);
        return true;
    }

    /// <summary>Frees the concurrency slots a run held (it finished or suspended).</summary>
    public async Task ReleaseAsync(Guid runId, string functionId, IReadOnlyList<string> gateKeys)
    {
        var function = registry.Find(functionId);
        if (function is null)
        {
            return;
        }

        for (var i = 0; i < function.Gates.Count && i < gateKeys.Count; i++)
        {
            if (function.Gates[i].Kind == GateKind.Concurrency)
            {
                await grains.GetGrain<IFlowGateGrain>(gateKeys[i]).ReleaseAsync(runId);
            }
        }
    }

    private void Plan(RegisteredFunction function, MeshEvent e, Dictionary<string, object?> variables, DateTimeOffset now, Guid runId,
        List<RunRow> runs, Dictionary<Guid, RunTicket> tickets, List<WaitRow> cancelWaits)
    {
        runs.Add(new RunRow(runId, function.Id, e.Id, e.TraceId!, e.TeamId, now, function.IdempotencyKey(variables)));
        tickets[runId] = new RunTicket(runId, function.Id, e, function.GateKeys(variables), 0, now);
        foreach (var (cancel, i) in function.Definition.CancelOn.Select((c, i) => (c, i)))
        {
            cancelWaits.Add(new WaitRow(runId, e.TeamId, $"cancel:{i}", WaitKind.Cancel, cancel.Event, cancel.Match?.Split('.'),
                cancel.Match is null ? null : MeshExpressions.ValueAtPath(e, cancel.Match), null));
        }
    }

    private async Task HandleMatchedAsync(IReadOnlyList<MatchedWait> matched)
    {
        foreach (var wait in matched)
        {
            try
            {
                var run = grains.GetGrain<IRunGrain>(wait.RunId);
                if (wait.Kind == WaitKind.Cancel)
                {
                    await run.CancelAsync($"cancelled by event {wait.Event.Id}");
                }
                else
                {
                    await run.ResumeAsync();
                }
            }
            catch (Exception ex)
            {
                // The wait's memo is committed; the reconciler resumes the run.
                Log.DispatchFailed(logger, ex);
            }
        }
    }

    /// <summary>Stamped events with the runs they start, their tickets and cancelOn waits; or the validation errors.</summary>
    internal sealed record SendPlan(
        DateTimeOffset Now, List<MeshEvent> Events, List<RunRow> Runs, Dictionary<Guid, RunTicket> Tickets, List<WaitRow> CancelWaits,
        IReadOnlyList<MeshInputError> Errors)
    {
        public static SendPlan Empty(DateTimeOffset now) => new(now, [], [], [], [], []);
    }

    private static MeshEvent Stamp(MeshEvent e, DateTimeOffset now)
    {
        var id = string.IsNullOrEmpty(e.Id) ? Guid.CreateVersion7(now).ToString("N") : e.Id;
        return e with
        {
            Id = id,
            DataJson = string.IsNullOrWhiteSpace(e.DataJson) ? "{}" : e.DataJson,
            Ts = e.Ts > 0 ? e.Ts : now.ToUnixTimeMilliseconds(),
            TraceId = string.IsNullOrEmpty(e.TraceId) ? id : e.TraceId,
        };
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Mesh dispatch failed; the persisted runs are picked up by reconciliation")]
        public static partial void DispatchFailed(ILogger logger, Exception ex);
    }
}

/// <summary>What <see cref="MeshRouter.SendFromRun"/> gave back: the ids (or the errors) at once, and the commit to come.</summary>
public sealed record SentFromRun(SendEventsResult Result, Task Durable);

/// <summary>Builds events for <see cref="IMeshGrain.SendAsync"/> and <see cref="MeshContext.SendEvent"/>.</summary>
public static class MeshEvents
{
    /// <summary>An event named <paramref name="name"/> with <paramref name="data"/> serialised as its JSON <c>data</c>.</summary>
    public static MeshEvent Create(string name, object? data, string? teamId = null, string? id = null, string? traceId = null) =>
        new(id ?? "", name, JsonSerializer.Serialize(data ?? new { }, MeshContext.Json), null, 0, null, traceId, teamId);
}
