using System.Collections.Concurrent;
using System.Diagnostics;
using Alavida.Grains.Prospect.Reasoning;
using Alavida.Silo.Hosting;
using Alavida.Tests.Gateway;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Alavida.Tests.Prospect;

/// <summary>
/// A chat model at the external boundary: answers come from <see cref="Script"/>, as a provider would send them. The
/// platform wraps it as it wraps a real provider (GenAI spans), so everything behind it is the real path.
/// </summary>
public sealed class ScriptedChatClient : IChatClient
{
    public Func<string, ChatResponse> Script { get; set; } = _ => throw new InvalidOperationException("no script");

    public ConcurrentQueue<string> Questions { get; } = new();

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var schema = (options?.ResponseFormat as ChatResponseFormatJson)?.SchemaName ?? "";
        Questions.Enqueue(schema);
        return Task.FromResult(Script(schema));
    }

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("The reasoner does not stream.");

    public object? GetService(Type serviceType, object? serviceKey = null) => serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
    }

    /// <summary>Collects the GenAI spans of model calls (<see cref="ReasonerOptions.TelemetrySource"/>) into <paramref name="spans"/> until disposed.</summary>
    public static ActivityListener ListenToModelCalls(ConcurrentBag<Activity> spans)
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == ReasonerOptions.TelemetrySource,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }

    public static ChatResponse Answer(string json, long input = 120, long output = 30) =>
        new(new ChatMessage(ChatRole.Assistant, json)) { Usage = new UsageDetails { InputTokenCount = input, OutputTokenCount = output }, ModelId = "scripted-1" };
}

/// <summary>The platform with <c>Reasoning:Provider=custom</c> and the scripted model.</summary>
public sealed class LlmFixture : GatewayFixture
{
    public ScriptedChatClient Model { get; } = new();

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Reasoning:Provider"] = "custom",
        ["Reasoning:Model"] = "scripted-1",
    };

    protected override void ConfigureServices(IServiceCollection services) => services.AddAlavidaChatClient(Model);
}

[CollectionDefinition(Name)]
public sealed class ProspectLlmCollection : ICollectionFixture<LlmFixture>
{
    public const string Name = "prospect-llm";
}

[Collection(ProspectLlmCollection.Name)]
public sealed class ProspectLlmTests(LlmFixture fixture)
{
    private static readonly object Icp = new { industries = new[] { "logistics" }, excluded_domains = new[] { "excluded-llm.de" }, min_score = 70 };

    [Fact]
    public async Task Qualify_UsesTheModelsJudgement_RecordsItsTokens_AndTracesEachCall()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        fixture.Model.Script = schema => schema == "qualification"
            ? ScriptedChatClient.Answer("""{"score": 88, "passed_criteria": ["industries"], "failed_criteria": [], "reasons": ["Freight software for shippers fits the logistics ICP."]}""")
            : throw new InvalidOperationException(schema);
        var spans = new ConcurrentBag<Activity>();
        using var listener = ScriptedChatClient.ListenToModelCalls(spans);

        var team = await fixture.CreateTeamAsync(credits: 100);
        var job = await team.RunToSuccessAsync("/icp-discovery/run/qualify", new
        {
            icp = Icp,
            companies = new object[] { new { domain = $"llm-{tag}.de", industry = "logistics software" }, new { domain = "excluded-llm.de", industry = "logistics" } },
        });

        var items = job.GetProperty("result").GetProperty("results");
        Assert.Equal(88, items[0].GetProperty("score").GetDouble());
        Assert.Equal("Freight software for shippers fits the logistics ICP.", items[0].GetProperty("reasons")[0].GetString());
        Assert.False(items[1].GetProperty("qualified").GetBoolean()); // exclusions stay the customer's hard rules: no model call
        Assert.Contains("excluded_domains", items[1].GetProperty("failed_criteria").EnumerateArray().Select(c => c.GetString()));

        var reasoning = job.GetProperty("usage").GetProperty("reasoning");
        Assert.Equal((1, 120, 30, 0), (reasoning.GetProperty("llm_calls").GetInt32(), reasoning.GetProperty("input_tokens").GetInt32(),
            reasoning.GetProperty("output_tokens").GetInt32(), reasoning.GetProperty("fallbacks").GetInt32()));

        var trace = job.GetProperty("trace_id").GetString()!;
        var call = Assert.Single(spans, s => s.TraceId.ToHexString() == trace);
        Assert.Equal(120, Convert.ToInt64(call.GetTagItem("gen_ai.usage.input_tokens")));
        Assert.Equal(30, Convert.ToInt64(call.GetTagItem("gen_ai.usage.output_tokens")));

        var rows = await team.Http.ListAllAsync($"/icp-discovery/data/qualifications?trace_id={trace}");
        Assert.Equal(["deterministic", "llm"], rows.Select(r => r.GetProperty("reasoner").GetString()).Order());
    }

    public static TheoryData<string> BadAnswers() => ["not json at all", """{"score": 250, "reasons": []}""", """{"verdict": "yes"}""", "THROW"];

    [Theory]
    [MemberData(nameof(BadAnswers))]
    public async Task AnInvalidAnswerOrAProviderError_FallsBackToTheDeterministicScorer(string answer)
    {
        fixture.Model.Script = _ => answer == "THROW" ? throw new HttpRequestException("provider unavailable") : ScriptedChatClient.Answer(answer);
        var team = await fixture.CreateTeamAsync(credits: 100);
        var job = await team.RunToSuccessAsync("/icp-discovery/run/qualify", new
        {
            icp = Icp,
            companies = new object[] { new { domain = $"fallback-{Guid.NewGuid():N}.de", industry = "logistics" } },
        });

        var item = job.GetProperty("result").GetProperty("results")[0];
        Assert.Equal(100, item.GetProperty("score").GetDouble());
        Assert.Contains("industry 'logistics' matches 'logistics'", item.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal(1, job.GetProperty("usage").GetProperty("reasoning").GetProperty("fallbacks").GetInt32());
    }

    [Fact]
    public async Task Scoring_AsksTheModel_ButKeepsTheWeightedEvidence()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        fixture.Model.Script = schema => schema == "buying_intent"
            ? ScriptedChatClient.Answer("""{"score": 81, "reasons": ["Fresh hiring for revenue roles."]}""")
            : throw new InvalidOperationException(schema);
        var team = await fixture.CreateTeamAsync(credits: 100);
        await team.RunToSuccessAsync("/buying-signals/run/ingest", new { signals = ProspectScenario.Signals(tag, DateTimeOffset.UtcNow).Take(3) });
        var job = await team.RunToSuccessAsync("/buying-signals/run/score", new { companies = new[] { new { domain = ProspectScenario.Fit(1, tag) } } });

        var item = job.GetProperty("result").GetProperty("results")[0];
        Assert.Equal((81.0, "hot"), (item.GetProperty("score").GetDouble(), item.GetProperty("tier").GetString()));
        Assert.Equal(48, item.GetProperty("evidence")[0].GetProperty("points").GetDouble());
        Assert.Equal("Fresh hiring for revenue roles.", item.GetProperty("reasons")[0].GetString());
    }

    [Fact]
    public async Task Discover_TakesTheModelsMatches_AndFallsBackWhenTheyMissSomeone()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var people = new object[]
        {
            new { name = "Ada Quinn", title = "Chief Revenue Officer", email = $"ada@llm-leads-{tag}.de" },
            new { name = "Bo Stone", title = "Intern", email = $"bo@llm-leads-{tag}.de" },
        };
        var persona = new { title_keywords = new[] { "sales" } };
        fixture.Model.Script = schema => schema == "lead_matches"
            ? ScriptedChatClient.Answer("""{"matches": [{"index": 0, "score": 91, "reasons": ["A CRO owns revenue, which is sales."]}, {"index": 1, "score": 5, "reasons": ["An intern does not buy."]}]}""")
            : throw new InvalidOperationException(schema);
        var team = await fixture.CreateTeamAsync(credits: 100);
        var job = await team.RunToSuccessAsync("/lead-discovery/run/discover", new { company = new { domain = $"llm-leads-{tag}.de" }, people, persona });
        var lead = Assert.Single(job.GetProperty("result").GetProperty("leads").EnumerateArray());
        Assert.Equal(("Ada Quinn", 91.0), (lead.GetProperty("name").GetString(), lead.GetProperty("match_score").GetDouble()));
        Assert.Equal("A CRO owns revenue, which is sales.", lead.GetProperty("match_reasons")[0].GetString());

        // An answer that leaves a person out is not used: the deterministic persona match decides (no 'sales' in either title).
        fixture.Model.Script = _ => ScriptedChatClient.Answer("""{"matches": [{"index": 0, "score": 91, "reasons": ["ok"]}]}""");
        var fallback = await team.RunToSuccessAsync("/lead-discovery/run/discover", new { company = new { domain = $"llm-leads-2-{tag}.de" }, people, persona });
        Assert.Empty(fallback.GetProperty("result").GetProperty("leads").EnumerateArray());
        Assert.Equal(1, fallback.GetProperty("usage").GetProperty("reasoning").GetProperty("fallbacks").GetInt32());
        Assert.Equal(0, fallback.GetProperty("usage").GetProperty("credits_charged").GetInt32());

        fixture.Model.Script = _ => ScriptedChatClient.Answer("""{"matches": [{"index": 0, "score": 91, "reasons": ["ok"]}, {"index": 0, "score": 90, "reasons": ["again"]}]}""");
        var repeated = await team.RunToSuccessAsync("/lead-discovery/run/discover", new { company = new { domain = $"llm-leads-3-{tag}.de" }, people, persona });
        Assert.Equal(1, repeated.GetProperty("usage").GetProperty("reasoning").GetProperty("fallbacks").GetInt32());
    }
}
