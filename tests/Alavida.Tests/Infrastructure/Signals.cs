using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;

namespace Alavida.Tests.Infrastructure;

/// <summary>Signals raised by test grains running in this process, awaited by the tests (never a sleep).</summary>
public static class Signals
{
    private static readonly ConcurrentDictionary<string, TaskCompletionSource<string>> Pending = new();

    public static Task<string> For(string key) =>
        Pending.GetOrAdd(key, _ => new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public static void Raise(string key, string value) =>
        Pending.GetOrAdd(key, _ => new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult(value);

    /// <summary>Awaits a task with an upper bound, failing with a clear message instead of hanging the run.</summary>
    public static async Task<T> Within<T>(this Task<T> task, TimeSpan limit, string what)
    {
        try
        {
            return await task.WaitAsync(limit);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Timed out after {limit.TotalSeconds:0}s waiting for {what}.");
        }
    }

    /// <summary>Completes when this silo's membership view satisfies <paramref name="condition"/> (membership updates are the signal).</summary>
    public static async Task<ClusterMembershipSnapshot> WaitForMembershipAsync(
        this PlatformHost host, Func<ClusterMembershipSnapshot, bool> condition, string what, TimeSpan? limit = null)
    {
        var membership = host.Services.GetRequiredService<IClusterMembershipService>();
        using var cts = new CancellationTokenSource(limit ?? TimeSpan.FromSeconds(60));
        try
        {
            await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(cts.Token))
            {
                if (condition(snapshot))
                {
                    return snapshot;
                }
            }
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
        }

        throw new TimeoutException($"Timed out waiting for {what}; membership: {string.Join(", ", membership.CurrentSnapshot.Members.Values.Select(m => $"{m.SiloAddress}={m.Status}"))}");
    }

    public static int ActiveCount(this ClusterMembershipSnapshot snapshot) =>
        snapshot.Members.Values.Count(m => m.Status == SiloStatus.Active);
}
