using Alavida.Grains.Identity;

namespace Alavida.Bench.Identity;

internal static class Memory
{
    public static (long ManagedBytes, long RssBytes) Snapshot()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        return (GC.GetTotalMemory(forceFullCollection: true), process.WorkingSet64);
    }

    /// <summary>Activates the companies' grains, 1,000 calls in flight at a time.</summary>
    public static async Task ActivateAsync(IGrainFactory grains, IReadOnlyList<Guid> ids)
    {
        foreach (var chunk in ids.Chunk(1000))
        {
            await Task.WhenAll(chunk.Select(id => grains.GetGrain<ICompanyGrain>(id).GetAsync()));
        }
    }

    public static async Task<int> ActiveCompanyGrainsAsync(IGrainFactory grains)
    {
        var stats = await grains.GetGrain<IManagementGrain>(0).GetSimpleGrainStatistics();
        return stats.Where(s => s.GrainType.Contains(nameof(CompanyGrain), StringComparison.Ordinal)).Sum(s => s.ActivationCount);
    }

    /// <summary>The 1/5/15-minute load averages: other work on the machine shows up here.</summary>
    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    public static long TotalGiB() => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1L << 30);

    public static string CpuModel() =>
        File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':')[1].Trim() ?? "unknown CPU"
            : "unknown CPU";
}
