namespace Alavida.Grains;

/// <summary>Reacts to silos of the cluster being declared dead, as the jobs and the mesh recover their work.</summary>
public static class SiloDeaths
{
    /// <summary>
    /// Calls <paramref name="react"/> whenever the membership declares a silo dead that was not dead before (once per
    /// snapshot, however many died), until <paramref name="stopping"/>. A failing reaction is the caller's to log: it
    /// does not stop the watch.
    /// </summary>
    public static async Task WatchAsync(IClusterMembershipService membership, Func<Task> react, CancellationToken stopping)
    {
        var dead = membership.CurrentSnapshot.Members.Values.Where(m => m.Status == SiloStatus.Dead).Select(m => m.SiloAddress).ToHashSet();
        try
        {
            await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(stopping))
            {
                if (snapshot.Members.Values.Count(m => m.Status == SiloStatus.Dead && dead.Add(m.SiloAddress)) > 0)
                {
                    await react();
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }
}
