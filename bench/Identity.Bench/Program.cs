using System.Diagnostics;
using Alavida.Bench.Identity;
using Alavida.Grains.Identity;
using Alavida.Silo.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

// Identity resolution throughput, p99 and memory, in process against a real silo and PostgreSQL. See README in bench/.
//   dotnet run -c Release --project bench/Identity.Bench [-- --ConnectionStrings:Postgres=...]
var work = Directory.CreateTempSubdirectory("alavida-identity-bench-");
if (!OperatingSystem.IsWindows())
{
    File.SetUnixFileMode(work.FullName, (UnixFileMode)0b111_101_101); // the local PostgreSQL runs as postgres and must reach it
}

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
{
    ["Alavida:LocalPostgresDirectory"] = Path.Combine(work.FullName, "pg"),
    ["Urls"] = "http://127.0.0.1:0",
    ["Orleans:SiloPort"] = "21311",
    ["Orleans:GatewayPort"] = "23300",
    ["Orleans:ClusterId"] = $"bench-{Guid.NewGuid():N}",
    ["Serilog:MinimumLevel:Default"] = "Warning",
});
builder.Configuration.AddCommandLine(args);
await builder.AddAlavidaPlatformAsync();
var app = builder.Build();
app.MapAlavidaPlatform();
await app.StartAsync();
try
{
    var resolver = app.Services.GetRequiredService<IGrainFactory>().GetGrain<IIdentityResolverGrain>(0);
    var bench = new ResolutionBench(resolver);
    var results = new List<BenchResult>();

    // Warm: a known set of companies, their grains active (first resolution creates and activates them).
    var known = Enumerable.Range(0, 10_000).Select(i => new CompanyInput(Domain: $"warm-{i}-bench.com", Name: $"Warm {i} Inc")).ToArray();
    await bench.RunAsync("prime", 8, 100, known.Length, i => known[i % known.Length], ResolutionStatus.Created);
    await bench.RunAsync("warm-up", 8, 100, 100_000, i => known[i % known.Length], ResolutionStatus.Matched);
    foreach (var (callers, batch, total) in new[] { (1, 1, 30_000), (64, 1, 100_000), (1, 100, 300_000), (64, 100, 1_000_000) })
    {
        results.Add(await bench.RunAsync($"warm", callers, batch, total, i => known[i % known.Length], ResolutionStatus.Matched));
    }

    // Cold: every input a new company, created and persisted; these also populate the memory measurement.
    var before = Memory.Snapshot();
    var sequence = 0;
    CompanyInput Fresh(int i) => new(Domain: $"cold-{Interlocked.Increment(ref sequence)}-{i}-bench.org", Name: $"Cold {sequence} GmbH");
    foreach (var (callers, batch, total) in new[] { (1, 1, 2_000), (64, 1, 8_000), (1, 100, 20_000), (64, 100, 70_000) })
    {
        results.Add(await bench.RunAsync("cold", callers, batch, total, Fresh, ResolutionStatus.Created));
    }

    // The bulk cold path writes rows without activating grains: activate every created company (GetAsync) to measure.
    var grains = app.Services.GetRequiredService<IGrainFactory>();
    await Memory.ActivateAsync(grains, [.. bench.CreatedIds]);
    var after = Memory.Snapshot();
    var activeCompanies = await Memory.ActiveCompanyGrainsAsync(app.Services.GetRequiredService<IGrainFactory>());
    var created = sequence;

    Console.WriteLine();
    Console.WriteLine($"Machine: {Environment.ProcessorCount} cores, {Memory.TotalGiB()} GiB, {Memory.CpuModel()} · {DateTime.UtcNow:yyyy-MM-dd} · .NET {Environment.Version} · server GC {System.Runtime.GCSettings.IsServerGC} · load average {Memory.LoadAverage()}");
    Console.WriteLine();
    Console.WriteLine("| Run | Callers | Inputs per call | Inputs | Resolutions/s | p50 per call | p99 per call |");
    Console.WriteLine("|---|---|---|---|---|---|---|");
    foreach (var r in results)
    {
        Console.WriteLine($"| {r.Name} | {r.Callers} | {r.Batch} | {r.Total:N0} | {r.PerSecond:N0} | {r.P50.TotalMilliseconds:0.00} ms | {r.P99.TotalMilliseconds:0.00} ms |");
    }

    Console.WriteLine();
    var perGrain = (after.ManagedBytes - before.ManagedBytes) / (double)created;
    Console.WriteLine($"Memory: {created:N0} company grains created by the cold runs and then activated ({activeCompanies:N0} company grains active in total); " +
        $"managed heap +{(after.ManagedBytes - before.ManagedBytes) / 1048576.0:N0} MB, RSS +{(after.RssBytes - before.RssBytes) / 1048576.0:N0} MB " +
        $"→ {perGrain * 100_000 / 1048576.0:N0} MB managed per 100k active company grains ({perGrain:N0} B each).");
}
finally
{
    await app.StopAsync();
    await app.DisposeAsync();
    work.Delete(recursive: true);
}

internal sealed record BenchResult(string Name, int Callers, int Batch, int Total, double PerSecond, TimeSpan P50, TimeSpan P99);

/// <summary>Runs callers that each send batches until the total is reached; measures every call.</summary>
internal sealed class ResolutionBench(IIdentityResolverGrain resolver)
{
    public System.Collections.Concurrent.ConcurrentBag<Guid> CreatedIds { get; } = [];

    public async Task<BenchResult> RunAsync(string name, int callers, int batch, int total, Func<int, CompanyInput> input, ResolutionStatus expected)
    {
        var next = -batch;
        var latencies = new List<long>[callers];
        var start = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, callers).Select(c => Task.Run(async () =>
        {
            var mine = latencies[c] = [];
            int first;
            while ((first = Interlocked.Add(ref next, batch)) < total)
            {
                var inputs = Enumerable.Range(first, Math.Min(batch, total - first)).Select(input).ToArray();
                var t0 = Stopwatch.GetTimestamp();
                var results = await resolver.ResolveCompaniesAsync(inputs, "bench");
                mine.Add(Stopwatch.GetTimestamp() - t0);
                if (expected == ResolutionStatus.Created && name == "cold")
                {
                    foreach (var r in results)
                    {
                        CreatedIds.Add(r.CompanyId!.Value);
                    }
                }

                if (results.FirstOrDefault(r => r.Status != expected) is { } wrong)
                {
                    throw new InvalidOperationException($"{name}: expected {expected}, got {wrong.Status} ({wrong.Reason}).");
                }
            }
        })));
        var elapsed = Stopwatch.GetElapsedTime(start);
        var sorted = latencies.SelectMany(l => l).Order().ToArray();
        TimeSpan At(double q) => Stopwatch.GetElapsedTime(0, sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))]);
        var result = new BenchResult(name, callers, batch, total, total / elapsed.TotalSeconds, At(0.50), At(0.99));
        Console.WriteLine($"{name,-8} callers={callers,-3} batch={batch,-4} inputs={total,-9:N0} {result.PerSecond,10:N0}/s p50={result.P50.TotalMilliseconds:0.00} ms p99={result.P99.TotalMilliseconds:0.00} ms");
        return result;
    }
}
