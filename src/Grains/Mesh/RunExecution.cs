namespace Alavida.Grains.Mesh;

/// <summary>Thrown by Sleep/WaitForEvent/Invoke to suspend a run until <see cref="WakeAt"/> or an event.</summary>
internal sealed class SuspendException(string status, DateTimeOffset? wakeAt) : Exception("The run is suspended")
{
    public string Status { get; } = status;

    public DateTimeOffset? WakeAt { get; } = wakeAt;
}

/// <summary>A write the run depends on failed (the database refused or was unreachable): retried as a fault, not as an attempt.</summary>
internal sealed class MeshWriteException(string message, Exception inner) : Exception(message, inner);

/// <summary>One attempt's view of a run, shared by the run grain and its <see cref="MeshContext"/>.</summary>
internal sealed record RunExecution(
    Guid RunId, string FunctionId, MeshEvent Event, int Attempt, Dictionary<string, StepRow> Memo, CancellationToken Cancellation,
    IServiceProvider Services, MeshStore Store, MeshStepGroups Steps, MeshQueries Queries, MeshRouter Router, MeshFunctionRegistry Registry, MeshClock Clock, MeshMonitor Monitor)
{
    public PendingMemos Pending { get; } = new();

    /// <summary>Events sent by this attempt whose commit the run did not wait for; the run ends only once they are durable.</summary>
    public List<Task> Sends { get; } = [];
}

/// <summary>Step memos whose own write may not have committed yet; the run's next durable write includes them.</summary>
internal sealed class PendingMemos
{
    private readonly List<(StepRow Row, Task Write)> _pending = [];

    public void Add(StepRow row, Task write)
    {
        _pending.RemoveAll(p => p.Write.IsCompletedSuccessfully);
        _pending.Add((row, write));
    }

    /// <summary><paramref name="rows"/> plus every memo not yet known to be durable.</summary>
    public IReadOnlyList<StepRow> With(params StepRow[] rows)
    {
        _pending.RemoveAll(p => p.Write.IsCompletedSuccessfully);
        return [.. rows, .. _pending.Select(p => p.Row)];
    }
}
