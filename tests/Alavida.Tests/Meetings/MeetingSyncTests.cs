using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Alavida.Grains.MeetingAnalysis;
using Alavida.Grains.Meetings;
using Alavida.Tests.Gateway;
using Alavida.Tests.Prospect;

namespace Alavida.Tests.Meetings;

[CollectionDefinition(Name)]
public sealed class MeetingCollection : ICollectionFixture<GatewayFixture>
{
    public const string Name = "meetings";
}

/// <summary>meeting-sync over HTTP and the mesh: real PostgreSQL, silo, identity and gateway.</summary>
[Collection(MeetingCollection.Name)]
public sealed class MeetingSyncTests(GatewayFixture fixture)
{
    private const string Ingest = "/meeting-sync/run/ingest";

    [Fact]
    public async Task Ingest_StoresEveryFormat_ResolvesParticipants_AnnouncesEach_AndCharges()
    {
        var tag = Tag();
        var team = await fixture.CreateTeamAsync(credits: 100);
        var meetings = new[]
        {
            MeetingJson.Of(tag, "zoom", "z-1", m => m["vtt"] = MeetingTranscripts.ZoomVtt),
            MeetingJson.Of(tag, "teams", "t-1", m => m["vtt"] = MeetingTranscripts.TeamsVtt),
            MeetingJson.Of(tag, "granola", "g-1", m => m["text"] = MeetingTranscripts.PlainText),
            MeetingJson.Of(tag, "manual", "m-1", m => m["segments"] = new JsonArray(
                new JsonObject { ["speaker"] = "Dana Reyes", ["text"] = "Hello  there.", ["start_s"] = 0.5, ["end_s"] = 2 },
                new JsonObject { ["speaker"] = "Chris Park", ["text"] = "Hi!" })),
        };

        var job = await team.RunToSuccessAsync(Ingest, new { meetings });

        var result = job.GetProperty("result");
        Assert.Equal((4, 4, 0, 0), Counts(result));
        Assert.Equal(["vtt", "vtt", "text", "segments"], result.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("format").GetString()));
        Assert.Equal(4, job.GetProperty("usage").GetProperty("credits_charged").GetInt32());
        var trace = job.GetProperty("trace_id").GetString()!;
        var added = await AddedEventsAsync(team, trace);
        Assert.Equal(result.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("meeting_id").GetString()).Order(), added.Select(e => e.MeetingId).Order());

        var zoom = await MeetingAsync(team, result.GetProperty("results")[0].GetProperty("meeting_id").GetString()!);
        Assert.Equal(("zoom", $"z-1-{tag}", 3, trace), (zoom.GetProperty("source").GetString(), zoom.GetProperty("external_id").GetString(),
            zoom.GetProperty("segment_count").GetInt32(), zoom.GetProperty("trace_id").GetString()));
        var segment = zoom.GetProperty("segments")[1];
        Assert.Equal(("Chris Park", "We use spreadsheets and Globex. Honestly it is painful.", 7.0, 11.31),
            (segment.GetProperty("speaker").GetString(), segment.GetProperty("text").GetString(), segment.GetProperty("start_s").GetDouble(), segment.GetProperty("end_s").GetDouble()));
        var teams = await MeetingAsync(team, result.GetProperty("results")[1].GetProperty("meeting_id").GetString()!);
        Assert.Equal(["Dana Reyes", "Chris Park", "Chris Park"], teams.GetProperty("segments").EnumerateArray().Select(s => s.GetProperty("speaker").GetString()));
        var manual = await MeetingAsync(team, result.GetProperty("results")[3].GetProperty("meeting_id").GetString()!);
        Assert.Equal("Hello there.", manual.GetProperty("segments")[0].GetProperty("text").GetString());
        Assert.Equal(JsonValueKind.Null, manual.GetProperty("segments")[1].GetProperty("start_s").ValueKind);

        // Participants as identity resolves them: a work email gives the person and the company of its domain; free
        // mail gives the person, and the company by its name; free mail without a company name gives no company.
        var people = zoom.GetProperty("participants").EnumerateArray().ToList();
        Assert.Equal(["Dana Reyes", "Chris Park", "Sam Lee", "Robin Free"], people.Select(p => p.GetProperty("name").GetString()));
        var acme = await CompanyByDomainAsync($"acme-{tag}.com");
        Assert.Equal((await PersonByEmailAsync($"dana@acme-{tag}.com")).ToString(), people[0].GetProperty("person_id").GetString());
        Assert.Equal(acme.ToString(), people[0].GetProperty("company_id").GetString());
        Assert.Equal("host", people[0].GetProperty("role").GetString());
        Assert.Equal((await CompanyByDomainAsync($"northwind-{tag}.io")).ToString(), people[1].GetProperty("company_id").GetString());
        var byName = await team.RunToSuccessAsync("/identity/run/resolve-company", new { companies = new[] { new { name = $"Globex Freight {tag} GmbH" } } });
        Assert.Equal(byName.GetProperty("result").GetProperty("results")[0].GetProperty("company_id").GetString(), people[2].GetProperty("company_id").GetString());
        Assert.Equal((await PersonByEmailAsync($"samlee{tag}@gmail.com")).ToString() /* gmail ignores dots */, people[2].GetProperty("person_id").GetString());
        Assert.Equal(JsonValueKind.Null, people[3].GetProperty("company_id").ValueKind);
        Assert.NotEqual(JsonValueKind.Null, people[3].GetProperty("person_id").ValueKind);

        // The data list and its filters.
        Assert.Equal(4, (await team.Http.ListAllAsync($"/meeting-sync/data/meetings?trace_id={trace}")).Count);
        Assert.Equal(4, (await team.Http.ListAllAsync($"/meeting-sync/data/meetings?company_id={acme}")).Count);
        var teamsOnly = Assert.Single(await team.Http.ListAllAsync($"/meeting-sync/data/meetings?source=teams&external_id=t-1-{tag}"));
        Assert.Equal(teams.GetProperty("meeting_id").GetString(), teamsOnly.GetProperty("meeting_id").GetString());
        Assert.False(teamsOnly.TryGetProperty("segments", out _));
        Assert.Equal(4, (await team.Http.ListAllAsync($"/meeting-sync/data/meetings?person_id={people[0].GetProperty("person_id").GetString()}&since=2026-03-04T00:00:00Z")).Count);
        Assert.Empty(await team.Http.ListAllAsync("/meeting-sync/data/meetings?since=2026-03-05T00:00:00Z"));
        var firstPage = await (await team.Http.GetAsync("/meeting-sync/data/meetings?limit=3")).ReadJsonAsync();
        Assert.Equal(3, firstPage.GetProperty("items").GetArrayLength());
        var secondPage = await (await team.Http.GetAsync($"/meeting-sync/data/meetings?limit=3&cursor={firstPage.GetProperty("next_cursor").GetString()}")).ReadJsonAsync();
        Assert.Equal(1, secondPage.GetProperty("items").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, secondPage.GetProperty("next_cursor").ValueKind);
    }

    [Fact]
    public async Task Reingest_Unchanged_IsFreeAndSilent_Changed_IsUpdatedAndAnnouncedAgain()
    {
        var tag = Tag();
        var team = await fixture.CreateTeamAsync(credits: 100);
        var original = MeetingJson.Of(tag, "granola", "g-1", m => m["text"] = "Dana Reyes: We need a pilot by March.");
        var first = await team.RunToSuccessAsync(Ingest, new { meetings = new[] { original } });
        var meetingId = first.GetProperty("result").GetProperty("results")[0].GetProperty("meeting_id").GetString()!;

        // The same words as segments instead of text: the content is the same.
        var sameAsSegments = MeetingJson.Of(tag, "granola", "g-1", m => m["segments"] = new JsonArray(
            new JsonObject { ["speaker"] = "Dana Reyes", ["text"] = "We need a pilot by March." }));
        var again = await team.RunToSuccessAsync(Ingest, new { meetings = new[] { sameAsSegments } });

        Assert.Equal((1, 0, 0, 1), Counts(again.GetProperty("result")));
        Assert.Equal("unchanged", again.GetProperty("result").GetProperty("results")[0].GetProperty("status").GetString());
        Assert.Equal(meetingId, again.GetProperty("result").GetProperty("results")[0].GetProperty("meeting_id").GetString());
        Assert.Equal(0, again.GetProperty("usage").GetProperty("credits_charged").GetInt32());
        Assert.Empty(await AddedEventsAsync(team, again.GetProperty("trace_id").GetString()!));

        var changed = MeetingJson.Of(tag, "granola", "g-1", m => m["text"] = "Dana Reyes: We need a pilot by April, with pricing.");
        var update = await team.RunToSuccessAsync(Ingest, new { meetings = new[] { changed } });

        Assert.Equal((1, 0, 1, 0), Counts(update.GetProperty("result")));
        Assert.Equal(meetingId, update.GetProperty("result").GetProperty("results")[0].GetProperty("meeting_id").GetString());
        Assert.Equal(1, update.GetProperty("usage").GetProperty("credits_charged").GetInt32());
        var updateTrace = update.GetProperty("trace_id").GetString()!;
        Assert.Equal(meetingId, Assert.Single(await AddedEventsAsync(team, updateTrace)).MeetingId);
        var stored = await MeetingAsync(team, meetingId);
        Assert.Equal((2, updateTrace), (stored.GetProperty("revision").GetInt32(), stored.GetProperty("trace_id").GetString()));
        Assert.Equal("We need a pilot by April, with pricing.", Assert.Single(stored.GetProperty("segments").EnumerateArray()).GetProperty("text").GetString());
        Assert.Equal(1L, await fixture.ScalarAsync<long>("SELECT count(*) FROM meetings.meetings WHERE team_id = @t", ("t", team.TeamId)));
        Assert.Equal(4L, await fixture.ScalarAsync<long>("SELECT count(*) FROM meetings.participants WHERE meeting_id = @m", ("m", Guid.Parse(meetingId))));
    }

    [Fact]
    public async Task TranscriptReceived_ThroughEventsAndAnEventKey_IsStoredUnderTheEventsTrace_AndAnnounced()
    {
        var tag = Tag();
        var team = await fixture.CreateTeamAsync(credits: 100);
        var key = (await (await team.Http.PostAsJsonAsync("/event-keys", new { name = "n8n" })).ReadJsonAsync()).GetProperty("key").GetString()!;

        var viaEvents = await team.Http.PostAsJsonAsync("/events", new
        {
            name = MeetingEvents.TranscriptReceived, trace_id = $"events-{tag}",
            data = MeetingJson.Of(tag, "zoom", "e-1", m => m["vtt"] = MeetingTranscripts.ZoomVtt),
        });
        Assert.Equal(HttpStatusCode.Accepted, viaEvents.StatusCode);
        var viaKey = await fixture.Client(null).PostAsJsonAsync($"/e/{key}", new
        {
            name = MeetingEvents.TranscriptReceived,
            data = MeetingJson.Of(tag, "granola", "k-1", m => { m["text"] = MeetingTranscripts.PlainText; m["trace_id"] = $"key-{tag}"; }),
        });
        Assert.Equal(HttpStatusCode.OK, viaKey.StatusCode);

        foreach (var (trace, source) in new[] { ($"events-{tag}", "zoom"), ($"key-{tag}", "granola") })
        {
            var runs = await CascadeWait.UntilAsync(fixture, trace, c => c.Runs(TranscriptReceivedFunction.Id) == 1 && c.Runs(TranscriptAddedFunction.Id) == 1);
            Assert.Equal(1, runs.Runs(TranscriptReceivedFunction.Id, "completed"));
            var meeting = Assert.Single(await team.Http.ListAllAsync($"/meeting-sync/data/meetings?trace_id={trace}"));
            Assert.Equal(source, meeting.GetProperty("source").GetString());
            Assert.Equal(meeting.GetProperty("meeting_id").GetString(), Assert.Single(await AddedEventsAsync(team, trace)).MeetingId);
        }

        // 1 credit to store each meeting, 2 to analyse it (meeting-analysis runs on meeting/transcript.added in the same trace).
        Assert.Equal(94, (await (await team.Http.GetAsync("/credits")).ReadJsonAsync()).GetProperty("balance").GetInt64());

        // The same meeting sent again by event, unchanged: the run completes, stores nothing new, announces nothing, is free.
        await team.Http.PostAsJsonAsync("/events", new
        {
            name = MeetingEvents.TranscriptReceived, trace_id = $"events-again-{tag}",
            data = MeetingJson.Of(tag, "zoom", "e-1", m => m["vtt"] = MeetingTranscripts.ZoomVtt),
        });
        await CascadeWait.UntilAsync(fixture, $"events-again-{tag}", c => c.Runs(TranscriptReceivedFunction.Id, "completed") == 1);
        Assert.Empty(await AddedEventsAsync(team, $"events-again-{tag}"));
        Assert.Equal(94, (await (await team.Http.GetAsync("/credits")).ReadJsonAsync()).GetProperty("balance").GetInt64());
    }

    [Fact]
    public async Task TranscriptReceived_WithAnInvalidMeeting_FailsThatRunNamingTheField_AndStoresNothing()
    {
        var tag = Tag();
        var team = await fixture.CreateTeamAsync(credits: 100);
        var trace = $"bad-{tag}";

        var sent = await team.Http.PostAsJsonAsync("/events", new
        {
            name = MeetingEvents.TranscriptReceived, trace_id = trace,
            data = MeetingJson.Of(tag, "zoom", "bad-1", m => m["vtt"] = "00:00:01.000 --> 00:00:02.000\nno header"),
        });
        Assert.Equal(HttpStatusCode.Accepted, sent.StatusCode);

        await CascadeWait.UntilAsync(fixture, trace, c => c.Runs(TranscriptReceivedFunction.Id, "failed") == 1);
        var run = Assert.Single((await (await team.Http.GetAsync($"/runs?trace_id={trace}")).ReadJsonAsync()).GetProperty("items").EnumerateArray());
        Assert.Equal(1, run.GetProperty("attempts").GetInt32()); // not retried: it would fail the same way
        Assert.Contains("data/vtt", run.GetProperty("error").GetString());
        Assert.Contains("WEBVTT", run.GetProperty("error").GetString());
        Assert.Equal(0L, await fixture.ScalarAsync<long>("SELECT count(*) FROM meetings.meetings WHERE team_id = @t", ("t", team.TeamId)));
        Assert.Equal(100, (await (await team.Http.GetAsync("/credits")).ReadJsonAsync()).GetProperty("balance").GetInt64());
    }

    [Fact]
    public async Task AnotherTeam_NeitherSeesNorTouchesAMeeting()
    {
        var tag = Tag();
        var owner = await fixture.CreateTeamAsync(credits: 10);
        var other = await fixture.CreateTeamAsync(credits: 10);
        var meeting = MeetingJson.Of(tag, "gong", "x-1", m => m["text"] = "Dana Reyes: Confidential pricing.");
        var job = await owner.RunToSuccessAsync(Ingest, new { meetings = new[] { meeting } });
        var meetingId = job.GetProperty("result").GetProperty("results")[0].GetProperty("meeting_id").GetString()!;

        await (await other.Http.GetAsync($"/meeting-sync/data/meetings/{meetingId}")).AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.Empty(await other.Http.ListAllAsync($"/meeting-sync/data/meetings?source=gong&external_id=x-1-{tag}"));

        // The same (source, external_id) from the other team is that team's own meeting; the owner's is unchanged.
        var theirs = await other.RunToSuccessAsync(Ingest, new { meetings = new[] { MeetingJson.Of(tag, "gong", "x-1", m => m["text"] = "Someone: else") } });
        Assert.Equal("stored", theirs.GetProperty("result").GetProperty("results")[0].GetProperty("status").GetString());
        Assert.NotEqual(meetingId, theirs.GetProperty("result").GetProperty("results")[0].GetProperty("meeting_id").GetString());
        Assert.Equal("Confidential pricing.", (await MeetingAsync(owner, meetingId)).GetProperty("segments")[0].GetProperty("text").GetString());
    }

    public static TheoryData<string, string> BadInputs()
    {
        var tag = "bad";
        string Body(params JsonObject[] meetings) => new JsonObject { ["meetings"] = new JsonArray([.. meetings]) }.ToJsonString();
        JsonObject With(Action<JsonObject> transcript) => MeetingJson.Of(tag, "zoom", "b-1", transcript);
        return new()
        {
            { Body(With(m => m["text"] = "")), "/meetings/0/text" },
            { Body(With(m => m["text"] = " \n\t ")), "/meetings/0/text" },
            { Body(With(m => m["segments"] = new JsonArray())), "/meetings/0/segments" },
            { Body(With(m => m["text"] = "Dana: " + new string('x', 2_000_000))), "/meetings/0/text" },
            { Body(With(m => m["vtt"] = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nDana: " + new string('x', 2_000_000))), "/meetings/0/vtt" },
            { Body(With(m => m["vtt"] = "00:00:01.000 --> 00:00:02.000\nDana: hi")), "/meetings/0/vtt" },
            { Body(With(m => m["vtt"] = "WEBVTT\n\n1\n00:00:01,000 --> 00:00:02,000\nDana: hi")), "/meetings/0/vtt" },
            { Body(With(m => m["vtt"] = "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\n\n2\n00:00:03.000 --> 00:00:04.000\nDana: hi")), "/meetings/0/vtt" },
            { Body(With(m => m["segments"] = new JsonArray(new JsonObject { ["speaker"] = "Dana" }))), "/meetings/0/segments/0" },
            { Body(With(m => m["segments"] = new JsonArray(new JsonObject { ["speaker"] = "Dana", ["text"] = "   " }))), "/meetings/0/segments/0/text" },
            { Body(With(m => { m["text"] = "Dana: hi"; m["vtt"] = "WEBVTT"; })), "/meetings/0" },
            { Body(With(_ => { })), "/meetings/0" },
            { Body(With(m => m["text"] = "Dana: hi"), With(m => m["text"] = "Dana: hello")), "/meetings/1/external_id" },
            { Body([.. Enumerable.Range(0, 101).Select(i => MeetingJson.Of(tag, "zoom", $"n-{i}", m => m["text"] = "Dana: hi"))]), "/meetings" },
            { Body(With(m => { m["text"] = "Dana: hi"; m["participants"]![0]!["role"] = "owner"; })), "/meetings/0/participants/0/role" },
            { Body(With(m => { m["text"] = "Dana: hi"; m["started_at"] = "2026-13-04T15:00:00Z"; })), "/meetings/0/started_at" },
        };
    }

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task BadInput_Is422NamingTheField_AndStoresNothing(string body, string field)
    {
        var team = await fixture.CreateTeamAsync(credits: 1_000);

        var response = await team.Http.PostExpectingContinueAsync(Ingest, body);

        var problem = await response.AssertProblemAsync(HttpStatusCode.UnprocessableEntity);
        Assert.Contains(problem.GetProperty("errors").EnumerateArray(), e => e.GetProperty("field").GetString() == field);
        Assert.Equal(0L, await fixture.ScalarAsync<long>("SELECT count(*) FROM jobs WHERE team_id = @t", ("t", team.TeamId)));
        Assert.Equal(0L, await fixture.ScalarAsync<long>("SELECT count(*) FROM meetings.meetings WHERE team_id = @t", ("t", team.TeamId)));
    }

    [Fact]
    public async Task Ingest_OfLongTranscripts_OverThePlatformsDefaultBodyLimit_IsStored()
    {
        var tag = Tag();
        var team = await fixture.CreateTeamAsync(credits: 10);
        var line = "Dana Reyes: " + string.Join(' ', Enumerable.Repeat("freight", 11)); // 99 characters and a line break
        var text = string.Join('\n', Enumerable.Repeat(line, (MeetingLimits.MaxTranscriptChars / 100) - 1));
        var meetings = Enumerable.Range(0, 3).Select(i => MeetingJson.Of(tag, "zoom", $"long-{i}", m => m["text"] = text)).ToArray();
        var body = new JsonObject { ["meetings"] = new JsonArray(meetings) }.ToJsonString();
        Assert.True(body.Length > 2 * 1024 * 1024);

        var accepted = await team.Http.PostExpectingContinueAsync(Ingest, body);

        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var job = await team.WaitForJobAsync((await accepted.ReadJsonAsync()).GetProperty("job_id").GetString()!);
        Assert.Equal("succeeded", job.GetProperty("status").GetString());
        Assert.Equal((3, 3, 0, 0), Counts(job.GetProperty("result")));
        Assert.All(job.GetProperty("result").GetProperty("results").EnumerateArray(), r => Assert.Equal(9_999, r.GetProperty("segments").GetInt32()));
    }

    [Fact]
    public async Task ARequestOverTheActionsBodyLimit_Is413_NamingThatLimit()
    {
        var team = await fixture.CreateTeamAsync(credits: 10);
        var body = new JsonObject { ["meetings"] = new JsonArray(MeetingJson.Of("big", "zoom", "b", m => m["text"] = new string('x', 17 * 1024 * 1024))) }.ToJsonString();

        var problem = await (await team.Http.PostExpectingContinueAsync(Ingest, body)).AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge);

        Assert.Contains("16777216", problem.GetProperty("detail").GetString());
    }

    private static string Tag() => Guid.NewGuid().ToString("N")[..10];

    private static (int Received, int Stored, int Updated, int Unchanged) Counts(JsonElement result)
    {
        var c = result.GetProperty("counts");
        return (c.GetProperty("received").GetInt32(), c.GetProperty("stored").GetInt32(), c.GetProperty("updated").GetInt32(), c.GetProperty("unchanged").GetInt32());
    }

    private static async Task<JsonElement> MeetingAsync(TestTeam team, string meetingId)
    {
        var response = await team.Http.GetAsync($"/meeting-sync/data/meetings/{meetingId}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.ReadJsonAsync();
    }

    /// <summary>The team's <c>meeting/transcript.added</c> events of a trace, as stored by the mesh (an event is durable before its 202 or job end).</summary>
    private async Task<List<(string MeetingId, string Source)>> AddedEventsAsync(TestTeam team, string trace)
    {
        var events = await team.Http.ListAllAsync($"/events?name={Uri.EscapeDataString(MeetingEvents.TranscriptAdded)}");
        return [.. events.Where(e => e.GetProperty("trace_id").GetString() == trace)
            .Select(e => (e.GetProperty("data").GetProperty("meeting_id").GetString()!, e.GetProperty("data").GetProperty("source").GetString()!))];
    }

    private async Task<Guid> CompanyByDomainAsync(string domain) =>
        await fixture.ScalarAsync<Guid>("SELECT company_id FROM identity.company_keys WHERE kind = 'domain' AND value = @d", ("d", domain));

    private async Task<Guid> PersonByEmailAsync(string email) =>
        await fixture.ScalarAsync<Guid>("SELECT person_id FROM identity.person_keys WHERE kind = 'email' AND value = @e", ("e", email));
}

/// <summary>Meetings for requests and events: four participants (host at a work domain, guest at another, free mail with and without a company).</summary>
public static class MeetingJson
{
    public static JsonObject Of(string tag, string source, string externalId, Action<JsonObject> transcript)
    {
        var meeting = new JsonObject
        {
            ["source"] = source,
            ["external_id"] = $"{externalId}-{tag}",
            ["title"] = "Acme x Northwind discovery",
            ["started_at"] = "2026-03-04T15:00:00Z",
            ["ended_at"] = "2026-03-04T15:30:00Z",
            ["organizer_email"] = $"dana@acme-{tag}.com",
            ["participants"] = new JsonArray(
                new JsonObject { ["name"] = "Dana Reyes", ["email"] = $"dana@acme-{tag}.com", ["title"] = "Head of Sales", ["role"] = "host" },
                new JsonObject { ["name"] = "Chris Park", ["email"] = $"chris@northwind-{tag}.io", ["title"] = "VP Operations", ["role"] = "guest" },
                new JsonObject { ["name"] = "Sam Lee", ["email"] = $"sam.lee.{tag}@gmail.com", ["company"] = $"Globex Freight {tag} GmbH", ["role"] = "guest" },
                new JsonObject { ["name"] = "Robin Free", ["email"] = $"robin.{tag}@gmail.com" }),
        };
        transcript(meeting);
        return meeting;
    }
}
