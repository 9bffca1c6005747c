using Microsoft.Extensions.Logging;
using Orleans.Concurrency;

namespace Alavida.Grains.Platform;

/// <summary>Runs one job's action. One activation per job, so a re-dispatched job never runs twice at once.</summary>
[Alias("Alavida.Platform.IJobRunnerGrain")]
public interface IJobRunnerGrain : IGrainWithGuidKey
{
    /// <summary>Runs the job if it still needs running; returns at once to the caller.</summary>
    [OneWay, Alias("Run")]
    Task RunAsync();
}

public sealed partial class JobRunnerGrain(QuantumActionCatalog catalog, ILogger<JobRunnerGrain> logger) : Grain, IJobRunnerGrain
{
    public async Task RunAsync()
    {
        // One run per activation: free it when the run ends instead of after the collection age (thousands of jobs
        // a second would otherwise keep their runners in memory for minutes).
        DeactivateOnIdle();
        var jobId = this.GetPrimaryKey();
        var jobGrain = GrainFactory.GetGrain<IJobGrain>(jobId);
        var job = await jobGrain.StartAsync();
        if (job is null)
        {
            return;
        }

        using var activity = AlavidaTelemetry.StartJobActivity($"{job.Quantum} {job.Action}", jobId);
        activity?.SetTag("alavida.job_id", jobId).SetTag("alavida.quantum", job.Quantum).SetTag("alavida.action", job.Action).SetTag("alavida.team_id", job.TeamId);
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["job_id"] = jobId, ["quantum"] = job.Quantum, ["action"] = job.Action });

        var action = catalog.Find(job.Quantum, job.Action);
        if (action is null)
        {
            await jobGrain.FailAsync(new JobError("action_not_available", $"{job.Quantum}/{job.Action} is not available on this deployment."));
            return;
        }

        using var cancellation = new CancellationTokenSource();
        try
        {
            var result = await action.ExecuteAsync(new QuantumActionContext(job, jobGrain, cancellation), cancellation.Token);
            await jobGrain.CompleteAsync(result);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            Log.Cancelled(logger, jobId);
        }
        catch (QuantumActionException ex)
        {
            await jobGrain.FailAsync(new JobError(ex.Code, ex.Message));
        }
        catch (Exception ex)
        {
            Log.Crashed(logger, ex, jobId, job.Quantum, job.Action);
            await jobGrain.FailAsync(new JobError("internal_error", $"The {job.Quantum} quantum failed unexpectedly; its logs carry trace id {job.TraceId}."));
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Job {JobId} stopped: it was cancelled")]
        public static partial void Cancelled(ILogger logger, Guid jobId);

        [LoggerMessage(2, LogLevel.Error, "Job {JobId} ({Quantum}/{Action}) crashed")]
        public static partial void Crashed(ILogger logger, Exception exception, Guid jobId, string quantum, string action);
    }
}
