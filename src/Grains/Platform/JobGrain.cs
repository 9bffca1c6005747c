using System.Diagnostics;
using System.Text.Json;
using Alavida.Grains.Data;
using Dapper;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Alavida.Grains.Platform;

/// <summary>
/// Owns one job's lifecycle and runs the job's action (<see cref="RunAsync"/>, which interleaves with the job's other
/// calls). The final status is written through to <c>public.jobs</c> before anyone is answered, settled through the
/// team's grain in the same transaction, so a crash in between settles nothing twice; the running status reaches the
/// row once the job has worked for a second (<see cref="WriteRunningLaterAsync"/>), or with its finish. A transient
/// fault (the database or a silo unavailable) is never the job's outcome: the action is run again after a backoff until
/// the job's deadline, and its start and settlement are retried for as long as the activation lives (see
/// <c>docs/reliability.md</c>). Actions are idempotent and charges are made once, at settlement, by key.
/// </summary>
[CollectionAgeLimit(Minutes = 2)]
public sealed partial class JobGrain(
    NpgsqlDataSource db, GroupCommitter committer, TimeProvider time, TeamSettlementBatcher settlements, QuantumActionCatalog catalog,
    IOptions<JobOptions> options, ILogger<JobGrain> logger)
    : Grain, IJobGrain
{
    private readonly TaskCompletionSource _final = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private JobRow? _job;
    private bool _loaded;
    private Task<JobRow?>? _load;
    private Task? _run;
    private Task<JobView>? _finishing;
    private CancellationTokenSource? _cancellation;
    private RunOutcome? _outcome;

    /// <summary>How long a job runs before its running status is written (a shorter one goes from queued to final).</summary>
    private static readonly TimeSpan RunningWriteDelay = TimeSpan.FromSeconds(1);

    // Positional ($1: the job id, $2: when it started). Only a queued, unsettled job is marked: a finish that was
    // committed first (a quick cancellation) is never turned back into a running job.
    private static readonly string RunningSql =
        $"UPDATE jobs SET status = 'running', started_at = {JobRow.StartedAtWithinLife("$2")}, updated_at = now() WHERE id = $1 AND status = 'queued' AND settled_at IS NULL RETURNING started_at";

    private Guid JobId => this.GetPrimaryKey();

    public async Task<JobView?> GetAsync() => (await LoadAsync())?.ToView();

    public async Task<JobView?> WaitForFinalAsync(TimeSpan timeout)
    {
        await LoadAsync();
        if (_job is not null && !_job.IsFinal && timeout > TimeSpan.Zero)
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

    public async Task<bool> ReportProgressAsync(JobProgress progress)
    {
        if (await LoadAsync() is null || _job!.IsFinal)
        {
            return false;
        }

        // A job reporting progress is running, whether or not that was written yet. A job settled meanwhile (its row is
        // final, though this grain's copy may not know yet) is left as it is, and the caller told to stop.
        var json = JsonSerializer.Serialize(new { done = progress.Done, total = progress.Total, message = progress.Message });
        JobRow? updated;
        try
        {
            await using var connection = await db.OpenConnectionAsync();
            updated = await connection.QuerySingleOrDefaultAsync<JobRow>(
                $"""
                UPDATE jobs SET progress = @json::jsonb, status = 'running', started_at = coalesce(started_at, {JobRow.StartedAtWithinLife("@startedAt")}), updated_at = now()
                 WHERE id = @JobId AND settled_at IS NULL
                RETURNING {JobRow.ColumnsButInput}
                """,
                new { JobId, json, startedAt = new DateTimeOffset(_job.StartedAt ?? time.GetUtcNow().UtcDateTime) });
        }
        catch (Exception ex) when (TransientFaults.IsTransient(ex))
        {
            // Progress is for people watching: an outage is no reason to stop the work. This grain shows it; the next
            // report or the finish writes the row.
            Log.ProgressNotWritten(logger, JobId, TransientFaults.Describe(ex));
            _job = _job with { Progress = json };
            return true;
        }

        if (updated is null)
        {
            _job = await ReadStoredAsync() ?? _job;
            if (_job.IsFinal)
            {
                _final.TrySetResult();
            }

            return false;
        }

        _job = updated with { Input = _job.Input };
        return true;
    }

    public async Task<JobView> CompleteAsync(JobResult result)
    {
        var job = await LoadAsync() ?? throw new KeyNotFoundException($"Job {JobId} does not exist.");
        var units = Math.Max(result.BillableUnits, 0);
        CreditCharge[] charges = units == 0 ? [] : [new CreditCharge(job.Action, units, units * job.PricePerUnit, $"job:{JobId}:{job.Action}")];
        return await FinishAsync(charges, new JobFinish(JobStatus.Succeeded, result.ResultJson, result.MetricsJson, null));
    }

    public Task<JobView> FailAsync(JobError error) =>
        FinishAsync([], new JobFinish(JobStatus.Failed, null, null, ErrorJson(error)));

    public async Task<CancelOutcome> CancelAsync()
    {
        if (await LoadAsync() is not { } job)
        {
            return CancelOutcome.NotFound;
        }

        if (job.IsFinal)
        {
            return CancelOutcome.AlreadyFinal;
        }

        var view = await FinishAsync([], new JobFinish(JobStatus.Cancelled, null, null, ErrorJson(new JobError("cancelled", "The job was cancelled by the caller."))));
        if (view.Status != JobStatus.Cancelled)
        {
            return CancelOutcome.AlreadyFinal; // the work finished first
        }

        // The running action stops at its next cancellation check; what it returns afterwards changes nothing.
        if (_cancellation is { } running)
        {
            await running.CancelAsync();
        }

        return CancelOutcome.Cancelled;
    }

    /// <summary>
    /// Settles and finishes through the team's grain (one transaction), once: a finish that interleaves with one in
    /// flight (a cancellation while the work completes) gets the first one's outcome; a final job is returned as is.
    /// </summary>
    private async Task<JobView> FinishAsync(IReadOnlyList<CreditCharge> charges, JobFinish finish)
    {
        if (_finishing is { } first)
        {
            return await first;
        }

        var finishing = FinishOnceAsync(charges, finish);
        _finishing = finishing;
        try
        {
            return await finishing;
        }
        catch
        {
            _finishing = null; // not settled: a later finish may try again
            throw;
        }
    }

    private async Task<JobView> FinishOnceAsync(IReadOnlyList<CreditCharge> charges, JobFinish finish)
    {
        var job = await LoadAsync() ?? throw new KeyNotFoundException($"Job {JobId} does not exist.");
        if (job.IsFinal)
        {
            return job.ToView();
        }

        var settlement = await settlements.SettleAsync(job.TeamId, new JobSettlement(JobId, charges, finish with { StartedAt = job.StartedAt }));
        var view = settlement.Job;
        _loaded = true;
        _job = (_job ?? job) with
        {
            Status = view.Status.ToText(), ResultPayload = view.ResultJson, UsageMetrics = view.UsageJson, Error = view.ErrorJson,
            Progress = view.ProgressJson, StartedAt = view.StartedAt?.UtcDateTime, EndedAt = view.EndedAt?.UtcDateTime,
        };
        _final.TrySetResult();
        var tags = new TagList { { "quantum", view.Quantum }, { "status", view.Status.ToText() } };
        AlavidaTelemetry.JobsFinished.Add(1, tags);
        if (view is { StartedAt: { } started, EndedAt: { } ended })
        {
            AlavidaTelemetry.JobDuration.Record((ended - started).TotalSeconds, new KeyValuePair<string, object?>("quantum", view.Quantum));
        }

        Log.Finished(logger, JobId, view.Quantum, view.Action, view.Status);
        return _job.ToView(); // the settlement's view has no input (Settlement.Job); this grain's copy has it
    }

    /// <summary>
    /// The job, read once per activation unless <see cref="RunAsync"/> brought it; null when there is none. One
    /// read shared by the calls that interleave with it (a long poll), and it never overwrites what a write set.
    /// </summary>
    private async Task<JobRow?> LoadAsync()
    {
        if (_loaded)
        {
            return _job;
        }

        var load = _load ??= ReadAsync();
        try
        {
            return await load;
        }
        catch when (_load == load)
        {
            _load = null; // the read failed (the database was unreachable): the next caller reads again
            throw;
        }
    }

    private async Task<JobRow?> ReadAsync()
    {
        var row = await ReadStoredAsync();
        if (!_loaded)
        {
            (_job, _loaded) = (row, true);
        }

        return _job;
    }

    /// <summary>The job's row as stored (changes nothing here).</summary>
    private async Task<JobRow?> ReadStoredAsync()
    {
        await using var connection = await db.OpenConnectionAsync();
        return await connection.QuerySingleOrDefaultAsync<JobRow>($"{JobRow.Select} WHERE id = @JobId", new { JobId });
    }

    private static string ErrorJson(JobError error) => JsonSerializer.Serialize(new { code = error.Code, message = error.Message });

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Job {JobId} started: {Quantum}/{Action}")]
        public static partial void Started(ILogger logger, Guid jobId, string quantum, string action);

        [LoggerMessage(2, LogLevel.Information, "Job {JobId} ({Quantum}/{Action}) finished: {Status}")]
        public static partial void Finished(ILogger logger, Guid jobId, string quantum, string action, JobStatus status);

        [LoggerMessage(3, LogLevel.Information, "Job {JobId} stopped: it was cancelled")]
        public static partial void Cancelled(ILogger logger, Guid jobId);

        [LoggerMessage(4, LogLevel.Error, "Job {JobId} ({Quantum}/{Action}) crashed")]
        public static partial void Crashed(ILogger logger, Exception exception, Guid jobId, string quantum, string action);

        [LoggerMessage(5, LogLevel.Warning, "Job {JobId} could not be started or finished; it stays unfinished until it is dispatched again")]
        public static partial void RunFailed(ILogger logger, Exception exception, Guid jobId);

        [LoggerMessage(6, LogLevel.Warning, "Job {JobId} runs, but its running status could not be written; its finish will record when it started")]
        public static partial void RunningNotWritten(ILogger logger, Exception exception, Guid jobId);

        [LoggerMessage(7, LogLevel.Warning, "Job {JobId} ({Quantum}/{Action}) met a transient fault ({Fault}) on attempt {Attempt}; running it again in {Delay}")]
        public static partial void ActionRetried(ILogger logger, Guid jobId, string quantum, string action, string fault, int attempt, TimeSpan delay);

        [LoggerMessage(8, LogLevel.Error, "Job {JobId} ({Quantum}/{Action}) failed: transient faults lasted past its deadline ({Attempts} attempts)")]
        public static partial void DeadlineExceeded(ILogger logger, Exception exception, Guid jobId, string quantum, string action, int attempts);

        [LoggerMessage(9, LogLevel.Warning, "Job {JobId} could not be started or settled ({Fault}, attempt {Attempt}); trying again in {Delay}")]
        public static partial void PlatformStepRetried(ILogger logger, Guid jobId, string fault, int attempt, TimeSpan delay);

        [LoggerMessage(10, LogLevel.Warning, "Job {JobId}: its progress could not be written ({Fault}); the work goes on")]
        public static partial void ProgressNotWritten(ILogger logger, Guid jobId, string fault);
    }

    /// <summary>What the action came to: its result, or the error the job fails with.</summary>
    private sealed record RunOutcome(JobResult? Result, JobError? Error);
}
