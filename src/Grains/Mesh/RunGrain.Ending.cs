using System.Text.Json;

namespace Alavida.Grains.Mesh;

/// <summary>How an attempt ends: suspended, finished, or failed (and retried or not).</summary>
public sealed partial class RunGrain
{
    /// <summary>
    /// How long a finished run's activation stays (with its final status only) before it is freed. A start of the run
    /// still in flight (a reconciliation and the original dispatch can cross) finds it finished instead of running it
    /// again on a fresh activation; past this, thousands of finished runs a second would fill memory for minutes.
    /// </summary>
    private static readonly TimeSpan FinishedLinger = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Ends the run as <paramref name="status"/> (completed or skipped) once what it sent is durable; events the
    /// database refused fail this attempt instead, like a failing step.
    /// </summary>
    private async Task EndAsync(RegisteredFunction function, string status, string? output, string? error)
    {
        try
        {
            await FinishAsync(status, output, error);
        }
        catch (SentEventsRefusedException refused)
        {
            await FailAttemptAsync(function, refused);
        }
    }

    /// <summary>
    /// Suspends the run (sleep, wait, invoke) once what it sent is durable — a suspended run must not hold back events
    /// it sent until it wakes — and gives its concurrency slots back.
    /// </summary>
    private async Task SuspendAsync(RegisteredFunction function, SuspendException suspend)
    {
        var run = _run!;
        var execution = _execution!;
        try
        {
            await execution.AwaitSendsAsync();
        }
        catch (SentEventsRefusedException refused)
        {
            await FailAttemptAsync(function, refused);
            return;
        }

        run.Status = suspend.Status;
        await store.UpdateRunAsync(Update(suspend.WakeAt, null, null), execution.Pending.With());
        Arm(suspend.WakeAt);
        // Suspended runs do not count against concurrency limits; ContinueAsync takes the slots again.
        await router.ReleaseAsync(run.RunId, run.FunctionId, run.GateKeys);
        monitor.Publish(new RunChange(run.RunId, run.FunctionId, run.Status, run.Attempts, suspend.WakeAt, null));
    }

    /// <summary>The attempt failed: the run fails when the error is final or its retries are spent, else retries later.</summary>
    private async Task FailAttemptAsync(RegisteredFunction function, Exception ex)
    {
        var run = _run!;
        if (ex is NonRetriableException || run.Attempts > function.Definition.Retries.Count)
        {
            await FailAsync(function, ex.Message);
            return;
        }

        var delay = ex is RetryAfterException retryAfter ? retryAfter.Delay : Backoff(function.Definition.Retries, run.Attempts);
        var wake = clock.Now + delay;
        run.Attempts++;
        await store.UpdateRunAsync(Update(wake, null, ex.Message), _execution!.Pending.With());
        Log.AttemptFailed(logger, run.RunId, run.FunctionId, run.Attempts - 1, delay, ex.Message);
        Arm(wake);
        monitor.Publish(new RunChange(run.RunId, run.FunctionId, run.Status, run.Attempts, wake, ex.Message));
    }

    private async Task FailAsync(RegisteredFunction function, string error)
    {
        await FinishAsync(RunStatus.Failed, null, error);
        var run = _run!;
        if (function.Definition.OnFailure is not null)
        {
            var data = new Dictionary<string, object?> { ["function_id"] = run.FunctionId, ["run_id"] = run.RunId, ["error"] = error, ["event"] = run.Event };
            await router.SendAsync([new MeshEvent($"{run.RunId:N}-failed", MeshFunctionRegistry.FunctionFailedEvent, JsonSerializer.Serialize(data), null, 0, null, run.Event.TraceId, run.Event.TeamId)]);
        }
    }

    /// <summary>
    /// Writes the final status. A completed or skipped run ends only once the events it sent are durable (throws
    /// <see cref="SentEventsRefusedException"/> or <see cref="MeshWriteException"/> when they are not); a failed or
    /// cancelled one does not wait for them.
    /// </summary>
    private async Task FinishAsync(string status, string? output, string? error)
    {
        var run = _run!;
        if (RunStatus.IsFinal(run.Status))
        {
            return;
        }

        // The function body is done: its concurrency slots are free while what it sent and its final status commit.
        // It ended now (ended_at), whenever its status is written.
        var ended = clock.Now;
        Task? released = null;
        if (status is RunStatus.Completed or RunStatus.Skipped && _execution is { HasPendingSends: true } execution)
        {
            released = router.ReleaseAsync(run.RunId, run.FunctionId, run.GateKeys);
            Observe(released);
            await execution.AwaitSendsAsync();
            if (RunStatus.IsFinal(run.Status))
            {
                return; // cancelled meanwhile
            }
        }

        run.Status = status;
        var written = store.UpdateRunAsync(Update(null, ended, error, output), _execution?.Pending.With());
        released ??= router.ReleaseAsync(run.RunId, run.FunctionId, run.GateKeys);
        await written;
        _wakeTimer?.Dispose();
        _finishTimer?.Dispose();
        monitor.Publish(new RunChange(run.RunId, run.FunctionId, status, run.Attempts, null, error));
        if (run.ParentRunId is { } parent)
        {
            var failed = status != RunStatus.Completed;
            await store.SaveStepsAsync([new StepRow(parent, run.ParentStepId!, run.ParentStepId!, failed ? StepStatus.Failed : StepStatus.Completed, 1, run.CreatedAt, ended, null,
                failed ? null : output, failed ? error ?? status : null)]);
            await GrainFactory.GetGrain<IRunGrain>(parent).ResumeAsync();
        }

        await released;
        if (status != RunStatus.Cancelled)
        {
            // A cancelled run stays longer (see CancelAsync); a finished one keeps only its status, for a while.
            run.Memo.Clear();
            _execution = null;
            this.RegisterGrainTimer(() =>
            {
                DeactivateOnIdle();
                return Task.CompletedTask;
            }, FinishedLinger, Timeout.InfiniteTimeSpan);
        }
    }

    private static TimeSpan Backoff(MeshRetries retries, int attempt) =>
        Grains.Backoff.Delay(attempt, retries.BaseDelay ?? MeshRetries.DefaultBaseDelay, retries.MaxDelay ?? MeshRetries.DefaultMaxDelay);
}
