using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Alavida.Grains.MeetingAnalysis;
using Alavida.Grains.Meetings;
using Alavida.Tests.Gateway;
using Alavida.Tests.Prospect;

namespace Alavida.Tests.MeetingAnalysis;

/// <summary>meeting-analysis with <c>Reasoning:Provider=custom</c>: the scripted model at the boundary, everything behind it real.</summary>
[Collection(ProspectLlmCollection.Name)]
public sealed class MeetingAnalysisLlmTests(LlmFixture fixture)
{
    [Fact]
    public async Task Intents_AreTheModels_WhenItQuotesTheSnippets_ElseThePhraseListsDecide()
    {
        var tag = Guid.NewGuid().ToString("N")[..10];
        var team = await fixture.CreateTeamAsync(credits: 100);
        var answer = """{"intents":[{"intent":"evaluation","snippet":0,"phrase":"kicking the tyres"}]}""";
        fixture.Model.Script = schema => schema == "mention_intents" ? ScriptedChatClient.Answer(answer) : throw new InvalidOperationException(schema);
        var spans = new ConcurrentBag<Activity>();
        using var listener = ScriptedChatClient.ListenToModelCalls(spans);

        var quoted = await AnalyseAsync(team, tag, "a", "We are kicking the tyres on three vendors this month.");

        Assert.Equal("llm", quoted.GetProperty("reasoner").GetString());
        Assert.Equal(["evaluation"], quoted.GetProperty("intents").EnumerateArray().Select(i => i.GetString()));
        Assert.Equal("kicking the tyres", quoted.GetProperty("intent_evidence")[0].GetProperty("phrase").GetString());
        Assert.Contains(spans, s => s.TraceId.ToHexString() == quoted.GetProperty("trace_id").GetString()); // a GenAI span under the meeting's trace

        // A phrase the snippet does not contain (or an answer out of schema) is not used: the phrase lists decide.
        answer = """{"intents":[{"intent":"budget","snippet":0,"phrase":"we have a million dollars"}]}""";
        var invented = await AnalyseAsync(team, tag, "b", "Can you send pricing for a pilot?");
        Assert.Equal("deterministic", invented.GetProperty("reasoner").GetString());
        Assert.Equal(["evaluation", "pricing"], invented.GetProperty("intents").EnumerateArray().Select(i => i.GetString()));

        answer = "not json at all";
        var broken = await AnalyseAsync(team, tag, "c", "Our budget is approved for a pilot.");
        Assert.Equal("deterministic", broken.GetProperty("reasoner").GetString());
        Assert.Equal(["evaluation", "budget"], broken.GetProperty("intents").EnumerateArray().Select(i => i.GetString()));
    }

    /// <summary>Ingests a call with one guest at a company of its own, waits for its analysis, and returns that company's mention.</summary>
    private async Task<JsonElement> AnalyseAsync(TestTeam team, string tag, string call, string said)
    {
        var meeting = SalesCalls.Partners with
        {
            OrganizerEmail = $"host@brightwave-{tag}.io",
            Participants = [new("Hana Host", $"host@brightwave-{tag}.io", null, null, "host"), new("Gus Guest", $"gus@quanta-{call}-{tag}.io", null, null, "guest")],
            Segments = [new TranscriptSegment("Gus Guest", said, 1, 4)],
        };
        var json = AnalysisJson.Of(meeting, $"{call}-{tag}");
        var ingest = await team.RunToSuccessAsync("/meeting-sync/run/ingest", new { meetings = new[] { json } });
        var trace = ingest.GetProperty("trace_id").GetString()!;
        await CascadeWait.UntilAsync(fixture, trace, c => c.Runs(TranscriptAddedFunction.Id, "completed") == 1);
        return Assert.Single(await team.Http.ListAllAsync($"/meeting-analysis/data/mentions?trace_id={trace}"));
    }
}
