using System.Collections.Concurrent;
using System.Text.Json;
using Alavida.Grains.Mesh;
using Alavida.Tests.Infrastructure;

namespace Alavida.Tests.Mesh;

public sealed class MeshFlowFixture : MeshFixture
{
    public ConcurrentDictionary<string, int> Executions { get; } = new();

    public TaskCompletionSource<MeshFailure> FailureHandled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Count(string key) => Executions.GetValueOrDefault(key);

    protected override IEnumerable<MeshFunctionDefinition> Functions() =>
    [
        new() { Id = "route-big", Triggers = [MeshTrigger.OnEvent("test/routed", "event.data.n > 1")], Handler = ctx => Task.FromResult<object?>(ctx.Data.GetProperty("n").GetInt32()) },
        new() { Id = "route-all", Triggers = [MeshTrigger.OnEvent("test/routed")], Handler = ctx => Task.FromResult<object?>("all") },
        new()
        {
            Id = "memo",
            Triggers = [MeshTrigger.OnEvent("test/memo")],
            Retries = new MeshRetries(2, BaseDelay: TimeSpan.FromSeconds(10)),
            Handler = async ctx =>
            {
                var a = await ctx.Run("a", () => Task.FromResult(Executions.AddOrUpdate("memo:a", 1, (_, n) => n + 1)));
                await ctx.Run("b", () =>
                {
                    Executions.AddOrUpdate("memo:b", 1, (_, n) => n + 1);
                    throw new InvalidOperationException($"b fails (a was {a})");
                });
                return "unreachable";
            },
            OnFailure = (ctx, failure) =>
            {
                FailureHandled.TrySetResult(failure);
                return Task.CompletedTask;
            },
        },
        new()
        {
            Id = "nonretriable",
            Triggers = [MeshTrigger.OnEvent("test/nonretriable")],
            Retries = new MeshRetries(5),
            Handler = async ctx =>
            {
                await ctx.Run("refuse", () =>
                {
                    Executions.AddOrUpdate("nonretriable", 1, (_, n) => n + 1);
                    return Task.FromException<int>(new NonRetriableException("the input can never succeed"));
                });
                return null;
            },
        },
        new()
        {
            Id = "idempotent",
            Triggers = [MeshTrigger.OnEvent("test/idem")],
            Idempotency = "event.data.key",
            Handler = ctx => Task.FromResult<object?>(ctx.Data.GetProperty("key").GetString()),
        },
        new()
        {
            Id = "parallel",
            Triggers = [MeshTrigger.OnEvent("test/parallel")],
            Handler = async ctx =>
            {
                var results = await Task.WhenAll(ctx.Run("p", () => Task.FromResult(1)), ctx.Run("p", () => Task.FromResult(2)), ctx.Run("q", () => Task.FromResult(3)));
                return results.Sum();
            },
        },
        new()
        {
            Id = "parent",
            Triggers = [MeshTrigger.OnEvent("test/parent")],
            Handler = async ctx =>
            {
                var child = await ctx.Invoke("double", "child", new { x = 20 });
                return child.GetProperty("doubled").GetInt32() + 1;
            },
        },
        new()
        {
            Id = "tx-step",
            Triggers = [MeshTrigger.OnEvent("test/tx")],
            Retries = new MeshRetries(1, BaseDelay: TimeSpan.FromSeconds(1)),
            Handler = async ctx =>
            {
                var key = ctx.Data.GetProperty("key").GetString()!;
                return await ctx.RunInTransaction("write", async tx =>
                {
                    await using var command = new Npgsql.NpgsqlCommand(
                        "CREATE TABLE IF NOT EXISTS public.mesh_tx_test (key text, attempt int); INSERT INTO public.mesh_tx_test VALUES (@key, @attempt)",
                        tx.Connection, tx.Transaction);
                    command.Parameters.AddWithValue("key", key);
                    command.Parameters.AddWithValue("attempt", ctx.Attempt);
                    await command.ExecuteNonQueryAsync();
                    tx.SendEvent(MeshEvents.Create("test/tx.done", new { key }));
                    return ctx.Attempt == 1 ? throw new InvalidOperationException("fails after its SQL and its event") : key;
                });
            },
        },
        new()
        {
            Id = "tx-follower",
            Triggers = [MeshTrigger.OnEvent("test/tx.done")],
            Handler = ctx => Task.FromResult<object?>(ctx.Data.GetProperty("key").GetString()),
        },
        new()
        {
            Id = "sender",
            Triggers = [MeshTrigger.OnEvent("test/send")],
            Retries = new MeshRetries(2, BaseDelay: TimeSpan.FromSeconds(1)),
            Handler = async ctx =>
            {
                var key = ctx.Data.GetProperty("key").GetString()!;
                await ctx.Run("count", () => Task.FromResult(Executions.AddOrUpdate($"sender:{key}", 1, (_, n) => n + 1)));
                await ctx.SendEvent("out", MeshEvents.Create("test/sent", new { key }));
                return key;
            },
        },
        new()
        {
            Id = "receiver",
            Triggers = [MeshTrigger.OnEvent("test/sent")],
            Handler = ctx => Task.FromResult<object?>(Executions.AddOrUpdate($"receiver:{ctx.Data.GetProperty("key").GetString()}", 1, (_, n) => n + 1)),
        },
        new()
        {
            Id = "child",
            Triggers = [MeshTrigger.OnEvent("test/child")],
            Handler = ctx => Task.FromResult<object?>(new { doubled = ctx.Data.GetProperty("x").GetInt32() * 2 }),
        },
    ];
}

public sealed class MeshFlowTests(MeshFlowFixture fixture) : IClassFixture<MeshFlowFixture>
{
    private MeshHost Host => fixture.Host;

    [Fact]
    public async Task Send_StartsOneRunPerMatchingFunction_AndHonoursTheIfExpression()
    {
        var big = Host.When("route-big");
        var all = Host.When("route-all");
        var id = await Host.SendAsync("test/routed", new { n = 5 }, "team-a");
        await Task.WhenAll(big, all).WaitAsync(MeshHost.Limit);

        var unfiltered = Host.When("route-all"); // before the send: the run can finish before SendAsync returns
        var small = await Host.SendAsync("test/routed", new { n = 0 }, "team-a");
        await unfiltered.Within(MeshHost.Limit, "the unfiltered run");

        var detail = await Host.Mesh.GetEventAsync(id, "team-a");
        Assert.Equal(["route-all", "route-big"], detail!.Runs.Select(r => r.FunctionId).Order());
        Assert.Equal("5", (await Host.RunOfAsync(id, "route-big")).OutputJson);
        Assert.Equal(["route-all"], (await Host.Mesh.GetEventAsync(small, null))!.Runs.Select(r => r.FunctionId));
        Assert.All(detail.Runs, r => Assert.Equal(id, r.TraceId));
    }

    [Fact]
    public async Task Send_AcceptsADuplicateIdOnce_WithoutASecondRun()
    {
        var id = $"dup-{Guid.NewGuid():N}";
        var first = await Host.Mesh.SendAsync([MeshEvents.Create("test/idem", new { key = id }, id: id)]);
        var second = await Host.Mesh.SendAsync([MeshEvents.Create("test/idem", new { key = id + "-other" }, id: id)]);

        Assert.Empty(first.Duplicates);
        Assert.Equal([id], second.Duplicates);
        Assert.Equal(1, await Host.ScalarAsync("SELECT count(*) FROM mesh.events WHERE id = @id", ("id", id)));
        Assert.Equal(1, await Host.ScalarAsync("SELECT count(*) FROM mesh.runs WHERE event_id = @id", ("id", id)));
    }

    [Fact]
    public async Task Send_DeduplicatesPerTeam_EventsWithoutATeamKeepTheirOwnNamespace_AndRunsResolveTheirTeamsEvent()
    {
        var id = $"per-team-{Guid.NewGuid():N}";
        var finished = new ConcurrentDictionary<Guid, bool>();
        var three = Host.Monitor.WaitAsync(c => c.FunctionId == "route-big" && RunStatus.IsFinal(c.Status) && finished.TryAdd(c.RunId, true) && finished.Count == 3);

        // One request, one write batch: the same id under two teams and without a team is three events.
        var first = await Host.Mesh.SendAsync(
        [
            MeshEvents.Create("test/routed", new { n = 2 }, "team-a", id),
            MeshEvents.Create("test/routed", new { n = 3 }, null, id),
            MeshEvents.Create("test/routed", new { n = 4 }, "team-b", id),
        ]);
        await three.Within(MeshHost.Limit, "the three route-big runs");
        var again = await Host.Mesh.SendAsync([MeshEvents.Create("test/routed", new { n = 5 }, "team-a", id), MeshEvents.Create("test/routed", new { n = 6 }, null, id)]);

        Assert.Empty(first.Duplicates);
        Assert.Equal([id, id], again.Duplicates);
        Assert.Equal(3, await Host.ScalarAsync("SELECT count(*) FROM mesh.events WHERE id = @id", ("id", id)));
        var events = await Host.Mesh.FindEventsAsync(id, null);
        Assert.Equal([null, "team-a", "team-b"], events.Select(e => e.Event.Event.TeamId).Order());
        foreach (var stored in events)
        {
            var run = Assert.Single(stored.Runs, r => r.FunctionId == "route-big");
            Assert.Equal(stored.Event.Event.TeamId, run.TeamId);
            var n = JsonDocument.Parse(stored.Event.Event.DataJson).RootElement.GetProperty("n").GetInt32();
            Assert.Equal(n.ToString(System.Globalization.CultureInfo.InvariantCulture), (await Host.Mesh.GetRunAsync(run.RunId, null))!.OutputJson);
        }

        Assert.Equal("team-a", Assert.Single(await Host.Mesh.FindEventsAsync(id, "team-a")).Event.Event.TeamId);
        Assert.Empty(await Host.Mesh.FindEventsAsync(id, "team-c"));
        Assert.Null(await Host.Mesh.GetEventAsync(id, null));

        // A replay starts from the event of the run's own team, not from another team's event with the same id.
        var ofB = events.Single(e => e.Event.Event.TeamId == "team-b").Runs.Single(r => r.FunctionId == "route-big");
        var replayed = Host.When("route-big");
        var replay = await Host.Mesh.ReplayRunAsync(ofB.RunId, "team-b");
        await replayed.Within(MeshHost.Limit, "the replay");
        Assert.Equal("4", (await Host.Mesh.GetRunAsync(replay.RunId!.Value, "team-b"))!.OutputJson);
    }

    [Fact]
    public async Task Send_RejectsMalformedEvents_WithTheFieldAndReason_AndPersistsNothing()
    {
        var good = MeshEvents.Create("test/idem", new { key = "never" }, id: $"good-{Guid.NewGuid():N}");
        var result = await Host.Mesh.SendAsync(
        [
            good,
            new MeshEvent("", "", "{}", null, 0, null, null, null),
            new MeshEvent("", "test/x", "[1,2]", null, 0, null, null, null),
            new MeshEvent("", "test/x", "{not json", null, 0, null, null, null),
            new MeshEvent("", "has space", "{}", null, -1, null, null, null),
        ]);

        Assert.False(result.Accepted);
        Assert.Contains(result.Errors, e => e.Field == "events[1].name" && e.Message == "is required");
        Assert.Contains(result.Errors, e => e.Field == "events[2].data" && e.Message.Contains("JSON object"));
        Assert.Contains(result.Errors, e => e.Field == "events[3].data" && e.Message.Contains("not valid JSON"));
        Assert.Contains(result.Errors, e => e.Field == "events[4].name");
        Assert.Contains(result.Errors, e => e.Field == "events[4].ts");
        Assert.Equal(0, await Host.ScalarAsync("SELECT count(*) FROM mesh.events WHERE id = @id", ("id", good.Id)));
        Assert.False((await Host.Mesh.SendAsync([])).Accepted);
    }

    [Fact]
    public async Task RunInTransaction_CommitsItsSqlMemoAndEventsTogether_AndRollsThemBackOnFailure()
    {
        var key = $"tx-{Guid.NewGuid():N}";
        var retry = Host.Monitor.WaitAsync(c => c.FunctionId == "tx-step" && c.Attempts == 2);
        var follower = Host.When("tx-follower");
        var id = await Host.SendAsync("test/tx", new { key });
        await retry.Within(MeshHost.Limit, "the failed attempt's retry to be scheduled");
        // The first attempt wrote a row and sent an event before failing: neither was committed.
        Assert.Equal(0, await Host.ScalarAsync("SELECT count(*) FROM mesh.events WHERE name = 'test/tx.done' AND data->>'key' = @key", ("key", key)));

        var done = Host.When("tx-step");
        Host.Time!.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(RunStatus.Completed, (await done.Within(MeshHost.Limit, "the second attempt")).Status);
        Assert.Equal(RunStatus.Completed, (await follower.Within(MeshHost.Limit, "the run of the sent event")).Status);

        Assert.Equal(1, await Host.ScalarAsync("SELECT count(*) FROM public.mesh_tx_test WHERE key = @key", ("key", key)));
        Assert.Equal(2, await Host.ScalarAsync("SELECT attempt FROM public.mesh_tx_test WHERE key = @key", ("key", key)));
        Assert.Equal(1, await Host.ScalarAsync("SELECT count(*) FROM mesh.events WHERE name = 'test/tx.done' AND data->>'key' = @key", ("key", key)));
        var step = Assert.Single((await Host.RunOfAsync(id, "tx-step")).Steps);
        Assert.Equal((StepStatus.Completed, 2, $"\"{key}\""), (step.Status, step.Attempts, step.OutputJson));
    }

    [Fact]
    public async Task SentEventsTheDatabaseRefuses_FailTheAttempt_NotOtherRuns_AndTheRetrySendsThemOnce()
    {
        // SendEvent does not wait for its commit; the run may only end once what it sent is durable. Here the database
        // refuses one run's event (a trigger): that attempt fails and is retried, while another run whose event may
        // share the refused batch completes.
        var key = $"poison-{Guid.NewGuid():N}";
        var fine = $"fine-{Guid.NewGuid():N}";
        await Host.ScalarAsync("""
            CREATE TABLE IF NOT EXISTS public.mesh_poison (key text PRIMARY KEY);
            CREATE OR REPLACE FUNCTION public.mesh_poison_check() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.name = 'test/sent' AND EXISTS (SELECT 1 FROM public.mesh_poison WHERE key = NEW.data->>'key') THEN
                    RAISE EXCEPTION 'poisoned event %', NEW.id;
                END IF;
                RETURN NEW;
            END $$;
            CREATE OR REPLACE TRIGGER mesh_poison BEFORE INSERT ON mesh.events FOR EACH ROW EXECUTE FUNCTION public.mesh_poison_check();
            SELECT 0
            """);
        try
        {
            await Host.ScalarAsync("INSERT INTO public.mesh_poison VALUES (@key); SELECT 0", ("key", key));
            var retry = Host.Monitor.WaitAsync(c => c.FunctionId == "sender" && c.Attempts == 2);
            var fineDone = Host.Monitor.WaitAsync(c => c.FunctionId == "receiver" && RunStatus.IsFinal(c.Status));
            var sent = await Host.Mesh.SendAsync([MeshEvents.Create("test/send", new { key }), MeshEvents.Create("test/send", new { key = fine })]);
            var change = await retry.Within(MeshHost.Limit, "the attempt whose events were refused to be retried");
            await fineDone.Within(MeshHost.Limit, "the other run's event to be delivered");

            Assert.Contains("refused", change.Error);
            var run = await Host.RunOfAsync(sent.Ids[0], "sender");
            Assert.False(RunStatus.IsFinal(run.Run.Status), $"the run ended ({run.Run.Status}) although its events were not stored");
            Assert.Equal(0, await Host.ScalarAsync("SELECT count(*) FROM mesh.events WHERE name = 'test/sent' AND data->>'key' = @key", ("key", key)));
            Assert.Equal(0, fixture.Count($"receiver:{key}"));
            Assert.Equal(1, fixture.Count($"receiver:{fine}"));
            Assert.Equal(RunStatus.Completed, (await Host.RunOfAsync(sent.Ids[1], "sender")).Run.Status);

            await Host.ScalarAsync("DELETE FROM public.mesh_poison WHERE key = @key; SELECT 0", ("key", key));
            var sender = Host.Monitor.WaitAsync(c => c.FunctionId == "sender" && c.RunId == run.Run.RunId && RunStatus.IsFinal(c.Status));
            var receiver = Host.When("receiver");
            Host.Time!.Advance(TimeSpan.FromSeconds(10));
            Assert.Equal(RunStatus.Completed, (await sender.Within(MeshHost.Limit, "the retried run")).Status);
            Assert.Equal(RunStatus.Completed, (await receiver.Within(MeshHost.Limit, "the run of its event")).Status);
            Assert.Equal(1, await Host.ScalarAsync("SELECT count(*) FROM mesh.events WHERE name = 'test/sent' AND data->>'key' = @key", ("key", key)));
            Assert.Equal(1, fixture.Count($"receiver:{key}"));
        }
        finally
        {
            await Host.ScalarAsync("DROP TRIGGER IF EXISTS mesh_poison ON mesh.events; SELECT 0");
        }
    }

    [Fact]
    public async Task FailingStep_RetriesWithBackoff_WithoutRepeatingMemoizedSteps_ThenRunsOnFailure()
    {
        var time = Host.Time!;
        var firstRetry = Host.Monitor.WaitAsync(c => c.FunctionId == "memo" && c.Attempts == 2);
        var id = await Host.SendAsync("test/memo", new { }, "team-a");
        var retry1 = await firstRetry.Within(MeshHost.Limit, "the first retry to be scheduled");
        AssertDelay(retry1.WakeAt!.Value - time.GetUtcNow(), TimeSpan.FromSeconds(10));

        var secondRetry = Host.Monitor.WaitAsync(c => c.FunctionId == "memo" && c.Attempts == 3);
        time.Advance(TimeSpan.FromSeconds(13));
        var retry2 = await secondRetry.Within(MeshHost.Limit, "the second retry to be scheduled");
        AssertDelay(retry2.WakeAt!.Value - time.GetUtcNow(), TimeSpan.FromSeconds(20));

        var failed = Host.When("memo", RunStatus.Failed);
        time.Advance(TimeSpan.FromSeconds(26));
        await failed.Within(MeshHost.Limit, "the run to fail");
        var failure = await fixture.FailureHandled.Task.WaitAsync(MeshHost.Limit);

        Assert.Equal(1, fixture.Count("memo:a"));
        Assert.Equal(3, fixture.Count("memo:b"));
        var run = await Host.RunOfAsync(id, "memo");
        Assert.Equal(RunStatus.Failed, run.Run.Status);
        Assert.Equal(3, run.Run.Attempts);
        Assert.Contains("b fails (a was 1)", run.Error);
        Assert.Equal(StepStatus.Completed, run.Steps.Single(s => s.StepId == "a").Status);
        Assert.Equal((StepStatus.Failed, 3), run.Steps.Where(s => s.StepId == "b").Select(s => (s.Status, s.Attempts)).Single());
        Assert.Equal(run.Run.RunId, failure.RunId);
        Assert.Equal(id, failure.OriginalEvent.Id);
    }

    [Fact]
    public async Task NonRetriableError_FailsTheRunAtOnce()
    {
        var failed = Host.When("nonretriable");
        var id = await Host.SendAsync("test/nonretriable", new { });
        var change = await failed.Within(MeshHost.Limit, "the run to fail");

        Assert.Equal(RunStatus.Failed, change.Status);
        Assert.Equal(1, fixture.Count("nonretriable"));
        var run = await Host.RunOfAsync(id, "nonretriable");
        Assert.Equal(1, run.Run.Attempts);
        Assert.Equal("the input can never succeed", run.Error);
    }

    [Fact]
    public async Task IdempotencyKey_StartsOneRunPerKey()
    {
        var key = $"k-{Guid.NewGuid():N}";
        var done = Host.When("idempotent");
        await Host.SendAsync("test/idem", new { key });
        await done.Within(MeshHost.Limit, "the first run");
        await Host.SendAsync("test/idem", new { key });

        Assert.Equal(1, await Host.ScalarAsync("SELECT count(*) FROM mesh.runs r JOIN mesh.events e ON e.id = r.event_id WHERE e.data->>'key' = @k", ("k", key)));
        Assert.Equal(2, await Host.ScalarAsync("SELECT count(*) FROM mesh.events WHERE data->>'key' = @k", ("k", key)));
    }

    [Fact]
    public async Task ParallelSteps_WithRepeatedIds_GetStableSuffixes()
    {
        var done = Host.When("parallel");
        var id = await Host.SendAsync("test/parallel", new { });
        await done.Within(MeshHost.Limit, "the parallel run");

        var run = await Host.RunOfAsync(id, "parallel");
        Assert.Equal("6", run.OutputJson);
        Assert.Equal(["p", "p:1", "q"], run.Steps.Select(s => s.StepId).Order());
        Assert.Equal(["1", "2"], run.Steps.Where(s => s.Name == "p").OrderBy(s => s.StepId).Select(s => s.OutputJson));
    }

    [Fact]
    public async Task Invoke_WaitsForTheInvokedFunctionsOutput()
    {
        var done = Host.When("parent", RunStatus.Completed);
        var id = await Host.SendAsync("test/parent", new { });
        await done.Within(MeshHost.Limit, "the parent run");

        var parent = await Host.RunOfAsync(id, "parent");
        Assert.Equal("41", parent.OutputJson);
        var step = Assert.Single(parent.Steps);
        Assert.Equal(40, JsonDocument.Parse(step.OutputJson!).RootElement.GetProperty("doubled").GetInt32());
        var children = await Host.Mesh.QueryRunsAsync(new RunQuery(null, FunctionId: "child", TraceId: id));
        Assert.Equal(RunStatus.Completed, Assert.Single(children.Items).Status);
    }

    private static void AssertDelay(TimeSpan actual, TimeSpan nominal) =>
        Assert.InRange(actual, nominal * 0.74, nominal * 1.26);
}
