using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Alavida.Grains.Mesh;
using Alavida.Tests.Gateway;
using Alavida.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Serilog.Core;

namespace Alavida.Tests.Mesh;

public sealed partial class MeshHttpFixture : MeshFixture
{
    /// <summary>Every log event of the host.</summary>
    public CapturingSink Logs { get; } = new();

    protected override bool FakeTime => false;

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<ILogEventSink>(Logs);

    protected override IEnumerable<MeshFunctionDefinition> Functions() =>
    [
        new()
        {
            Id = "trace-first",
            Triggers = [MeshTrigger.OnEvent("trace/start")],
            Handler = async ctx =>
            {
                var n = await ctx.Run("read", () => Task.FromResult(ctx.Data.GetProperty("n").GetInt32()));
                await ctx.SendEvent("next", MeshEvents.Create("trace/next", new { n }));
                return n;
            },
        },
        new()
        {
            Id = "trace-second",
            Triggers = [MeshTrigger.OnEvent("trace/next")],
            Handler = async ctx => await ctx.Run("log", () =>
            {
                Log.SecondStep(ctx.Services.GetRequiredService<ILogger<MeshHttpFixture>>(), ctx.FunctionId);
                return Task.FromResult(ctx.Data.GetProperty("n").GetInt32() + 1);
            }),
        },
        new()
        {
            Id = "http-echo",
            Triggers = [MeshTrigger.OnEvent("http/echo")],
            Handler = async ctx => await ctx.Run("double", () => Task.FromResult(ctx.Data.GetProperty("n").GetInt32() * 2)),
        },
        new()
        {
            // An id with a slash, as the shipped functions have, and every option the listing shows.
            Id = "http-ops/configured",
            Triggers = [MeshTrigger.OnEvent("http/ops", "event.data.n > 0"), MeshTrigger.OnCron("0 0 29 2 *", "Europe/Paris")],
            Concurrency = [new MeshConcurrency(2, "event.team_id")],
            Throttle = new MeshThrottle(10, TimeSpan.FromMinutes(1)),
            Retries = new MeshRetries(1, BaseDelay: TimeSpan.FromSeconds(2)),
            Timeouts = new MeshTimeouts(Finish: TimeSpan.FromMinutes(5)),
            Idempotency = "event.data.key",
            CancelOn = [new MeshCancelOn("http/ops.cancel", "data.key")],
            Handler = ctx => Task.FromResult<object?>(ctx.Data.GetProperty("n").GetInt32()),
        },
    ];

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Trace test step of {FunctionId}")]
        public static partial void SecondStep(ILogger logger, string functionId);
    }
}

/// <summary>The mesh through the gateway: events in, runs out, team-scoped, admin controls.</summary>
public sealed class MeshHttpTests(MeshHttpFixture mesh) : IClassFixture<MeshHttpFixture>
{
    [Fact]
    public async Task SentEvent_StartsARun_VisibleWithItsSteps_ToItsTeamOnly()
    {
        var (team, teamId) = await CreateTeamAsync();
        var (other, _) = await CreateTeamAsync();
        var done = mesh.Host.When("http-echo");

        var sent = await team.PostAsJsonAsync("/events", new { name = "http/echo", data = new { n = 21 } });
        var eventId = (await sent.ReadJsonAsync()).GetProperty("ids")[0].GetString()!;
        await done.Within(TimeSpan.FromSeconds(30), "the run to finish");
        var detail = await (await team.GetAsync($"/events/{Uri.EscapeDataString(eventId)}")).ReadJsonAsync();
        var runId = detail.GetProperty("runs")[0].GetProperty("run_id").GetString();
        var run = await (await team.GetAsync($"/runs/{runId}")).ReadJsonAsync();

        Assert.Equal(HttpStatusCode.Accepted, sent.StatusCode);
        Assert.Equal(teamId.ToString(), detail.GetProperty("event").GetProperty("team_id").GetString());
        Assert.Equal("completed", run.GetProperty("run").GetProperty("status").GetString());
        Assert.Equal(42, run.GetProperty("output").GetInt32());
        Assert.Equal(42, Assert.Single(run.GetProperty("steps").EnumerateArray()).GetProperty("output").GetInt32());
        Assert.Contains((await (await team.GetAsync("/runs?function=http-echo")).ReadJsonAsync()).GetProperty("items").EnumerateArray(),
            r => r.GetProperty("run_id").GetString() == runId);
        await (await other.GetAsync($"/runs/{runId}")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await other.GetAsync($"/events/{Uri.EscapeDataString(eventId)}")).AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.Empty((await (await other.GetAsync("/runs?function=http-echo")).ReadJsonAsync()).GetProperty("items").EnumerateArray());
        using var admin = Client(PlatformHost.AdminKey);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync($"/runs/{runId}")).StatusCode);
    }

    [Fact]
    public async Task TraceId_FollowsAnEventThroughSendEvent_ToBothRunsTheirEventsStepSpansAndLogs()
    {
        var (team, _) = await CreateTeamAsync();
        var traceId = ActivityTraceId.CreateRandom().ToHexString();
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == MeshMonitor.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        // The second run can finish before the first records its own end: wait for both.
        var first = mesh.Host.Monitor.WaitAsync(c => c.FunctionId == "trace-first" && RunStatus.IsFinal(c.Status));
        var second = mesh.Host.Monitor.WaitAsync(c => c.FunctionId == "trace-second" && RunStatus.IsFinal(c.Status));

        var sent = await team.PostAsJsonAsync("/events", new { name = "trace/start", data = new { n = 1 }, trace_id = traceId });
        Assert.Equal(HttpStatusCode.Accepted, sent.StatusCode);
        Assert.Equal(RunStatus.Completed, (await first.Within(TimeSpan.FromSeconds(30), "the first run")).Status);
        Assert.Equal(RunStatus.Completed, (await second.Within(TimeSpan.FromSeconds(30), "the second run")).Status);

        var runs = (await (await team.GetAsync($"/runs?trace_id={traceId}")).ReadJsonAsync()).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(["trace-first", "trace-second"], runs.Select(r => r.GetProperty("function_id").GetString()).Order());
        Assert.All(runs, r => Assert.Equal(traceId, r.GetProperty("trace_id").GetString()));
        Assert.All(runs, r => Assert.Equal("completed", r.GetProperty("status").GetString()));
        foreach (var run in runs)
        {
            var eventId = run.GetProperty("event_id").GetString()!;
            var stored = await (await team.GetAsync($"/events/{Uri.EscapeDataString(eventId)}")).ReadJsonAsync();
            Assert.Equal(traceId, stored.GetProperty("event").GetProperty("trace_id").GetString());
        }

        var runIds = runs.Select(r => r.GetProperty("run_id").GetString()).ToHashSet();
        var steps = spans.Where(s => runIds.Contains(s.GetTagItem("mesh.run_id")?.ToString())).ToList();
        Assert.Equal(["log", "next", "read"], steps.Select(s => s.GetTagItem("mesh.step_id")).Cast<string>().Order());
        Assert.All(steps, s => Assert.Equal(traceId, s.TraceId.ToHexString()));
        var line = await mesh.Logs.WaitForAsync(e => e.MessageTemplate.Text.StartsWith("Trace test step", StringComparison.Ordinal))
            .Within(TimeSpan.FromSeconds(30), "the second run's log line");
        Assert.Equal($"\"{traceId}\"", line.Properties["trace_id"].ToString());
        Assert.Contains(line.Properties["run_id"].ToString().Trim('"'), runIds);
    }

    [Fact]
    public async Task DuplicateEventId_IsAcceptedOnce()
    {
        var (team, _) = await CreateTeamAsync();
        var id = $"dup-{Guid.NewGuid():N}";

        var first = await (await team.PostAsJsonAsync("/events", new { id, name = "http/none", data = new { } })).ReadJsonAsync();
        var second = await (await team.PostAsJsonAsync("/events", new { id, name = "http/none", data = new { } })).ReadJsonAsync();

        Assert.Empty(first.GetProperty("duplicates").EnumerateArray());
        Assert.Equal(id, Assert.Single(second.GetProperty("duplicates").EnumerateArray()).GetString());
    }

    [Fact]
    public async Task EventIds_ArePerTeam_AnotherTeamsIdIsNeitherADuplicateNorDropped_AndReadsStayScoped()
    {
        var (a, teamA) = await CreateTeamAsync();
        var (b, teamB) = await CreateTeamAsync();
        using var admin = Client(PlatformHost.AdminKey);
        var id = $"shared-{Guid.NewGuid():N}";

        // B uses the id first; A's later event with it must still run A's function, and A must learn nothing of B.
        var bDone = mesh.Host.When("http-echo");
        var fromB = await (await b.PostAsJsonAsync("/events", new { id, name = "http/echo", data = new { n = 1 } })).ReadJsonAsync();
        await bDone.Within(TimeSpan.FromSeconds(30), "B's run");
        var aDone = mesh.Host.When("http-echo");
        var fromA = await (await a.PostAsJsonAsync("/events", new { id, name = "http/echo", data = new { n = 21 } })).ReadJsonAsync();
        await aDone.Within(TimeSpan.FromSeconds(30), "A's run");
        var again = await (await a.PostAsJsonAsync("/events", new { id, name = "http/echo", data = new { n = 99 } })).ReadJsonAsync();

        Assert.Empty(fromB.GetProperty("duplicates").EnumerateArray());
        Assert.Empty(fromA.GetProperty("duplicates").EnumerateArray());
        Assert.Equal(id, Assert.Single(again.GetProperty("duplicates").EnumerateArray()).GetString());
        var seenByA = await (await a.GetAsync($"/events/{id}")).ReadJsonAsync();
        var seenByB = await (await b.GetAsync($"/events/{id}")).ReadJsonAsync();
        Assert.Equal((teamA.ToString(), 21), (seenByA.GetProperty("event").GetProperty("team_id").GetString(), seenByA.GetProperty("event").GetProperty("data").GetProperty("n").GetInt32()));
        Assert.Equal((teamB.ToString(), 1), (seenByB.GetProperty("event").GetProperty("team_id").GetString(), seenByB.GetProperty("event").GetProperty("data").GetProperty("n").GetInt32()));
        var runOfA = Assert.Single(seenByA.GetProperty("runs").EnumerateArray());
        var runOfB = Assert.Single(seenByB.GetProperty("runs").EnumerateArray());
        Assert.NotEqual(runOfA.GetProperty("run_id").GetString(), runOfB.GetProperty("run_id").GetString());
        var detailOfA = await (await a.GetAsync($"/runs/{runOfA.GetProperty("run_id").GetString()}")).ReadJsonAsync();
        Assert.Equal(("completed", 42), (detailOfA.GetProperty("run").GetProperty("status").GetString(), detailOfA.GetProperty("output").GetInt32()));

        // The run's event reference resolves in the caller's team; the admin names the team when several used the id.
        Assert.Equal(id, runOfA.GetProperty("event_id").GetString());
        var ambiguous = await (await admin.GetAsync($"/events/{id}")).AssertProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal([teamA.ToString(), teamB.ToString()], ambiguous.GetProperty("teams").EnumerateArray().Select(t => t.GetString()).Order());
        var adminSeesA = await (await admin.GetAsync($"/events/{id}?team={teamA}")).ReadJsonAsync();
        Assert.Equal(runOfA.GetProperty("run_id").GetString(), Assert.Single(adminSeesA.GetProperty("runs").EnumerateArray()).GetProperty("run_id").GetString());
        await (await admin.GetAsync($"/events/{id}?team=none")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await a.GetAsync($"/events/{id}?team={teamB}")).AssertProblemAsync(HttpStatusCode.UnprocessableEntity);
    }

    [Fact]
    public async Task Functions_AreListedForAnyKey_WithTriggersAndFlowControl_AndAddressedWithTheirSlashes()
    {
        var (team, _) = await CreateTeamAsync();

        var list = await (await team.GetAsync("/functions")).ReadJsonAsync();
        var one = await (await team.GetAsync("/functions/http-ops/configured")).ReadJsonAsync();
        var encoded = await team.GetAsync("/functions/http-ops%2Fconfigured");

        var listed = Assert.Single(list.GetProperty("items").EnumerateArray(), f => f.GetProperty("id").GetString() == "http-ops/configured");
        Assert.Equal(listed.ToString(), one.ToString());
        Assert.Equal(HttpStatusCode.OK, encoded.StatusCode);
        Assert.Equal(
            """[{"event":"http/ops","if":"event.data.n > 0","cron":null,"time_zone":null},{"event":null,"if":null,"cron":"0 0 29 2 *","time_zone":"Europe/Paris"}]""",
            one.GetProperty("triggers").GetRawText());
        Assert.Equal("""[{"limit":2,"key":"event.team_id","scope":"function"}]""", one.GetProperty("concurrency").GetRawText());
        Assert.Equal("""{"limit":10,"period":"00:01:00","key":null}""", one.GetProperty("throttle").GetRawText());
        Assert.Equal(JsonValueKind.Null, one.GetProperty("debounce").ValueKind);
        Assert.Equal("""{"count":1,"base_delay":"00:00:02","max_delay":"00:10:00"}""", one.GetProperty("retries").GetRawText());
        Assert.Equal("""{"start":null,"finish":"00:05:00"}""", one.GetProperty("timeouts").GetRawText());
        Assert.Equal("event.data.key", one.GetProperty("idempotency").GetString());
        Assert.Equal("""[{"event":"http/ops.cancel","match":"data.key"}]""", one.GetProperty("cancel_on").GetRawText());
        Assert.False(one.GetProperty("paused").GetBoolean());
        var ids = list.GetProperty("items").EnumerateArray().Select(f => f.GetProperty("id").GetString()!).ToList();
        Assert.Equal(ids.Order(StringComparer.Ordinal), ids);
        Assert.Contains("lead-discovery/discover-qualified-company", ids);
    }

    [Fact]
    public async Task PauseAndResume_AddressAFunctionWhoseIdHasASlash_WithTheAdminKey_AndUnknownIdsNameTheCloseOnes()
    {
        var (team, _) = await CreateTeamAsync();
        using var admin = Client(PlatformHost.AdminKey);

        const string shipped = "lead-discovery/discover-qualified-company";

        await (await team.PostAsync($"/functions/{shipped}/pause", null)).AssertProblemAsync(HttpStatusCode.Forbidden);
        var paused = await admin.PostAsync($"/functions/{shipped}/pause", null);
        var whilePaused = await (await team.GetAsync($"/functions/{shipped}")).ReadJsonAsync();
        var resumed = await admin.PostAsync($"/functions/{Uri.EscapeDataString(shipped)}/resume", null);
        var afterwards = await (await team.GetAsync($"/functions/{shipped}")).ReadJsonAsync();

        Assert.Equal(HttpStatusCode.OK, paused.StatusCode);
        Assert.True(whilePaused.GetProperty("paused").GetBoolean());
        Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
        Assert.False(afterwards.GetProperty("paused").GetBoolean());
        var typo = await (await admin.PostAsync("/functions/http-ops/configure/pause", null)).AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal(["http-ops/configured"], typo.GetProperty("functions").EnumerateArray().Select(f => f.GetString()));
        Assert.Contains("Did you mean http-ops/configured?", typo.GetProperty("detail").GetString());
        var unknown = await (await team.GetAsync("/functions/zzz")).AssertProblemAsync(HttpStatusCode.NotFound);
        var all = (await (await team.GetAsync("/functions")).ReadJsonAsync()).GetProperty("items").EnumerateArray().Select(f => f.GetProperty("id").GetString());
        Assert.Equal(all, unknown.GetProperty("functions").EnumerateArray().Select(f => f.GetString()));
        var noVerb = await (await admin.PostAsync("/functions/http-ops/configured", null)).AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.Contains("/functions/{id}/pause", noVerb.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task RunsByFunction_TakeAnIdOrAPrefixEndingBeforeASlash_AndAnUnknownOneIsAProblemNamingTheClosest()
    {
        var (team, _) = await CreateTeamAsync();
        var done = mesh.Host.When("http-ops/configured");
        var sent = await team.PostAsJsonAsync("/events", new { name = "http/ops", data = new { n = 3, key = Guid.NewGuid().ToString() } });
        await done.Within(TimeSpan.FromSeconds(30), "the run");
        var runId = (await (await team.GetAsync($"/events/{(await sent.ReadJsonAsync()).GetProperty("ids")[0].GetString()}")).ReadJsonAsync())
            .GetProperty("runs")[0].GetProperty("run_id").GetString();

        foreach (var filter in new[] { "http-ops/configured", "http-ops", "http-ops/" })
        {
            var runs = await (await team.GetAsync($"/runs?function={filter}")).ReadJsonAsync();
            Assert.Equal(runId, Assert.Single(runs.GetProperty("items").EnumerateArray()).GetProperty("run_id").GetString());
        }

        var problem = await (await team.GetAsync("/runs?function=http-op")).AssertProblemAsync(HttpStatusCode.UnprocessableEntity);
        var error = Assert.Single(problem.GetProperty("errors").EnumerateArray());
        Assert.Equal("function", error.GetProperty("field").GetString());
        Assert.Contains("did you mean http-ops/configured?", error.GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("{not json", HttpStatusCode.BadRequest, null)]
    [InlineData("[1,2]", HttpStatusCode.BadRequest, null)]
    [InlineData("""{"data":{}}""", HttpStatusCode.UnprocessableEntity, "events[0].name")]
    [InlineData("""{"name":"has space","data":{}}""", HttpStatusCode.UnprocessableEntity, "events[0].name")]
    [InlineData("""{"name":"x/y","data":[1]}""", HttpStatusCode.UnprocessableEntity, "events[0].data")]
    public async Task MalformedEvents_AreRejectedNamingTheField(string body, HttpStatusCode status, string? field)
    {
        var (team, _) = await CreateTeamAsync();

        var problem = await (await team.PostAsync("/events", new StringContent(body, Encoding.UTF8, "application/json"))).AssertProblemAsync(status);

        if (field is not null)
        {
            Assert.Contains(problem.GetProperty("errors").EnumerateArray(), e => e.GetProperty("field").GetString() == field);
        }
    }

    [Fact]
    public async Task Controls_AreScoped_BadIdsAndParametersAreProblems()
    {
        var (team, _) = await CreateTeamAsync();
        using var admin = Client(PlatformHost.AdminKey);

        await (await team.PostAsync("/functions/http-echo/pause", null)).AssertProblemAsync(HttpStatusCode.Forbidden);
        await (await admin.PostAsync("/functions/no-such-function/pause", null)).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await team.GetAsync("/runs/not-a-uuid")).AssertProblemAsync(HttpStatusCode.BadRequest);
        await (await team.PostAsync($"/runs/{Guid.NewGuid()}/cancel", null)).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await team.GetAsync("/runs?team=someone-else")).AssertProblemAsync(HttpStatusCode.UnprocessableEntity);
        await (await team.GetAsync("/runs?status=done")).AssertProblemAsync(HttpStatusCode.UnprocessableEntity);
        await (await team.GetAsync("/runs?cursor=garbage")).AssertProblemAsync(HttpStatusCode.UnprocessableEntity);
        await (await admin.PostAsJsonAsync("/events", new { name = "x/y", data = new { } })).AssertProblemAsync(HttpStatusCode.Forbidden);
    }

    private async Task<(HttpClient Client, Guid TeamId)> CreateTeamAsync()
    {
        using var admin = Client(PlatformHost.AdminKey);
        var created = await (await admin.PostAsJsonAsync("/admin/teams", new { name = "mesh-http", owner_email = $"{Guid.NewGuid():N}@example.com", credits = 10 })).ReadJsonAsync();
        return (Client(created.GetProperty("api_key").GetString()!), Guid.Parse(created.GetProperty("team_id").GetString()!));
    }

    private HttpClient Client(string key) =>
        new() { BaseAddress = mesh.Host.Host.Address, DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Bearer", key) } };
}
