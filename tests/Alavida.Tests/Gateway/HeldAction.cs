using System.Collections.Concurrent;
using Alavida.Grains.Platform;

namespace Alavida.Tests.Gateway;

/// <summary>
/// A test action (<c>identity/held</c>, not in the registry, so only jobs submitted through the grains run it) that
/// works until its test releases it or the job is cancelled, and says when each happens.
/// </summary>
public sealed class HeldAction : IQuantumAction
{
    public const string Name = "held";

    private static readonly ConcurrentDictionary<Guid, Hold> Holds = new();

    public string Quantum => Quantums.Identity;

    public string Action => Name;

    /// <summary>The hold of one job: signals for the test, and the release that lets the action return.</summary>
    public static Hold For(Guid jobId) => Holds.GetOrAdd(jobId, _ => new Hold());

    public async Task<JobResult> ExecuteAsync(QuantumActionContext context, CancellationToken cancellationToken)
    {
        var hold = For(context.Job.JobId);
        Interlocked.Increment(ref hold.Runs);
        hold.Started.TrySetResult();
        await using var registration = cancellationToken.Register(() => hold.Cancelled.TrySetResult());
        var units = await hold.Release.Task.WaitAsync(cancellationToken);
        return new JobResult("""{"held":true}""", units, null);
    }

    public sealed class Hold
    {
        /// <summary>How many times the action started for this job.</summary>
        public int Runs;

        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Cancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource<int> Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
