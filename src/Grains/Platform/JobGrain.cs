using System.Diagnostics;
using System.Text.Json;
using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Alavida.Grains.Platform;

/// <summary>
/// Owns one job's lifecycle and writes every transition through to <c>public.jobs</c> before answering. Credits are
/// settled through the team's grain before the final status is written, so a crash in between settles nothing twice.
/// </summary>
public sealed partial class JobGrain(NpgsqlDataSource db, TimeProvider time, TeamSettlementBatcher settlements, ILogger<JobGrain> logger) : Grain, IJobGrain
{
    private readonly TaskCompletionSource _final = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private JobRow? _job;

    private Guid JobId => this.GetPrimaryKey();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        _job = await connection.QuerySingleOrDefaultAsync<JobRow>(
            new CommandDefinition($"{JobRow.Select} WHERE id = @JobId", new { JobId }, cancellationToken: cancellationToken));
    }

    public Task<JobView?> GetAsync() => Task.FromResult(_job?.ToView());

    public async Task<JobView?> WaitForFinalAsync(TimeSpan timeout)
    {
        if (_job is not null && !_job.ToView().IsFinal && timeout > TimeSpan.Zero)
        {
            try
            {
                await _final.Task.WaitAsync(timeout, time);
            }
            catch (TimeoutException)
            {
                // Not final yet: answer with the job as it stands.
            }
        }

        return _job?.ToView();
    }

    public async Task DispatchAsync()
    {
        if (_job is { } job && !job.ToView().IsFinal)
        {
            await GrainFactory.GetGrain<IJobRunnerGrain>(JobId).RunAsync();
        }
    }

    public async Task<JobView?> StartAsync()
    {
        if (_job is null || _job.ToView().IsFinal)
        {
            return null;
        }

        if (_job.Status == "queued")
        {
            await UpdateAsync("UPDATE jobs SET status = 'running', started_at = now(), updated_at = now() WHERE id = @JobId", new { JobId });
            Log.Started(logger, JobId, _job.ComponentSlug, _job.Action);
        }

        return _job.ToView();
    }

    public async Task<bool> ReportProgressAsync(JobProgress progress)
    {
        if (_job is null || _job.ToView().IsFinal)
        {
            return false;
        }

        var json = JsonSerializer.Serialize(new { done = progress.Done, total = progress.Total, message = progress.Message });
        await UpdateAsync("UPDATE jobs SET progress = @json::jsonb, updated_at = now() WHERE id = @JobId", new { JobId, json });
        return true;
    }

    public async Task<JobView> CompleteAsync(JobResult result)
    {
        var job = _job ?? throw new KeyNotFoundException($"Job {JobId} does not exist.");
        var units = Math.Max(result.BillableUnits, 0);
        CreditCharge[] charges = units == 0 ? [] : [new CreditCharge(job.Action, units, units * job.PricePerUnit, $"job:{JobId}:{job.Action}")];
        return await FinishAsync(charges, new JobFinish(JobStatus.Succeeded, result.ResultJson, result.MetricsJson, null));
    }

    public Task<JobView> FailAsync(JobError error) =>
        FinishAsync([], new JobFinish(JobStatus.Failed, null, null, ErrorJson(error)));

    public async Task<CancelOutcome> CancelAsync()
    {
        if (_job is null)
        {
            return CancelOutcome.NotFound;
        }

        if (_job.ToView().IsFinal)
        {
            return CancelOutcome.AlreadyFinal;
        }

        await FinishAsync([], new JobFinish(JobStatus.Cancelled, null, null, ErrorJson(new JobError("cancelled", "The job was cancelled by the caller."))));
        return CancelOutcome.Cancelled;
    }

    /// <summary>Settles and finishes through the team's grain (one transaction), once; a final job is returned as is.</summary>
    private async Task<JobView> FinishAsync(IReadOnlyList<CreditCharge> charges, JobFinish finish)
    {
        var job = _job ?? throw new KeyNotFoundException($"Job {JobId} does not exist.");
        if (job.ToView().IsFinal)
        {
            return job.ToView();
        }

        var settlement = await settlements.SettleAsync(job.TeamId, new JobSettlement(JobId, charges, finish));
        var view = settlement.Job;
        _job = job with
        {
            Status = view.Status.ToText(), ResultPayload = view.ResultJson, UsageMetrics = view.UsageJson, Error = view.ErrorJson,
            Progress = view.ProgressJson, EndedAt = view.EndedAt?.UtcDateTime,
        };
        _final.TrySetResult();
        var tags = new TagList { { "quantum", view.Quantum }, { "status", view.Status.ToText() } };
        AlavidaTelemetry.JobsFinished.Add(1, tags);
        if (view is { StartedAt: { } started, EndedAt: { } ended })
        {
            AlavidaTelemetry.JobDuration.Record((ended - started).TotalSeconds, new KeyValuePair<string, object?>("quantum", view.Quantum));
        }

        Log.Finished(logger, JobId, view.Quantum, view.Action, view.Status);
        return view;
    }

    private static string ErrorJson(JobError error) => JsonSerializer.Serialize(new { code = error.Code, message = error.Message });

    /// <summary>Runs one write returning the row, so the cached job always equals the stored one.</summary>
    private async Task UpdateAsync(string sql, object parameters)
    {
        await using var connection = await db.OpenConnectionAsync();
        _job = await connection.QuerySingleAsync<JobRow>($"{sql} RETURNING {JobRow.Columns}", parameters);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Job {JobId} started: {Quantum}/{Action}")]
        public static partial void Started(ILogger logger, Guid jobId, string quantum, string action);

        [LoggerMessage(2, LogLevel.Information, "Job {JobId} ({Quantum}/{Action}) finished: {Status}")]
        public static partial void Finished(ILogger logger, Guid jobId, string quantum, string action, JobStatus status);
    }
}

/// <summary>A row of <c>public.jobs</c>.</summary>
internal sealed record JobRow(
    Guid Id, Guid TeamId, string ComponentSlug, string Action, string Status, string Input, string? ResultPayload, string? UsageMetrics,
    string? Error, string? Progress, long PricePerUnit, long ReservedCredits, DateTime CreatedAt, DateTime? StartedAt, DateTime? EndedAt)
{
    public const string Columns =
        """
        id, team_id, component_slug, action, status, input::text AS input, result_payload::text AS result_payload,
        usage_metrics::text AS usage_metrics, error::text AS error, progress::text AS progress, price_per_unit,
        reserved_credits, created_at, started_at, ended_at
        """;

    public const string Select = $"SELECT {Columns} FROM jobs";

    public JobView ToView() => new(
        Id, TeamId, ComponentSlug, Action, Db.ParseStatus(Status), CreatedAt.Utc(), StartedAt.Utc(), EndedAt.Utc(),
        Input, ResultPayload, UsageMetrics, Error, Progress);
}
