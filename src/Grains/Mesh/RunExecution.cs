using Npgsql;

namespace Alavida.Grains.Mesh;

/// <summary>Thrown by Sleep/WaitForEvent/Invoke to suspend a run until <see cref="WakeAt"/> or an event.</summary>
internal sealed class SuspendException(string status, DateTimeOffset? wakeAt) : Exception("The run is suspended")
{
    public string Status { get; } = status;

    public DateTimeOffset? WakeAt { get; } = wakeAt;
}

/// <summary>A write the run depends on could not be made (the database was unreachable): retried as a fault, not as an attempt.</summary>
internal sealed class MeshWriteException(string message, Exception inner) : Exception(message, inner);

/// <summary>The database refused events the run sent (an error it will give again): the attempt fails, like a failing step.</summary>
internal sealed class SentEventsRefusedException(PostgresException refused)
    : Exception($"The database refused the events the run sent: {refused.MessageText}", refused);

/// <summary>One attempt's view of a run, shared by the run grain and its <see cref="MeshContext"/>.</summary>
internal sealed record RunExecution(
    Guid RunId, string FunctionId, MeshEvent Event, int Attempt, Dictionary<string, StepRow> Memo, CancellationToken Cancellation,
    IServiceProvider Services, MeshStore Store, MeshStepGroups Steps, MeshQueries Queries, MeshRouter Router, MeshFunctionRegistry Registry, MeshClock Clock, MeshMonitor Monitor)
{
    public PendingMemos Pending { get; } = new();

    private readonly List<Task> _sends = [];

    /// <summary>Some events this attempt sent may not be durable yet.</summary>
    public bool HasPendingSends => _sends.Any(s => !s.IsCompletedSuccessfully);

    /// <summary>Remembers the commit of events this attempt sent without waiting for it (see <see cref="AwaitSendsAsync"/>).</summary>
    public void AddSend(Task durable)
    {
        _sends.RemoveAll(s => s.IsCompletedSuccessfully);
        _sends.Add(durable);
    }

    /// <summary>
    /// Waits until the events this attempt sent are durable. The database refusing them (an error it would give again)
    /// throws <see cref="SentEventsRefusedException"/>; anything else (a lost connection) <see cref="MeshWriteException"/>.
    /// </summary>
    public async Task AwaitSendsAsync()
    {
        _sends.RemoveAll(s => s.IsCompletedSuccessfully);
        if (_sends.Count == 0)
        {
            return;
        }

        try
        {
            await Task.WhenAll(_sends);
        }
        catch (PostgresException refused) when (!refused.IsTransient)
        {
            throw new SentEventsRefusedException(refused);
        }
        catch (Exception ex)
        {
            throw new MeshWriteException("The events the run sent could not be stored", ex);
        }
    }
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
