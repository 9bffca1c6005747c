using System.Collections.Concurrent;
using Alavida.Grains.Mesh;
using Alavida.Tests.Infrastructure;

namespace Alavida.Tests.Mesh;

public sealed class MeshFanOutFixture : MeshFixture
{
    public const int Limit = 5;

    private readonly ConcurrentDictionary<string, int> _current = new();
    private int _teamBFinished;

    /// <summary>Completes when team B's ten consumers have done their work.</summary>
    public TaskCompletionSource TeamBDone { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ConcurrentDictionary<string, int> Max { get; } = new();

    public ConcurrentDictionary<string, int> Executions { get; } = new();

    /// <summary>Team A's consumers hold their slot until the test opens this gate.</summary>
    public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when team A fills its 5 slots.</summary>
    public TaskCompletionSource Saturated { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    protected override IEnumerable<MeshFunctionDefinition> Functions() =>
    [
        new()
        {
            Id = "fan-emitter",
            Triggers = [MeshTrigger.OnEvent("fan/start")],
            Handler = async ctx =>
            {
                var team = ctx.Data.GetProperty("team").GetString()!;
                var count = ctx.Data.GetProperty("count").GetInt32();
                var ids = await ctx.SendEvent("emit", Enumerable.Range(1, count).Select(i => MeshEvents.Create("fan/company", new { team, company = i }, team)).ToArray());
                return ids.Count;
            },
        },
        new()
        {
            Id = "fan-consumer",
            Triggers = [MeshTrigger.OnEvent("fan/company")],
            Concurrency = [new MeshConcurrency(Limit, "event.data.team")],
            Handler = async ctx =>
            {
                var team = ctx.Data.GetProperty("team").GetString()!;
                await ctx.Run("work", async () =>
                {
                    var now = _current.AddOrUpdate(team, 1, (_, n) => n + 1);
                    Max.AddOrUpdate(team, now, (_, m) => Math.Max(m, now));
                    Executions.AddOrUpdate(team, 1, (_, n) => n + 1);
                    if (team == "team-a")
                    {
                        if (now == Limit)
                        {
                            Saturated.TrySetResult();
                        }

                        await Gate.Task;
                    }

                    _current.AddOrUpdate(team, 0, (_, n) => n - 1);
                });
                if (team == "team-b" && Interlocked.Increment(ref _teamBFinished) == 10)
                {
                    TeamBDone.TrySetResult();
                }

                return team;
            },
        },
    ];
}

public sealed class MeshFanOutTests(MeshFanOutFixture fixture) : IClassFixture<MeshFanOutFixture>
{
    [Fact]
    public async Task FanOut_RespectsThePerTeamConcurrencyLimit_WithoutStarvingAnotherTeam()
    {
        var host = fixture.Host;
        var allDone = CountAsync(host, 40);
        var running = new ConcurrentDictionary<Guid, bool>();
        var teamARunning = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        HashSet<Guid>? teamA = null;
        void Check()
        {
            if (Volatile.Read(ref teamA) is { } ids && running.Keys.Count(ids.Contains) >= MeshFanOutFixture.Limit)
            {
                teamARunning.TrySetResult();
            }
        }

        host.Monitor.Changed += c =>
        {
            if (c.FunctionId == "fan-consumer" && c.Status == RunStatus.Running)
            {
                running[c.RunId] = true;
                Check();
            }
        };
        var start = await host.SendAsync("fan/start", new { team = "team-a", count = 30 }, "team-a");
        await fixture.Saturated.Task.Within(MeshHost.Limit, "team A to fill its five slots");
        Volatile.Write(ref teamA, (await RunIdsAsync(host, "team-a")).ToHashSet());
        Check();
        // A run's "running" status is written behind its first step: wait until team A's five are recorded.
        await teamARunning.Task.Within(MeshHost.Limit, "team A's running status to be written");

        // Team A holds all its slots with 25 runs queued behind them; team B's ten runs still go through.
        await host.SendAsync("fan/start", new { team = "team-b", count = 10 }, "team-b");
        await fixture.TeamBDone.Task.Within(MeshHost.Limit, "team B's runs while team A is saturated");
        Assert.Equal(MeshFanOutFixture.Limit, fixture.Executions["team-a"]);
        Assert.Equal(25, await host.ScalarAsync("SELECT count(*) FROM mesh.runs WHERE function_id = 'fan-consumer' AND team_id = 'team-a' AND status = 'queued'"));

        fixture.Gate.SetResult();
        await allDone.Within(MeshHost.Limit, "all forty runs to complete");

        Assert.Equal(30, fixture.Executions["team-a"]);
        Assert.Equal(10, fixture.Executions["team-b"]);
        Assert.Equal(MeshFanOutFixture.Limit, fixture.Max["team-a"]);
        Assert.InRange(fixture.Max["team-b"], 1, MeshFanOutFixture.Limit);
        Assert.Equal(40, await host.ScalarAsync("SELECT count(*) FROM mesh.runs WHERE function_id = 'fan-consumer' AND status = 'completed'"));
        // Fan-out shares the trace id that entered with the first event.
        Assert.Equal(30, await host.ScalarAsync("SELECT count(*) FROM mesh.runs WHERE function_id = 'fan-consumer' AND trace_id = @t", ("t", start)));
    }

    private static async Task<List<Guid>> RunIdsAsync(MeshHost host, string team)
    {
        await using var connection = new Npgsql.NpgsqlConnection(host.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("SELECT run_id FROM mesh.runs WHERE function_id = 'fan-consumer' AND team_id = @team", connection);
        command.Parameters.AddWithValue("team", team);
        var ids = new List<Guid>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetGuid(0));
        }

        return ids;
    }

    private static Task<RunChange> CountAsync(MeshHost host, int count)
    {
        var remaining = count;
        return host.Monitor.WaitAsync(c => c.FunctionId == "fan-consumer" && c.Status == RunStatus.Completed && Interlocked.Decrement(ref remaining) == 0);
    }
}
