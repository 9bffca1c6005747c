using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using Alavida.Grains.Mesh;
using Alavida.Silo.Hosting;
using Bench;
using Npgsql;

namespace Alavida.Bench;

/// <summary>
/// chain-fanout on the Alavida mesh: the whole platform host (silo + gateway, as `dotnet run --project src/Silo`
/// starts it) with three mesh functions. Stage 1 runs one step (the bulk insert) and one SendEvent step (N events,
/// persisted with their N runs in one commit); stage 2 (concurrency 8) and stage 3 (concurrency 8) each run their
/// insert as a memoized step, stage 2 then a SendEvent step. Every event, run, step memo and run status is written
/// to PostgreSQL through the mesh's write batcher before the caller continues; dispatch is in memory.
/// </summary>
public sealed class MeshSystem : IChainSystem
{
    private readonly List<List<double>> _overheads = [];
    private readonly List<List<double>> _batchDurations = [];
    private readonly List<List<double>> _batchSizes = [];
    private MeterListener? _listener;
    private WebApplication? _app;
    private IMeshGrain? _mesh;
    private int _runs = 3;

    public string Name => "alavida-mesh";

    public string Describe(BenchOptions options) =>
        $"Alavida mesh (Orleans 10.4.2 silo in-process, host={options.Opt("host", "bare")}, steps={options.Opt("steps", "tx")}, write-behind batcher); lead concurrency {options.LeadConcurrency}, signals concurrency {options.OtherConcurrency}, icp unlimited (one run)";

    public async Task StartAsync(BenchOptions options, CancellationToken ct)
    {
        _runs = options.Runs;
        StartListening();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production", ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = options.ConnectionString,
            ["Orleans:ClusterId"] = "bench",
            ["Orleans:ServiceId"] = "bench",
            ["Orleans:SiloPort"] = FreePort().ToString(),
            ["Orleans:GatewayPort"] = FreePort().ToString(),
            ["Urls"] = "http://127.0.0.1:0",
            ["Serilog:MinimumLevel:Default"] = "Warning",
        });
        // steps=tx (default): each stage's SQL runs in a database step (RunInTransaction) that commits it with the
        // step's memo and the events it sends, as the peers commit a handler's SQL with its outgoing messages.
        // steps=plain: the SQL commits on its own connection inside Run, and SendEvent is a step of its own.
        if (options.Opt("steps", "tx") == "plain")
        {
            builder.Services.AddMeshFunction(Icp());
            builder.Services.AddMeshFunction(Lead(options.LeadConcurrency));
            builder.Services.AddMeshFunction(Signals(options.OtherConcurrency));
        }
        else
        {
            builder.Services.AddMeshFunction(IcpInTransaction());
            builder.Services.AddMeshFunction(LeadInTransaction(options.LeadConcurrency));
            builder.Services.AddMeshFunction(SignalsInTransaction(options.OtherConcurrency));
        }

        var platform = options.Opt("host", "bare") == "platform";
        if (platform)
        {
            // The whole platform as `dotnet run --project src/Silo` starts it: OpenTelemetry, dashboard, health, API.
            await builder.AddAlavidaPlatformAsync();
        }
        else
        {
            // The messaging machinery alone, like the peers: PostgreSQL + migrations, one silo with the mesh, no
            // telemetry exporters or dashboard. Single process, so in-memory membership.
            await builder.AddAlavidaDatabaseAsync();
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            builder.UseOrleans(silo => silo.UseLocalhostClustering(FreePort(), FreePort()).AddAlavidaMesh(options.ConnectionString));
        }

        _app = builder.Build();
        if (platform)
        {
            _app.MapAlavidaPlatform();
        }

        await _app.StartAsync(ct);
        _mesh = _app.Services.GetRequiredService<IGrainFactory>().GetGrain<IMeshGrain>(0);
    }

    public async Task PublishSeedAsync(Seed seed, CancellationToken ct)
    {
        lock (_overheads)
        {
            _overheads.Add([]);
            _batchDurations.Add([]);
            _batchSizes.Add([]);
        }

        var result = await _mesh!.SendAsync([MeshEvents.Create("bench/seed", seed, seed.TeamId, id: $"seed-{seed.RunId:N}")]);
        if (!result.Accepted)
        {
            throw new InvalidOperationException(string.Join("; ", result.Errors));
        }
    }

    public async Task<long> BacklogAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT count(*) FROM mesh.runs WHERE status IN ('queued', 'running', 'sleeping', 'waiting')", conn);
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }

    public async Task StopAsync(CancellationToken ct)
    {
        ReportOverhead();
        if (_app is not null)
        {
            await _app.StopAsync(ct);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener?.Dispose();
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    private static MeshFunctionDefinition Icp() => new()
    {
        Id = "bench-icp",
        Triggers = [MeshTrigger.OnEvent("bench/seed")],
        Handler = async ctx =>
        {
            var seed = ctx.DataAs<Seed>();
            var data = ctx.Services.GetRequiredService<NpgsqlDataSource>();
            await ctx.Run("insert", async () =>
            {
                using var _ = Probes.Icp.Enter();
                await using var conn = await data.OpenConnectionAsync(ctx.CancellationToken);
                await Workload.InsertIcpAsync(conn, null, seed, ctx.CancellationToken);
                return seed.CompanyIds.Length;
            });
            await ctx.SendEvent("qualified", seed.CompanyIds
                .Select(c => MeshEvents.Create("bench/company.qualified", new CompanyQualified(seed.RunId, seed.TeamId, c, Workload.IcpScore(c)), seed.TeamId))
                .ToArray());
            return null;
        },
    };

    private static MeshFunctionDefinition Lead(int concurrency) => new()
    {
        Id = "bench-lead",
        Triggers = [MeshTrigger.OnEvent("bench/company.qualified")],
        Concurrency = [new MeshConcurrency(concurrency)],
        Handler = async ctx =>
        {
            var message = ctx.DataAs<CompanyQualified>();
            var data = ctx.Services.GetRequiredService<NpgsqlDataSource>();
            await ctx.Run("insert", async () =>
            {
                using var _ = Probes.Lead.Enter();
                await using var conn = await data.OpenConnectionAsync(ctx.CancellationToken);
                await Workload.InsertLeadAsync(conn, null, message.CompanyId, ctx.CancellationToken);
                return 1;
            });
            await ctx.SendEvent("completed", MeshEvents.Create("bench/lead.completed", new LeadCompleted(message.RunId, message.TeamId, message.CompanyId), message.TeamId));
            return null;
        },
    };

    private static MeshFunctionDefinition Signals(int concurrency) => new()
    {
        Id = "bench-signals",
        Triggers = [MeshTrigger.OnEvent("bench/lead.completed")],
        Concurrency = [new MeshConcurrency(concurrency)],
        Handler = async ctx =>
        {
            var message = ctx.DataAs<LeadCompleted>();
            var data = ctx.Services.GetRequiredService<NpgsqlDataSource>();
            await ctx.Run("insert", async () =>
            {
                using var _ = Probes.Signals.Enter();
                await using var conn = await data.OpenConnectionAsync(ctx.CancellationToken);
                await Workload.InsertSignalAsync(conn, null, message.CompanyId, ctx.CancellationToken);
                return 1;
            });
            return null;
        },
    };

    private static MeshFunctionDefinition IcpInTransaction() => new()
    {
        Id = "bench-icp",
        Triggers = [MeshTrigger.OnEvent("bench/seed")],
        Handler = async ctx =>
        {
            var seed = ctx.DataAs<Seed>();
            return await ctx.RunInTransaction("insert", async tx =>
            {
                using var _ = Probes.Icp.Enter();
                await Workload.InsertIcpAsync(tx.Connection, tx.Transaction, seed, ctx.CancellationToken);
                tx.SendEvent(seed.CompanyIds
                    .Select(c => MeshEvents.Create("bench/company.qualified", new CompanyQualified(seed.RunId, seed.TeamId, c, Workload.IcpScore(c)), seed.TeamId))
                    .ToArray());
                return seed.CompanyIds.Length;
            });
        },
    };

    private static MeshFunctionDefinition LeadInTransaction(int concurrency) => new()
    {
        Id = "bench-lead",
        Triggers = [MeshTrigger.OnEvent("bench/company.qualified")],
        Concurrency = [new MeshConcurrency(concurrency)],
        Handler = async ctx =>
        {
            var message = ctx.DataAs<CompanyQualified>();
            return await ctx.RunInTransaction("insert", async tx =>
            {
                using var _ = Probes.Lead.Enter();
                await Workload.InsertLeadAsync(tx.Connection, tx.Transaction, message.CompanyId, ctx.CancellationToken);
                tx.SendEvent(MeshEvents.Create("bench/lead.completed", new LeadCompleted(message.RunId, message.TeamId, message.CompanyId), message.TeamId));
                return 1;
            });
        },
    };

    private static MeshFunctionDefinition SignalsInTransaction(int concurrency) => new()
    {
        Id = "bench-signals",
        Triggers = [MeshTrigger.OnEvent("bench/lead.completed")],
        Concurrency = [new MeshConcurrency(concurrency)],
        Handler = async ctx =>
        {
            var message = ctx.DataAs<LeadCompleted>();
            return await ctx.RunInTransaction("insert", async tx =>
            {
                using var _ = Probes.Signals.Enter();
                await Workload.InsertSignalAsync(tx.Connection, tx.Transaction, message.CompanyId, ctx.CancellationToken);
                return 1;
            });
        },
    };

    private void StartListening()
    {
        _listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == MeshMonitor.Name && instrument.Name is "mesh.step.overhead" or "mesh.store.batch.duration" or "mesh.store.batch.size")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        _listener.SetMeasurementEventCallback<double>((instrument, value, _, _) =>
        {
            lock (_overheads)
            {
                if (_overheads.Count > 0)
                {
                    (instrument.Name == "mesh.step.overhead" ? _overheads : _batchDurations)[^1].Add(value);
                }
            }
        });
        _listener.SetMeasurementEventCallback<int>((_, value, _, _) =>
        {
            lock (_overheads)
            {
                if (_batchSizes.Count > 0)
                {
                    _batchSizes[^1].Add(value);
                }
            }
        });
        _listener.Start();
    }

    /// <summary>Per-step overhead (step returned → memo durable) over the measured runs (the last <c>--runs</c>).</summary>
    private void ReportOverhead()
    {
        lock (_overheads)
        {
            Report("STEP_OVERHEAD_MS", _overheads);
            Report("BATCH_COMMIT_MS", _batchDurations);
            Report("BATCH_SIZE", _batchSizes);
        }
    }

    private void Report(string label, List<List<double>> perRun)
    {
        var samples = perRun.TakeLast(_runs).SelectMany(s => s).Order().ToList();
        if (samples.Count == 0)
        {
            return;
        }

        double Percentile(double p) => samples[Math.Min(samples.Count - 1, (int)Math.Ceiling(p * samples.Count) - 1)];
        Console.WriteLine($"{label}\tn={samples.Count}\tp50={Percentile(0.50):F3}\tp99={Percentile(0.99):F3}\tmax={samples[^1]:F3}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
