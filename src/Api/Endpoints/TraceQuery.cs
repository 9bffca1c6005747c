using Alavida.Grains.Mesh;
using Alavida.Grains.Platform;

namespace Alavida.Api.Endpoints;

/// <summary>A cascade as one team sees it: the job whose id is the trace id (if any) and every run of the trace.</summary>
/// <param name="TraceId">The trace id (a job id in UUID form becomes the job's 32-digit trace id).</param>
/// <param name="Job">The job that started the cascade, when it is the team's.</param>
/// <param name="Runs">Every run of the trace, oldest first.</param>
/// <param name="Truncated">True when the trace has more runs than <see cref="TraceQuery.MaxRuns"/>.</param>
public sealed record TraceView(string TraceId, JobView? Job, IReadOnlyList<RunSummary> Runs, bool Truncated);

/// <summary>Reads a trace (<c>GET /traces/{trace_id}</c> and the dashboard's timeline).</summary>
public static class TraceQuery
{
    /// <summary>The most runs one trace read lists.</summary>
    public const int MaxRuns = 10_000;

    /// <summary>The team's view of a trace; null when the team has neither the job nor any run of it.</summary>
    public static async Task<TraceView?> LoadAsync(IGrainFactory grains, Guid team, string traceId)
    {
        JobView? job = null;
        if (Guid.TryParse(traceId, out var jobId) && await grains.GetGrain<IJobGrain>(jobId).GetAsync() is { } found && found.TeamId == team)
        {
            job = found;
            traceId = found.TraceId; // a job id in UUID form names the job's trace
        }

        var runs = new List<RunSummary>();
        string? cursor = null;
        do
        {
            var page = await grains.GetGrain<IMeshGrain>(0).QueryRunsAsync(new RunQuery(team.ToString(), TraceId: traceId, Limit: 500, Cursor: cursor));
            runs.AddRange(page.Items);
            cursor = page.NextCursor;
        }
        while (cursor is not null && runs.Count < MaxRuns);

        if (job is null && runs.Count == 0)
        {
            return null;
        }

        runs.Reverse(); // newest first from the mesh; a timeline reads oldest first
        return new TraceView(traceId, job, runs, Truncated: cursor is not null);
    }
}
