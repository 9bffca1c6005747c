using Alavida.Grains.Platform;
using Npgsql;

namespace Alavida.Tests.Reliability;

/// <summary>
/// Fails the next calls to a grain interface with the cluster's own <see cref="SiloUnavailableException"/>, as a call to
/// a grain on a silo that just died fails, from inside Orleans' call pipeline (an outgoing call filter).
/// </summary>
public sealed class SiloFaults : IOutgoingGrainCallFilter
{
    private int _remaining;
    private Type? _target;

    /// <summary>How many calls failed so far.</summary>
    public int Failed;

    /// <summary>Makes the next <paramref name="calls"/> calls to <typeparamref name="TGrain"/> fail.</summary>
    public void FailNext<TGrain>(int calls) => (_target, _remaining) = (typeof(TGrain), calls);

    public Task Invoke(IOutgoingGrainCallContext context)
    {
        if (context.InterfaceMethod?.DeclaringType == _target && Interlocked.Decrement(ref _remaining) >= 0)
        {
            Interlocked.Increment(ref Failed);
            throw new SiloUnavailableException($"Injected by the test: the silo of {context.TargetId} is unavailable.");
        }

        return context.Invoke();
    }
}

/// <summary>
/// A test action (<c>identity/touch-database</c>, not in the registry) that waits for its test, then reads the
/// database and bills one unit: the shape of an action whose work needs PostgreSQL while it is cut off.
/// </summary>
public sealed class TouchDatabaseAction(NpgsqlDataSource db) : IQuantumAction
{
    public const string Name = "touch-database";

    public string Quantum => Quantums.Identity;

    public string Action => Name;

    public async Task<JobResult> ExecuteAsync(QuantumActionContext context, CancellationToken cancellationToken)
    {
        var hold = Gateway.HeldAction.For(context.Job.JobId);
        Interlocked.Increment(ref hold.Runs);
        hold.Started.TrySetResult();
        await hold.Release.Task.WaitAsync(cancellationToken);
        await using var command = db.CreateCommand("SELECT 1");
        await command.ExecuteScalarAsync(cancellationToken);
        return new JobResult("""{"touched":true}""", 1, null);
    }
}

/// <summary>A test action (<c>identity/defective</c>) whose logic throws: a defect, not a fault.</summary>
public sealed class DefectiveAction : IQuantumAction
{
    public const string Name = "defective";

    public static int Runs;

    public string Quantum => Quantums.Identity;

    public string Action => Name;

    public Task<JobResult> ExecuteAsync(QuantumActionContext context, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Runs);
        throw new InvalidOperationException("a bug in the action");
    }
}
