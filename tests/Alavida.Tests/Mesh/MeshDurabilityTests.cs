using System.Collections.Concurrent;
using Alavida.Grains.Mesh;
using Alavida.Silo.Hosting;
using Alavida.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Alavida.Tests.Mesh;

public sealed class MeshDurabilityTests
{
    [Fact]
    public async Task RunOnAStoppedSilo_ContinuesOnTheOther_WithEachSideEffectOnce()
    {
        var db = await MeshHost.NewDatabaseAsync();
        await ExecuteAsync(db, "CREATE TABLE public.mesh_effects (run_id uuid NOT NULL, step text NOT NULL, silo text NOT NULL)");
        var cluster = ClusterIdentity.New();
        await using var a = await MeshHost.StartAsync(db, [Durable("a")], cluster: cluster);
        await using var b = await MeshHost.StartAsync(db, [Durable("b")], cluster: cluster, role: HostRole.Silo);
        await a.Host.WaitForMembershipAsync(s => s.ActiveCount() == 2, "both silos active");

        var waiting = Task.WhenAny(a.When("durable", RunStatus.Waiting), b.When("durable", RunStatus.Waiting));
        var key = Guid.NewGuid().ToString("N");
        var id = await a.SendAsync("durable/start", new { key });
        await (await waiting).Within(MeshHost.Limit, "the run to wait between its steps");

        var (first, survivor) = await ScalarTextAsync(db, "SELECT silo FROM public.mesh_effects WHERE step = 'one'") == "a" ? (a, b) : (b, a);
        await first.DisposeAsync();
        await survivor.Host.WaitForMembershipAsync(s => s.ActiveCount() == 1, "the first silo to leave");

        var done = survivor.When("durable");
        await survivor.SendAsync("durable/go", new { key });
        Assert.Equal(RunStatus.Completed, (await done.Within(MeshHost.Limit, "the run to finish on the survivor")).Status);

        var survivorLabel = survivor == a ? "a" : "b";
        Assert.Equal(1, await CountAsync(db, "SELECT count(*) FROM public.mesh_effects WHERE step = 'one'"));
        Assert.Equal(1, await CountAsync(db, $"SELECT count(*) FROM public.mesh_effects WHERE step = 'two' AND silo = '{survivorLabel}'"));
        var run = await survivor.RunOfAsync(id, "durable");
        Assert.Equal(["go", "one", "two"], run.Steps.Select(s => s.StepId).Order());
    }

    [Fact]
    public async Task Reconciliation_ResumesARunLeftRunningByADeadSilo_FromItsLastMemoizedStep()
    {
        var db = await MeshHost.NewDatabaseAsync();
        var runId = Guid.NewGuid();
        var eventId = $"e-{runId:N}";
        await ExecuteAsync(db, $"""
            INSERT INTO mesh.events (id, name, data, ts, trace_id, received_at) VALUES ('{eventId}', 'recover/start', '{"{}"}', 1, 'trace-{runId:N}', now());
            INSERT INTO mesh.runs (run_id, function_id, event_id, status, trace_id, attempts, created_at, started_at)
                VALUES ('{runId}', 'recover', '{eventId}', 'running', 'trace-{runId:N}', 1, now(), now());
            INSERT INTO mesh.steps (run_id, step_id, name, status, started_at, ended_at, output)
                VALUES ('{runId}', 'one', 'one', 'completed', now(), now(), '41');
            """);
        var executed = new ConcurrentBag<string>();
        var recover = new MeshFunctionDefinition
        {
            Id = "recover",
            Triggers = [MeshTrigger.OnEvent("recover/start")],
            Handler = async ctx =>
            {
                var one = await ctx.Run("one", () =>
                {
                    executed.Add("one");
                    return Task.FromResult(0);
                });
                return await ctx.Run("two", () =>
                {
                    executed.Add("two");
                    return Task.FromResult(one + 1);
                });
            },
        };

        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = await MeshHost.StartAsync(db, [recover], time);
        var run = await WaitForStatusAsync(host, runId, RunStatus.Completed);

        Assert.Equal(["two"], executed);
        Assert.Equal("42", run.OutputJson);
        Assert.Equal($"trace-{runId:N}", run.Run.TraceId);
    }

    [Fact]
    public async Task Reconciliation_StartsAQueuedRunItsGateCountsAsRunning_WhoseStartDiedWithItsSilo()
    {
        // A gate handed the run its slot and its grain started it, but the silo died before the run's 'running' write
        // (which waits to ride with the run's next write): the database says queued, the surviving gate says running.
        var db = await MeshHost.NewDatabaseAsync();
        var runId = Guid.NewGuid();
        var eventId = $"e-{runId:N}";
        var gated = new MeshFunctionDefinition
        {
            Id = "gated",
            Triggers = [MeshTrigger.OnEvent("gated/start")],
            Concurrency = [new MeshConcurrency(1)],
            Handler = async ctx => await ctx.Run("only", () => Task.FromResult(42)),
        };
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = await MeshHost.StartAsync(db, [gated], time);
        await ExecuteAsync(db, $"""
            INSERT INTO mesh.events (id, name, data, ts, trace_id, received_at) VALUES ('{eventId}', 'gated/start', '{"{}"}', 1, 'trace-{runId:N}', now());
            INSERT INTO mesh.runs (run_id, function_id, event_id, status, trace_id, attempts, created_at)
                VALUES ('{runId}', 'gated', '{eventId}', 'queued', 'trace-{runId:N}', 0, now());
            """);
        var router = host.Host.Services.GetRequiredService<MeshRouter>();
        var e = (await host.Mesh.GetEventAsync(eventId, null))!.Event.Event;
        var ticket = router.TicketFor(runId, "gated", e, DateTimeOffset.UtcNow, resume: true)!;
        await host.Host.Grains.GetGrain<IFlowGateGrain>(ticket.GateKeys[0]).SubmitAsync([ticket with { AlreadyRunning = true }]);

        await host.Host.Services.GetRequiredService<MeshReconciler>().ReconcileAsync();
        var run = await WaitForStatusAsync(host, runId, RunStatus.Completed);

        Assert.Equal("42", run.OutputJson);
    }

    private static MeshFunctionDefinition Durable(string silo) => new()
    {
        Id = "durable",
        Triggers = [MeshTrigger.OnEvent("durable/start")],
        Handler = async ctx =>
        {
            await ctx.Run("one", () => RecordAsync(ctx, "one", silo));
            await ctx.WaitForEvent("go", "durable/go", TimeSpan.FromHours(1), match: "data.key");
            await ctx.Run("two", () => RecordAsync(ctx, "two", silo));
            return silo;
        },
    };

    private static async Task<int> RecordAsync(MeshContext ctx, string step, string silo)
    {
        await using var cmd = ctx.Services.GetRequiredService<NpgsqlDataSource>().CreateCommand("INSERT INTO public.mesh_effects (run_id, step, silo) VALUES (@r, @s, @silo)");
        cmd.Parameters.AddWithValue("r", ctx.RunId);
        cmd.Parameters.AddWithValue("s", step);
        cmd.Parameters.AddWithValue("silo", silo);
        return await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>The run is resumed by the silo's start-up pass; its completion is the signal (polling the detail is not needed: the monitor may have fired before we subscribed).</summary>
    private static async Task<RunDetail> WaitForStatusAsync(MeshHost host, Guid runId, string status)
    {
        var signal = host.Monitor.WaitAsync(c => c.RunId == runId && c.Status == status);
        var detail = await host.Mesh.GetRunAsync(runId, null);
        if (detail?.Run.Status != status)
        {
            await signal.Within(MeshHost.Limit, $"run {runId} to become {status}");
            detail = await host.Mesh.GetRunAsync(runId, null);
        }

        return detail!;
    }

    private static async Task ExecuteAsync(string db, string sql)
    {
        await using var connection = new NpgsqlConnection(db);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, connection);
        await cmd.ExecuteNonQueryAsync();
    }

    private static async Task<long> CountAsync(string db, string sql)
    {
        await using var connection = new NpgsqlConnection(db);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await cmd.ExecuteScalarAsync());
    }

    private static async Task<string?> ScalarTextAsync(string db, string sql)
    {
        await using var connection = new NpgsqlConnection(db);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, connection);
        return (string?)await cmd.ExecuteScalarAsync();
    }
}
