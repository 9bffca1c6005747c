using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Alavida.Grains.Mesh;

/// <summary>A run status change as this silo saw it.</summary>
public sealed record RunChange(Guid RunId, string FunctionId, string Status, int Attempts, DateTimeOffset? WakeAt, string? Error);

/// <summary>
/// Telemetry of the mesh on this silo: run status changes as a signal (tests and diagnostics await them instead of
/// polling), and the mesh's instruments and step spans under the platform's <c>Alavida</c> meter and activity source
/// (which the host's OpenTelemetry setup already exports).
/// </summary>
public sealed class MeshMonitor : IDisposable
{
    public const string Name = "Alavida";

    public static readonly ActivitySource Activities = new(Name);

    private readonly Meter _meter = new(Name);
    private readonly ConcurrentDictionary<Waiter, bool> _waiters = new();
    private readonly Counter<long> _runsFinished;
    private readonly Counter<long> _stepRetries;

    public MeshMonitor()
    {
        _runsFinished = _meter.CreateCounter<long>("mesh.runs.finished", description: "Runs finished, by function and status");
        _stepRetries = _meter.CreateCounter<long>("mesh.runs.retries", description: "Run attempts that will be retried");
        StepOverhead = _meter.CreateHistogram<double>("mesh.step.overhead", "ms", "Time from a step's return until its memo is durable");
        BatchDuration = _meter.CreateHistogram<double>("mesh.store.batch.duration", "ms", "Time to write and commit one batch");
        BatchSize = _meter.CreateHistogram<int>("mesh.store.batch.size", description: "Writes committed together in one batch");
        StepGroupSize = _meter.CreateHistogram<int>("mesh.steps.group.size", description: "Database steps committed together in one transaction");
        StepGroupRollbacks = _meter.CreateCounter<long>("mesh.steps.group.rollbacks", description: "Groups of database steps rolled back and run again one by one");
    }

    /// <summary>Database steps per committed group (1: a step committed alone).</summary>
    public Histogram<int> StepGroupSize { get; }

    /// <summary>Groups of database steps rolled back because one of them failed; their steps then ran one by one.</summary>
    public Counter<long> StepGroupRollbacks { get; }

    /// <summary>Milliseconds from a step's return until its memo is committed.</summary>
    public Histogram<double> StepOverhead { get; }

    /// <summary>Milliseconds to write and commit one batch of the write batcher.</summary>
    public Histogram<double> BatchDuration { get; }

    /// <summary>Writes per committed batch.</summary>
    public Histogram<int> BatchSize { get; }

    /// <summary>Raised for every run status change on this silo.</summary>
    public event Action<RunChange>? Changed;

    public void Publish(RunChange change)
    {
        if (RunStatus.IsFinal(change.Status))
        {
            _runsFinished.Add(1, new KeyValuePair<string, object?>("function", change.FunctionId), new KeyValuePair<string, object?>("status", change.Status));
        }
        else if (change.Error is not null)
        {
            _stepRetries.Add(1, new KeyValuePair<string, object?>("function", change.FunctionId));
        }

        Changed?.Invoke(change);
        // Enumerating the dictionary takes no locks (its Keys property takes them all, on every status change).
        foreach (var (waiter, _) in _waiters)
        {
            if (waiter.Predicate(change) && _waiters.TryRemove(waiter, out _))
            {
                waiter.Result.TrySetResult(change);
            }
        }
    }

    /// <summary>Completes with the first change (from now on) that satisfies <paramref name="predicate"/>.</summary>
    public Task<RunChange> WaitAsync(Func<RunChange, bool> predicate)
    {
        var waiter = new Waiter(predicate);
        _waiters[waiter] = true;
        return waiter.Result.Task;
    }

    public void Dispose() => _meter.Dispose();

    private sealed class Waiter(Func<RunChange, bool> predicate)
    {
        public Func<RunChange, bool> Predicate { get; } = predicate;

        public TaskCompletionSource<RunChange> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
