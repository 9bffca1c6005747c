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

    public static async Task<int> ActiveCompanyGrainsAsync(IGrainFactory grains)
    {
        var stats = await grains.GetGrain<IManagementGrain>(0).GetSimpleGrainStatistics();
        return stats.Where(s => s.GrainType.Contains(nameof(CompanyGrain), StringComparison.Ordinal)).Sum(s => s.ActivationCount);
    }

    public static long TotalGiB() => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1L << 30);

    public static string CpuModel() =>
        File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':')[1].Trim() ?? "unknown CPU"
            : "unknown CPU";
}
