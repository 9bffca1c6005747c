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
