using Orleans.Concurrency;

namespace Alavida.Grains.Mesh;

/// <summary>The mesh front door on every silo (see <see cref="IMeshGrain"/>).</summary>
[StatelessWorker]
public sealed class MeshGrain(MeshRouter router, MeshQueries queries, MeshFunctionRegistry registry, MeshClock clock) : Grain, IMeshGrain
{
    public Task<SendEventsResult> SendAsync(IReadOnlyList<MeshEvent> events) => router.SendAsync(events);

    /// <summary>A function filter names that function and every function whose id continues it after a '/'.</summary>
    public Task<RunPage> QueryRunsAsync(RunQuery query) =>
        queries.QueryRunsAsync(query, query.FunctionId is not { } prefix ? null
            : registry.All.Select(f => f.Id).Where(id => id.StartsWith(prefix + "/", StringComparison.Ordinal)).Prepend(prefix).ToList());

    public Task<RunDetail?> GetRunAsync(Guid runId, string? teamId) => queries.GetRunAsync(runId, teamId);

    public async Task<MeshControlResult> CancelRunAsync(Guid runId, string? teamId)
    {
        if (await queries.GetRunSummaryAsync(runId, teamId) is null)
        {
            return new(MeshControlResult.NotFound, $"no run {runId}");
        }

        return await GrainFactory.GetGrain<IRunGrain>(runId).CancelAsync("cancelled by request");
    }

    public async Task<MeshControlResult> ReplayRunAsync(Guid runId, string? teamId)
    {
        var run = await queries.GetRunSummaryAsync(runId, teamId);
        var stored = run is null ? null : await queries.GetEventAsync(new EventKey(run.EventId, run.TeamId));
        if (run is null || stored is null)
        {
            return new(MeshControlResult.NotFound, $"no run {runId}");
        }

        return await router.ReplayAsync(run.FunctionId, stored) is { } replay
            ? new(MeshControlResult.Ok, $"replay of run {runId}", replay)
            : new(MeshControlResult.Conflict, $"function '{run.FunctionId}' is not registered");
    }

    public Task<EventPage> QueryEventsAsync(EventQuery query) => queries.QueryEventsAsync(query);

    public async Task<EventDetail?> GetEventAsync(string eventId, string? teamId) =>
        await queries.FindEventsAsync(eventId, teamId) is [var only] ? only : null;

    public Task<IReadOnlyList<EventDetail>> FindEventsAsync(string eventId, string? teamId) => queries.FindEventsAsync(eventId, teamId);

    public async Task<IReadOnlyList<MeshFunctionView>> ListFunctionsAsync()
    {
        var paused = await queries.PausedFunctionsAsync();
        return registry.All.OrderBy(f => f.Id, StringComparer.Ordinal).Select(f => MeshFunctionRegistry.View(f, paused.Contains(f.Id))).ToList();
    }

    public async Task<MeshControlResult> PauseFunctionAsync(string functionId)
    {
        if (registry.Find(functionId) is null)
        {
            return new(MeshControlResult.NotFound, $"no function '{functionId}'");
        }

        await queries.SetPausedAsync(functionId, paused: true, clock.Now);
        return new(MeshControlResult.Ok, $"function '{functionId}' paused");
    }

    public async Task<MeshControlResult> ResumeFunctionAsync(string functionId)
    {
        if (registry.Find(functionId) is null)
        {
            return new(MeshControlResult.NotFound, $"no function '{functionId}'");
        }

        await queries.SetPausedAsync(functionId, paused: false, clock.Now);
        var runs = await queries.UnpauseRunsAsync(functionId);
        await router.DispatchAsync(runs.Select(r => router.TicketFor(r.RunId, functionId, r.Event, r.CreatedAt, resume: false)!));
        return new(MeshControlResult.Ok, $"function '{functionId}' resumed; {runs.Count} waiting run(s) started");
    }
}
