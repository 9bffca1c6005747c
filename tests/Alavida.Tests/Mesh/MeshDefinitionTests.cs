using Alavida.Grains.Mesh;

namespace Alavida.Tests.Mesh;

public sealed class MeshDefinitionTests
{
    private static readonly Func<MeshContext, Task<object?>> Noop = _ => Task.FromResult<object?>(null);

    [Fact]
    public void Validate_NamesEveryProblem_OfAnInvalidDefinition()
    {
        var problems = MeshFunctionRegistry.Validate(new MeshFunctionDefinition
        {
            Id = "Bad Id",
            Triggers = [MeshTrigger.OnEvent("x/y", "event.data. =="), MeshTrigger.OnCron("not a cron"), new MeshTrigger(null, null, null, null)],
            Concurrency = [new MeshConcurrency(0), new MeshConcurrency(1, Scope: MeshConcurrencyScope.Account), new MeshConcurrency(1)],
            Retries = new MeshRetries(99),
            Throttle = new MeshThrottle(0, TimeSpan.Zero),
            Debounce = new MeshDebounce(TimeSpan.FromSeconds(-1)),
            CancelOn = [new MeshCancelOn("x/cancel", "order_id")],
            Timeouts = new MeshTimeouts(Finish: TimeSpan.Zero),
            Idempotency = "event.data.(",
            Handler = Noop,
        });

        Assert.Contains(problems, p => p.StartsWith("id:"));
        Assert.Contains(problems, p => p.StartsWith("triggers[0].if: invalid CEL expression"));
        Assert.Contains(problems, p => p.StartsWith("triggers[1].cron:"));
        Assert.Contains(problems, p => p.StartsWith("triggers[2]: give exactly one of event or cron"));
        Assert.Contains(problems, p => p.StartsWith("concurrency: at most 2"));
        Assert.Contains(problems, p => p.StartsWith("concurrency[0].limit"));
        Assert.Contains(problems, p => p.StartsWith("concurrency[1].key: account scope"));
        Assert.Contains(problems, p => p.StartsWith("retries.count"));
        Assert.Contains(problems, p => p.StartsWith("throttle:"));
        Assert.Contains(problems, p => p.StartsWith("debounce.period"));
        Assert.Contains(problems, p => p.StartsWith("cancelOn[0].match"));
        Assert.Contains(problems, p => p.StartsWith("timeouts:"));
        Assert.Contains(problems, p => p.StartsWith("idempotency: invalid CEL expression"));
    }

    [Fact]
    public void GateKeys_HoldEachTeamApart_ExceptAnAccountScopedLimit_WhichTheWholePlatformShares()
    {
        var function = new MeshFunctionRegistry([new MeshFunctionDefinition
        {
            Id = "gated",
            Triggers = [MeshTrigger.OnEvent("x/y")],
            Debounce = new MeshDebounce(TimeSpan.FromSeconds(1), Key: "event.data.k"),
            Throttle = new MeshThrottle(1, TimeSpan.FromSeconds(1)),
            Concurrency = [new MeshConcurrency(1, Key: "event.data.k"), new MeshConcurrency(1, Key: "event.data.k", Scope: MeshConcurrencyScope.Account)],
            Handler = Noop,
        }]).Find("gated")!;
        string[] KeysOf(string? team) =>
            function.GateKeys(MeshExpressions.Variables(MeshEvents.Create("x/y", new { k = "same" }, team)));

        string[] a = KeysOf("team-a"), b = KeysOf("team-b"), none = KeysOf(null);

        Assert.Equal(4, a.Length);
        for (var gate = 0; gate < 3; gate++)
        {
            Assert.Equal(3, new[] { a[gate], b[gate], none[gate] }.Distinct().Count());
        }

        Assert.Equal(a[3], b[3]);
        Assert.Equal(a[3], none[3]);
    }

    [Fact]
    public void Registry_RejectsDuplicateIds_WithTheFunctionNamed()
    {
        var function = new MeshFunctionDefinition { Id = "twice", Triggers = [MeshTrigger.OnEvent("x/y")], Handler = Noop };

        var error = Assert.Throws<MeshDefinitionException>(() => new MeshFunctionRegistry([function, function]));

        Assert.Contains("'twice'", error.Message);
        Assert.Equal(["id: another function already has this id"], error.Problems);
    }

    [Fact]
    public async Task Silo_RefusesToStart_WithAnInvalidFunction()
    {
        var invalid = new MeshFunctionDefinition { Id = "broken", Triggers = [], Handler = Noop };

        var error = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var host = await MeshHost.StartAsync(await MeshHost.NewDatabaseAsync(), [invalid]);
        });

        var definition = Assert.IsType<MeshDefinitionException>(Unwrap(error));
        Assert.Contains("triggers: at least one event or cron trigger is required", definition.Message);
    }

    private static Exception Unwrap(Exception error)
    {
        while (error is not MeshDefinitionException && error.InnerException is { } inner)
        {
            error = inner;
        }

        return error;
    }
}
