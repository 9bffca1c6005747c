using Alavida.Grains.Data;

namespace Alavida.Grains.Platform;

/// <summary>A job's run: start it, run its action through transient faults, finish it (see the class in <c>JobGrain.cs</c>).</summary>
public sealed partial class JobGrain
{
    /// <inheritdoc />
    /// <remarks>
    /// A run in flight is not started again (a reconciler's run of a job still working); a run that ended without
    /// finishing the job (its settlement failed) finishes it when the job is run again.
    /// </remarks>
    public Task RunAsync(AcceptedJob? accepted)
    {
        if (!_loaded && accepted is { Submission: var s } && s.JobId == JobId)
        {
            // Just accepted: the row is what the submission says, so no read is needed.
            _job = new JobRow(s.JobId, s.TeamId, s.Quantum, s.Action, "queued", s.InputJson, null, null, null, null, s.PricePerUnit,
                s.EstimatedCredits, accepted.CreatedAt.UtcDateTime, null, null);
            _loaded = true;
        }

        return _run is { IsCompleted: false } running ? running : _run = RunLoggedAsync();
    }

    /// <summary>
    /// A run whose start or settlement failed (the database was unreachable) is logged here, since nobody awaits this
    /// one-way call; the job stays unfinished, and its next dispatch (the reconciler's) tries again. A finished job's
    /// activation goes once its calls are done: its row says all there is, and a busy silo would otherwise hold every
    /// job of the last two minutes in memory (a later read activates the job again from its row).
    /// </summary>
    private async Task RunLoggedAsync()
    {
        try
        {
            await RunOnceAsync();
        }
        catch (Exception ex)
        {
            Log.RunFailed(logger, ex, JobId);
        }

        if (_job is { IsFinal: true })
        {
            DeactivateOnIdle();
        }
    }

    /// <summary>
    /// Starts the job, runs its action and finishes the job with the outcome; a job that must not run is left alone.
    /// The outcome is kept until the job is finished, so when finishing fails the next run finishes it with the same
    /// outcome instead of doing the work again.
    /// </summary>
    private async Task RunOnceAsync()
    {
        if (_outcome is null)
        {
            if (await RetryFaultsAsync(StartAsync) is not { } job)
            {
                return;
            }

            var work = ExecuteAsync(job);
            if (!work.IsCompleted)
            {
                _ = WriteRunningLaterAsync(work);
            }

            _outcome = await work;
            if (_outcome is null)
            {
                return; // cancelled: the cancellation finished the job
            }
        }

        var outcome = _outcome;
        await RetryFaultsAsync(() => outcome.Result is { } result ? CompleteAsync(result) : FailAsync(outcome.Error!));
        _outcome = null;
    }

    /// <summary>
    /// Runs a step of the platform's own (reading the job to start it, settling it) through transient faults, waiting
    /// longer each time: the job is accepted, so an outage delays it and nothing more. Any other error is thrown (the
    /// run is logged and the reconciler's next pass tries again).
    /// </summary>
    private async Task<T> RetryFaultsAsync<T>(Func<Task<T>> step)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await step();
            }
            catch (Exception ex) when (TransientFaults.IsTransient(ex))
            {
                var delay = Backoff.Delay(attempt, options.Value.FirstRetryDelay, options.Value.MaxRetryDelay);
                Log.PlatformStepRetried(logger, JobId, TransientFaults.Describe(ex), attempt, delay);
                await Task.Delay(delay, time);
            }
        }
    }

    /// <summary>
    /// The action's result or error; null when the job was cancelled while it worked. A transient fault runs the action
    /// again after a backoff (its work is idempotent: what it stored is found, not stored twice, and nothing is charged
    /// before the job settles) until the job's deadline; past it the job fails with <c>deadline_exceeded</c>. Any other
    /// exception is the action's own failure and fails the job at once.
    /// </summary>
    private async Task<RunOutcome?> ExecuteAsync(JobView job)
    {
        using var activity = AlavidaTelemetry.StartJobActivity($"{job.Quantum} {job.Action}", JobId);
        activity?.SetTag("alavida.job_id", JobId).SetTag("alavida.quantum", job.Quantum).SetTag("alavida.action", job.Action).SetTag("alavida.team_id", job.TeamId);
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["job_id"] = JobId, ["quantum"] = job.Quantum, ["action"] = job.Action });

        var action = catalog.Find(job.Quantum, job.Action);
        if (action is null)
        {
            return new RunOutcome(null, new JobError("action_not_available", $"{job.Quantum}/{job.Action} is not available on this deployment."));
        }

        using var cancellation = _cancellation = new CancellationTokenSource();
        var context = new QuantumActionContext(job, GrainFactory.GrainOf<IJobGrain>(JobId), cancellation);
        var deadline = job.CreatedAt + options.Value.Deadline;
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    return new RunOutcome(await action.ExecuteAsync(context, cancellation.Token), null);
                }
                catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
                {
                    Log.Cancelled(logger, JobId);
                    return null;
                }
                catch (QuantumActionException ex)
                {
                    return new RunOutcome(null, new JobError(ex.Code, ex.Message));
                }
                catch (Exception ex) when (TransientFaults.IsTransient(ex))
                {
                    var delay = Backoff.Delay(attempt, options.Value.FirstRetryDelay, options.Value.MaxRetryDelay);
                    if (time.GetUtcNow() + delay > deadline)
                    {
                        Log.DeadlineExceeded(logger, ex, JobId, job.Quantum, job.Action, attempt);
                        return new RunOutcome(null, new JobError("deadline_exceeded",
                            $"The platform could not finish the job within its deadline ({options.Value.Deadline} after it was accepted): " +
                            $"{TransientFaults.Describe(ex)}, through {attempt} attempt(s). This was an infrastructure fault, not your input; nothing was charged, and running it again is safe."));
                    }

                    Log.ActionRetried(logger, JobId, job.Quantum, job.Action, TransientFaults.Describe(ex), attempt, delay);
                    try
                    {
                        await Task.Delay(delay, time, cancellation.Token);
                    }
                    catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
                    {
                        Log.Cancelled(logger, JobId);
                        return null;
                    }
                }
                catch (Exception ex)
                {
                    Log.Crashed(logger, ex, JobId, job.Quantum, job.Action);
                    return new RunOutcome(null, new JobError("internal_error",
                        $"The {job.Quantum} quantum failed on this job ({ex.GetType().Name}): a defect in its logic, not an infrastructure fault. Its logs carry trace id {job.TraceId}."));
                }
            }
        }
        finally
        {
            _cancellation = null;
        }
    }

    /// <summary>
    /// Marks the job running (here; the database learns it from <see cref="WriteRunningLaterAsync"/> or the job's
    /// finish); returns it, or null when it must not run (cancelled, finished, missing).
    /// </summary>
    private async Task<JobView?> StartAsync()
    {
        if (await LoadAsync() is not { } job || job.IsFinal || _finishing is not null)
        {
            return null; // missing, final, or being finished (a cancellation settling): not started
        }

        if (job.Status == "queued")
        {
            // To the microsecond, as the database keeps it, so the job reads the same before and after it is written.
            var now = time.GetUtcNow().UtcDateTime;
            _job = job with { Status = "running", StartedAt = now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMicrosecond)) };
            Log.Started(logger, JobId, job.ComponentSlug, job.Action);
        }

        return _job!.ToView();
    }

    /// <summary>
    /// Writes the running status once the job has worked for <see cref="RunningWriteDelay"/>: most jobs finish sooner,
    /// and their finish records when they started, which spares a write per job. The job's own view (its grain) says
    /// running from the start; lists read from the database see a long job running within a second.
    /// </summary>
    private async Task WriteRunningLaterAsync(Task work)
    {
        try
        {
            await work.WaitAsync(RunningWriteDelay, time);
            return; // finished first: its finish writes the start
        }
        catch (TimeoutException)
        {
        }

        if (_job is not { IsFinal: false, StartedAt: { } startedAt })
        {
            return; // finished meanwhile
        }

        try
        {
            // Committed with other jobs' writes (group commit).
            var stored = (await committer.ExecuteAsync(
                () => [PositionalSql.Command(RunningSql, PositionalSql.Value(JobId), PositionalSql.Value(startedAt))],
                async reader => await reader.ReadAsync() ? reader.GetFieldValue<DateTime>(0) : (DateTime?)null))[0];
            if (stored is { } at && _job is { IsFinal: false })
            {
                _job = _job with { StartedAt = at };
            }
        }
        catch (Exception ex)
        {
            // The job goes on: its finish records the start, and the reconciler knows a queued job as unfinished too.
            Log.RunningNotWritten(logger, ex, JobId);
        }
    }
}
