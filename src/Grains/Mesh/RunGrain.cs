using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Alavida.Grains.Mesh;

/// <summary>
/// Executes one run. Its state lives in <c>mesh.runs</c>/<c>mesh.steps</c> (queryable, written through the batcher)
/// rather than grain storage: a fresh start needs no read, and a resume (after a sleep, a wait, a retry or a silo's
/// death) reloads the run and its memo and replays the function, skipping completed steps. The function body runs
/// in the background on this activation's scheduler, so cancel and resume requests interleave with it.
/// </summary>
public sealed partial class RunGrain(
    MeshFunctionRegistry registry, MeshStore store, MeshStepGroups steps, MeshQueries queries, MeshRouter router, MeshClock clock, MeshMonitor monitor,
    IServiceProvider services, ILogger<RunGrain> logger) : Grain, IRunGrain
{
    private static readonly TimeSpan FaultRetryDelay = TimeSpan.FromSeconds(5);
    private IRunGrain? _self;
    private RunState? _run;
    private bool _executing;
    private bool _rerun;
    private CancellationTokenSource? _cancellation;
    private RunExecution? _execution;
    private IDisposable? _wakeTimer;
    private IDisposable? _finishTimer;

    // Resolved on the activation: timer callbacks run off it, where grain services may not be touched.
    private IRunGrain Self => _self ??= this.AsReference<IRunGrain>();

    public async Task<bool> StartAsync(RunTicket ticket)
    {
        if (_run is null)
        {
            if (ticket.Resume)
            {
                if (!await LoadAsync())
                {
                    return false;
                }
            }
            else
            {
                _run = new RunState(ticket.RunId, ticket.FunctionId, ticket.Event, RunStatus.Queued, 0, ticket.CreatedAt, null, ticket.ParentRunId, ticket.ParentStepId, ticket.GateKeys, []);
            }
        }

        if (RunStatus.IsFinal(_run!.Status))
        {
            return false;
        }

        Kick();
        return true;
    }

    public async Task ResumeAsync()
    {
        if (_executing)
        {
            _rerun = true;
            return;
        }

        if (!await LoadAsync())
        {
            return;
        }

        if (RunStatus.IsFinal(_run!.Status))
        {
            // Reconciliation may have re-taken slots for a run that finished meanwhile: give them back.
            await router.ReleaseAsync(_run.RunId, _run.FunctionId, _run.GateKeys);
            return;
        }

        await ContinueAsync();
    }

    public async Task<MeshControlResult> CancelAsync(string reason)
    {
        if (_run is null && !await LoadAsync())
        {
            return new(MeshControlResult.NotFound, "no such run");
        }

        if (RunStatus.IsFinal(_run!.Status))
        {
            return new(MeshControlResult.Conflict, $"the run already finished ({_run.Status})", _run.RunId);
        }

        _cancellation?.Cancel();
        await FinishAsync(RunStatus.Cancelled, null, reason);
        // A cancelled run that never started may still sit in a gate's queue: stay active so its start is refused.
        DelayDeactivation(TimeSpan.FromHours(1));
        return new(MeshControlResult.Ok, reason, _run.RunId);
    }

    /// <summary>
    /// Continues a loaded run. A sleeping or waiting run holds no concurrency slot (Inngest: limits count executing
    /// steps only): while one of its steps is still suspended it only re-arms its timer; otherwise it queues at its
    /// concurrency gates, which start it again (<see cref="StartAsync"/>), or continues at once when it has none.
    /// </summary>
    private async Task ContinueAsync()
    {
        var run = _run!;
        if (IsSuspended(run.Status))
        {
            var now = clock.Now;
            var pending = run.Memo.Values.Where(s => s.Status is StepStatus.Sleeping or StepStatus.Waiting && (s.WakeAt is null || s.WakeAt > now)).ToList();
            if (pending.Count > 0)
            {
                Arm(pending.Min(s => s.WakeAt));
                return;
            }

        }

        // A retry may have given its slots back (an attempt whose sent events were refused ended after its function
        // returned); a gate that still counts the run lets it straight through. The start the gates give back reloads
        // the run: it may change while it queues (a matched wait, a cancel).
        if (IsSuspended(run.Status) || run.Attempts > 1)
        {
            _rerun = true;
            if (await router.ReacquireAsync(run.RunId, run.FunctionId, run.Event, run.GateKeys, run.CreatedAt))
            {
                monitor.Publish(new RunChange(run.RunId, run.FunctionId, RunStatus.Queued, run.Attempts, null, null));
                return;
            }

            _rerun = false;
        }

        Kick();
    }

    private static bool IsSuspended(string status) => status is RunStatus.Sleeping or RunStatus.Waiting;

    private async Task<bool> LoadAsync()
    {
        var loaded = await queries.LoadRunAsync(this.GetPrimaryKey());
        if (loaded is null)
        {
            return false;
        }

        var function = registry.Find(loaded.FunctionId);
        var keys = function?.GateKeys(MeshExpressions.Variables(loaded.Event)) ?? [];
        _run = new RunState(loaded.RunId, loaded.FunctionId, loaded.Event, loaded.Status, loaded.Attempts, loaded.CreatedAt, loaded.StartedAt,
            loaded.ParentRunId, loaded.ParentStepId, keys, loaded.Steps.ToDictionary(s => s.StepId, StringComparer.Ordinal));
        return true;
    }

    private void Kick()
    {
        if (_executing)
        {
            _rerun = true;
            return;
        }

        _executing = true;
        _ = ExecuteLoopAsync();
    }

    private async Task ExecuteLoopAsync()
    {
        var resume = false;
        try
        {
            do
            {
                if (_rerun)
                {
                    _rerun = false;
                    if (!await LoadAsync() || RunStatus.IsFinal(_run!.Status))
                    {
                        break;
                    }
                }

                await ExecuteOnceAsync();
            }
            while (_rerun && !RunStatus.IsFinal(_run!.Status) && !IsSuspended(_run.Status));

            // A resume that arrived while this execution suspended (its slots are given back) queues like any other.
            resume = _rerun && IsSuspended(_run!.Status);
        }
        catch (Exception ex)
        {
            RetryAfterFault(ex);
        }
        finally
        {
            _executing = false;
        }

        if (resume)
        {
            _rerun = false;
            try
            {
                await ResumeAsync();
            }
            catch (Exception ex)
            {
                RetryAfterFault(ex);
            }
        }
    }

    /// <summary>Infrastructure fault (database down): nothing is lost, try again shortly.</summary>
    private void RetryAfterFault(Exception ex)
    {
        Log.ExecutionFaulted(logger, ex, _run?.RunId ?? Guid.Empty);
        var self = Self;
        _wakeTimer = clock.At(clock.Now + FaultRetryDelay, () => self.ResumeAsync());
    }

    private async Task ExecuteOnceAsync()
    {
        var run = _run!;
        var function = registry.Find(run.FunctionId);
        if (function is null)
        {
            await FinishAsync(RunStatus.Failed, null, $"function '{run.FunctionId}' is not registered on this silo");
            return;
        }

        var now = clock.Now;
        var timeouts = function.Definition.Timeouts;
        if (run.StartedAt is null && timeouts?.Start is { } startTimeout && now - run.CreatedAt > startTimeout)
        {
            await FinishAsync(RunStatus.Cancelled, null, $"timed out: not started within {startTimeout}");
            return;
        }

        run.StartedAt ??= now;
        run.Attempts = Math.Max(run.Attempts, 1);
        if (run.Status != RunStatus.Running)
        {
            // Deferred: usually committed with the run's next write (its events, its end) rather than on its own.
            run.Status = RunStatus.Running;
            var running = store.UpdateRunAsync(Update(null, null, null), defer: true);
            var change = new RunChange(run.RunId, run.FunctionId, RunStatus.Running, run.Attempts, null, null);
            Observe(running);
            _ = running.ContinueWith(
                _ =>
                {
                    if (run.Status == RunStatus.Running)
                    {
                        monitor.Publish(change);
                    }
                },
                CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
        }

        if (timeouts?.Finish is { } finish && _finishTimer is null)
        {
            var self = Self;
            _finishTimer = clock.At(run.StartedAt.Value + finish, () => self.CancelAsync($"timed out: not finished within {finish}"));
        }

        _cancellation = new CancellationTokenSource();
        var execution = _execution = new RunExecution(run.RunId, run.FunctionId, run.Event, run.Attempts, run.Memo, _cancellation.Token, services, store, steps, queries, router, registry, clock, monitor);
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["trace_id"] = run.Event.TraceId ?? run.Event.Id, ["run_id"] = run.RunId, ["function_id"] = run.FunctionId });
        try
        {
            var output = await function.Definition.Handler(new MeshContext(execution));
            await EndAsync(function, RunStatus.Completed, JsonSerializer.Serialize(output, MeshContext.Json), null);
        }
        catch (MeshWriteException)
        {
            // Not the function's failure: the run stays unfinished and is retried as a fault (RetryAfterFault).
            throw;
        }
        catch (SuspendException suspend) when (!RunStatus.IsFinal(run.Status))
        {
            await SuspendAsync(function, suspend);
        }
        catch (Exception) when (RunStatus.IsFinal(run.Status))
        {
            // Cancelled while executing: CancelAsync already recorded it.
        }
        catch (SkipRunException skip)
        {
            await EndAsync(function, RunStatus.Skipped, null, skip.Message);
        }
        catch (Exception ex)
        {
            await FailAttemptAsync(function, ex);
        }
    }

    private void Arm(DateTimeOffset? wakeAt)
    {
        _wakeTimer?.Dispose();
        var self = Self;
        _wakeTimer = wakeAt is { } due ? clock.At(due, () => self.ResumeAsync()) : null;
    }

    private RunUpdate Update(DateTimeOffset? wakeAt, DateTimeOffset? endedAt, string? error, string? output = null) =>
        new(_run!.RunId, _run.Status, _run.Attempts, _run.StartedAt, endedAt, wakeAt, output, error);

    private void Observe(Task task) => task.ContinueWith(t => Log.BackgroundWriteFailed(logger, t.Exception!, _run?.RunId ?? Guid.Empty), TaskContinuationOptions.OnlyOnFaulted);

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Mesh run {RunId} of {FunctionId}: attempt {Attempt} failed, retrying in {Delay}: {Error}")]
        public static partial void AttemptFailed(ILogger logger, Guid runId, string functionId, int attempt, TimeSpan delay, string error);

        [LoggerMessage(2, LogLevel.Error, "Mesh run {RunId}: execution faulted; resuming shortly")]
        public static partial void ExecutionFaulted(ILogger logger, Exception ex, Guid runId);

        [LoggerMessage(3, LogLevel.Warning, "Mesh run {RunId}: a background status write failed")]
        public static partial void BackgroundWriteFailed(ILogger logger, Exception ex, Guid runId);
    }
}
