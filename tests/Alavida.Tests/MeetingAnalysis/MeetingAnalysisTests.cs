using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Alavida.Grains.MeetingAnalysis;
using Alavida.Grains.Prospect;
using Alavida.Tests.Gateway;
using Alavida.Tests.Meetings;
using Alavida.Tests.Prospect;

namespace Alavida.Tests.MeetingAnalysis;

/// <summary>meeting-analysis over HTTP and the mesh: real PostgreSQL, silo, identity and gateway.</summary>
[Collection(MeetingCollection.Name)]
public sealed class MeetingAnalysisTests(GatewayFixture fixture)
{
    private const string Ingest = "/meeting-sync/run/ingest";
    private const string Analyze = "/meeting-analysis/run/analyze";

    [Fact]
    public async Task AnIngestedMeeting_IsAnalysed_ItsCompaniesListedWithSourcesSnippetsAndIntents_AndHandedOn()
    {
        var team = await fixture.CreateTeamAsync(credits: 100);
        var ingest = await team.RunToSuccessAsync(Ingest, new { meetings = new[] { AnalysisJson.Of(SalesCalls.Discovery, Tag()) } });
        var trace = ingest.GetProperty("trace_id").GetString()!;
        var meetingId = ingest.GetProperty("result").GetProperty("results")[0].GetProperty("meeting_id").GetString()!;

        await CascadeWait.UntilAsync(fixture, trace, c => c.Runs(TranscriptAddedFunction.Id, "completed") == 1);

        var mentions = await team.Http.ListAllAsync($"/meeting-analysis/data/mentions?meeting_id={meetingId}");
        Assert.Equal(SalesCalls.DiscoveryCompanies.Order(), mentions.Select(Label).Order());
        var acme = mentions.Single(m => Label(m) == "acme-robotics.io");
        Assert.Equal("Acme Robotics GmbH", acme.GetProperty("name").GetString());
        Assert.Equal(["email_domain", "legal_name", "url"], Strings(acme, "sources"));
        Assert.Equal(["pain", "pricing", "timeline", "budget", "next_step"], Strings(acme, "intents"));
        Assert.Equal(["Tom Becker", "Priya Nair"], acme.GetProperty("participants").EnumerateArray().Select(p => p.GetProperty("name").GetString()));
        Assert.All(acme.GetProperty("participants").EnumerateArray(), p => Assert.NotEqual(JsonValueKind.Null, p.GetProperty("person_id").ValueKind));
        var pain = acme.GetProperty("intent_evidence")[0];
        Assert.Equal(("pain", "manual process"), (pain.GetProperty("intent").GetString(), pain.GetProperty("phrase").GetString()));
        var snippet = acme.GetProperty("snippets")[pain.GetProperty("snippet").GetInt32()];
        Assert.Equal(("Tom Becker", 12.0), (snippet.GetProperty("speaker").GetString(), snippet.GetProperty("start_s").GetDouble()));
        Assert.Equal(0.95, acme.GetProperty("engagement").GetDouble());
        Assert.Equal(["competitor"], Strings(mentions.Single(m => Label(m) == "Kardex Systems AG"), "intents"));

        // Filters and paging, as on every data list.
        var companyId = acme.GetProperty("company_id").GetString()!;
        Assert.Equal(2, (await team.Http.ListAllAsync($"/meeting-analysis/data/mentions?intent=competitor&trace_id={trace}")).Count);
        Assert.Single(await team.Http.ListAllAsync($"/meeting-analysis/data/mentions?company_id={companyId}"));
        var page = await (await team.Http.GetAsync($"/meeting-analysis/data/mentions?trace_id={trace}&limit=3")).ReadJsonAsync();
        var next = await (await team.Http.GetAsync($"/meeting-analysis/data/mentions?trace_id={trace}&limit=3&cursor={page.GetProperty("next_cursor").GetString()}")).ReadJsonAsync();
        Assert.Equal((3, 2, JsonValueKind.Null), (page.GetProperty("items").GetArrayLength(), next.GetProperty("items").GetArrayLength(), next.GetProperty("next_cursor").ValueKind));
        var one = await (await team.Http.GetAsync($"/meeting-analysis/data/mentions/{acme.GetProperty("mention_id").GetString()}")).ReadJsonAsync();
        Assert.Equal(companyId, one.GetProperty("company_id").GetString());
        var badIntent = await (await team.Http.GetAsync("/meeting-analysis/data/mentions?intent=gossip")).AssertProblemAsync(HttpStatusCode.UnprocessableEntity);
        Assert.Equal("intent", badIntent.GetProperty("errors")[0].GetProperty("field").GetString());

        // One event per company; the participants are lead-discovery people of their company; one engagement signal each.
        var events = await MentionEventsAsync(team, trace);
        Assert.Equal(5, events.Count);
        var acmeEvent = events.Single(e => e.GetProperty("data").GetProperty("company_id").GetString() == companyId);
        Assert.Equal(2, acmeEvent.GetProperty("data").GetProperty("participants").GetArrayLength());
        var people = await team.Http.ListAllAsync($"/lead-discovery/data/people?company_id={companyId}");
        Assert.Equal(["Priya Nair", "Tom Becker"], people.Select(p => p.GetProperty("name").GetString()).Order());
        Assert.All(people, p => Assert.Equal("meeting", p.GetProperty("source").GetString()));
        var signal = Assert.Single(await team.Http.ListAllAsync($"/buying-signals/data/signals?company_id={companyId}"));
        Assert.Equal(("engagement", 0.95), (signal.GetProperty("type").GetString(), signal.GetProperty("strength").GetDouble()));
        Assert.Equal(SalesCalls.Discovery.StartedAt, signal.GetProperty("observed_at").GetDateTimeOffset());
        Assert.StartsWith("Tom: We have budget approved", signal.GetProperty("evidence").GetString()); // the snippet with most intents
    }

    [Fact]
    public async Task Analyze_ReportsOtherTeamsMeetingsAsNotFound_IsFreeWhenUnchanged_AndNeverAnnouncesTwice()
    {
        var owner = await fixture.CreateTeamAsync(credits: 100);
        var other = await fixture.CreateTeamAsync(credits: 100);
        // The team knows two companies by name (identity's team links): the call names them without a legal form or domain.
        await owner.RunToSuccessAsync("/identity/run/resolve-company", new { companies = new[] { new { name = "Zendesk" }, new { name = "Northwind Traders" } } });
        var ingest = await owner.RunToSuccessAsync(Ingest, new { meetings = new[] { AnalysisJson.Of(SalesCalls.Helpdesk, Tag()) } });
        var meetingId = ingest.GetProperty("result").GetProperty("results")[0].GetProperty("meeting_id").GetString()!;
        await CascadeWait.UntilAsync(fixture, ingest.GetProperty("trace_id").GetString()!, c => c.Runs(TranscriptAddedFunction.Id, "completed") == 1);
        var mentions = await owner.Http.ListAllAsync($"/meeting-analysis/data/mentions?meeting_id={meetingId}");
        Assert.Equal(5, mentions.Count);

        var theirs = await other.RunToSuccessAsync(Analyze, new { meeting_ids = new[] { meetingId } });
        Assert.Equal("not_found", theirs.GetProperty("result").GetProperty("results")[0].GetProperty("status").GetString());
        Assert.Equal(0, theirs.GetProperty("usage").GetProperty("credits_charged").GetInt32());
        Assert.Empty(await other.Http.ListAllAsync("/meeting-analysis/data/mentions"));
        await (await other.Http.GetAsync($"/meeting-analysis/data/mentions/{mentions[0].GetProperty("mention_id").GetString()}")).AssertProblemAsync(HttpStatusCode.NotFound);

        var unknown = Guid.NewGuid().ToString();
        var again = await owner.RunToSuccessAsync(Analyze, new { meeting_ids = new[] { meetingId, unknown } });
        Assert.Equal(["unchanged", "not_found"], again.GetProperty("result").GetProperty("results").EnumerateArray().Select(r => r.GetProperty("status").GetString()));
        Assert.Equal(0, again.GetProperty("usage").GetProperty("credits_charged").GetInt32());
        Assert.Empty(await MentionEventsAsync(owner, again.GetProperty("trace_id").GetString()!));

        // Analysed again from scratch (as a meeting stored before analysis shipped would be): billed, the same mentions,
        // and their events are the ones already sent (ids from meeting, company and content), so none is sent twice.
        var deleted = await fixture.ScalarAsync<long>(
            "WITH d AS (DELETE FROM meeting_analysis.analyses WHERE team_id = @t RETURNING 1) SELECT count(*) FROM d", ("t", owner.TeamId));
        Assert.Equal(1L, deleted);
        var fresh = await owner.RunToSuccessAsync(Analyze, new { meeting_ids = new[] { meetingId } });
        Assert.Equal((1, 5), (fresh.GetProperty("result").GetProperty("counts").GetProperty("analyzed").GetInt32(), fresh.GetProperty("result").GetProperty("counts").GetProperty("mentions").GetInt32()));
        Assert.Equal(2, fresh.GetProperty("usage").GetProperty("credits_charged").GetInt32());
        Assert.Equal(
            mentions.Select(m => m.GetProperty("mention_id").GetString()).Order(),
            (await owner.Http.ListAllAsync($"/meeting-analysis/data/mentions?meeting_id={meetingId}")).Select(m => m.GetProperty("mention_id").GetString()).Order());
        Assert.Equal(5, (await owner.Http.ListAllAsync($"/events?name={Uri.EscapeDataString(MentionEvents.CompanyMentioned)}")).Count);
    }

    [Fact]
    public async Task OneTranscript_RunsTheWholeChain_UnderOneTrace_AndACompanyWithoutFactsIsInsufficientData()
    {
        var tag = Tag();
        var team = await fixture.CreateTeamAsync(credits: 200);
        // The team has qualified once: its ICP and persona, and the facts of the company the call will be with.
        await team.RunToSuccessAsync("/icp-discovery/run/qualify", new
        {
            icp = ProspectScenario.Icp, persona = ProspectScenario.Persona, companies = ProspectScenario.Companies(tag).Take(1).ToArray(),
        });
        var call = SalesCalls.Discovery with
        {
            StartedAt = DateTimeOffset.UtcNow.AddHours(-2),
            OrganizerEmail = $"maya@brightwave-{tag}.io",
            Participants =
            [
                new("Maya Chen", $"maya@brightwave-{tag}.io", null, null, "host"),
                new("Vera Stone", $"vera@{ProspectScenario.Fit(1, tag)}", "VP Sales", null, "guest"),
            ],
            Segments =
            [
                new("Vera Stone", "We are evaluating tools for freight visibility; our budget is approved.", 5, 9),
                new("Vera Stone", "We also work with Nordwerk Logistik GmbH on the Hamburg route.", 10, 14),
            ],
        };

        var ingest = await team.RunToSuccessAsync(Ingest, new { meetings = new[] { AnalysisJson.Of(call, tag) } });
        var trace = ingest.GetProperty("trace_id").GetString()!;

        await CascadeWait.UntilAsync(fixture, trace, c => c.Runs(TranscriptAddedFunction.Id) == 1 && c.Runs(QualifyMentionFunction.Id) == 2
            && c.Runs(LeadsOnQualifiedFunction.Id) == 1 && c.Runs(ScoreOnLeadsFunction.Id) == 1);
        var runs = (await (await team.Http.GetAsync($"/traces/{trace}")).ReadJsonAsync()).GetProperty("runs").EnumerateArray().ToList();
        Assert.Equal(
            new[] { TranscriptAddedFunction.Id, QualifyMentionFunction.Id, LeadsOnQualifiedFunction.Id, ScoreOnLeadsFunction.Id }.Order(),
            runs.Select(r => r.GetProperty("function_id").GetString()).Distinct().Order());
        Assert.All(runs, r => Assert.Equal("completed", r.GetProperty("status").GetString()));

        var qualifications = await team.Http.ListAllAsync($"/icp-discovery/data/qualifications?trace_id={trace}");
        Assert.Equal(["insufficient_data", "qualified"], qualifications.Select(q => q.GetProperty("status").GetString()).Order());
        var insufficient = qualifications.Single(q => q.GetProperty("status").GetString() == "insufficient_data");
        Assert.Equal(["industry", "employees", "country", "description"], Strings(insufficient, "missing_facts"));
        var lead = Assert.Single(await team.Http.ListAllAsync($"/lead-discovery/data/leads?trace_id={trace}"));
        Assert.Equal(("Vera Stone", "meeting"), (lead.GetProperty("name").GetString(), lead.GetProperty("source").GetString()));
        var score = Assert.Single(await team.Http.ListAllAsync($"/buying-signals/data/scores?trace_id={trace}"));
        Assert.Equal("engagement", score.GetProperty("evidence")[0].GetProperty("type").GetString());
        Assert.True(score.GetProperty("score").GetDouble() > 0);
    }

    private static string Tag() => Guid.NewGuid().ToString("N")[..10];

    private static string Label(JsonElement mention) => mention.GetProperty("domain").GetString() ?? mention.GetProperty("name").GetString()!;

    private static List<string> Strings(JsonElement e, string property) => [.. e.GetProperty(property).EnumerateArray().Select(s => s.GetString()!)];

    private static async Task<List<JsonElement>> MentionEventsAsync(TestTeam team, string trace) =>
        [.. (await team.Http.ListAllAsync($"/events?name={Uri.EscapeDataString(MentionEvents.CompanyMentioned)}")).Where(e => e.GetProperty("trace_id").GetString() == trace)];
}

/// <summary>A test call as meeting-sync's ingest takes it (segments, with a tagged external id).</summary>
public static class AnalysisJson
{
    public static JsonObject Of(AnalysisMeeting call, string tag) => new()
    {
        ["source"] = "gong",
        ["external_id"] = $"call-{tag}",
        ["title"] = "Discovery call",
        ["started_at"] = call.StartedAt.ToString("yyyy-MM-ddTHH:mm:ssZ"),
        ["organizer_email"] = call.OrganizerEmail,
        ["participants"] = new JsonArray([.. call.Participants.Select(p => (JsonNode)Defined(new JsonObject
        {
            ["name"] = p.Name, ["email"] = p.Email, ["title"] = p.Title, ["company"] = p.Company, ["role"] = p.Role,
        }))]),
        ["segments"] = new JsonArray([.. call.Segments.Select(s => (JsonNode)new JsonObject { ["speaker"] = s.Speaker, ["text"] = s.Text, ["start_s"] = s.StartS, ["end_s"] = s.EndS })]),
    };

    private static JsonObject Defined(JsonObject o)
    {
        foreach (var name in o.Where(p => p.Value is null).Select(p => p.Key).ToList())
        {
            o.Remove(name);
        }

        return o;
    }
}
