using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Alavida.Tests.Gateway;

/// <summary>
/// Values the platform cannot keep (NUL, lone surrogates, invalid UTF-8, numbers out of range) are refused at the edge
/// with a 422 problem naming the field, and nothing is stored; JSON bodies are read as UTF-8 whatever the charset says.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class BadInputTests(GatewayFixture gateway)
{
    private const string NulMessage = "must not contain the NUL character (\\u0000)";
    private const string NotUnicodeMessage = "is not valid Unicode text";

    [Fact]
    public async Task Run_WithNulOrALoneSurrogateInAnyString_OfEveryShippedAction_Is422NamingIt_AndStoresNothing()
    {
        var team = await gateway.CreateTeamAsync(100);
        var cases = 0;
        foreach (var (path, example) in await ShippedActionExamplesAsync(team.Http))
        {
            foreach (var pointer in StringPointers(example))
            {
                foreach (var (bad, message) in new[] { ("a\u0000b", NulMessage), ("\ud800", NotUnicodeMessage), ("x\udc00", NotUnicodeMessage) })
                {
                    var body = Replace(example, pointer, bad);
                    var problem = await (await team.Http.PostAsync(path, Json(body))).AssertProblemAsync(HttpStatusCode.UnprocessableEntity);
                    var error = Assert.Single(problem.GetProperty("errors").EnumerateArray());
                    Assert.Equal(pointer, error.GetProperty("field").GetString());
                    Assert.StartsWith(message, error.GetProperty("message").GetString());
                    cases++;
                }
            }
        }

        Assert.True(cases > 80, $"only {cases} strings in the shipped actions' examples");
        await AssertNothingAcceptedAsync(team, 100);
    }

    [Fact]
    public async Task Run_WithInvalidUtf8_Is422NamingTheField()
    {
        var team = await gateway.CreateTeamAsync(10);
        byte[] body = [.. "{\"companies\":[{\"domain\":\"a"u8, 0xED, 0xA0, 0x80, .. "b.com\"}]}"u8];

        var problem = await (await team.Http.PostAsync("/identity/run/resolve-company", Json(body))).AssertProblemAsync(HttpStatusCode.UnprocessableEntity);

        var error = Assert.Single(problem.GetProperty("errors").EnumerateArray());
        Assert.Equal(("/companies/0/domain", true), (error.GetProperty("field").GetString(), error.GetProperty("message").GetString()!.StartsWith(NotUnicodeMessage)));
        await AssertNothingAcceptedAsync(team, 10);
    }

    [Theory]
    [InlineData("/lead-discovery/run/discover", """{"company":{"domain":"a.com"},"people":[{"name":"A","title":"VP Sales"}],"persona":{"seniorities":[1e400]}}""", "/persona/seniorities/0")]
    [InlineData("/lead-discovery/run/discover", """{"company":{"domain":"a.com"},"people":[{"name":"A","title":"VP Sales"}],"persona":{"seniorities":["vp",123456789012345678901234567890]}}""", "/persona/seniorities/1")]
    [InlineData("/lead-discovery/run/discover", """{"company":{"domain":"a.com"},"people":[{"name":"A","title":"VP Sales"}],"persona":{"max_leads":123456789012345678901234567890}}""", "/persona/max_leads")]
    [InlineData("/icp-discovery/run/qualify", """{"icp":{"min_score":-1e400},"companies":[{"domain":"a.com"}]}""", "/icp/min_score")]
    [InlineData("/identity/run/resolve-company", """{"companies":[{"domain":"a.com"}],"max_credits":1e400}""", "/max_credits")]
    [InlineData("/identity/run/resolve-company", """{"companies":[{"domain":"a.com","\ud800":1}]}""", "/companies/0/\\ud800")]
    [InlineData("/identity/run/resolve-company", """{"companies":[{"domain":"a.com","\ud800":1,"\ud800":2}]}""", "/companies/0/\\ud800")]
    public async Task Run_WithANumberOutOfRangeOrAFieldNameThatIsNotText_Is422NamingIt_AndStoresNothing(string path, string body, string field)
    {
        var team = await gateway.CreateTeamAsync(10);

        var problem = await (await team.Http.PostAsync(path, Json(body))).AssertProblemAsync(HttpStatusCode.UnprocessableEntity);

        Assert.Contains(problem.GetProperty("errors").EnumerateArray(), e => e.GetProperty("field").GetString() == field);
        await AssertNothingAcceptedAsync(team, 10);
    }

    [Theory]
    [InlineData("/identity/run/resolve-company", """{"companies":[{"domain":"a.com","domain":"b.com"}]}""", "/companies/0/domain")]
    [InlineData("/identity/run/resolve-company", """{"companies":[{"domain":"a.com","dom\u0061in":"b.com"}]}""", "/companies/0/domain")]
    [InlineData("/events", """{"name":"dup/x","data":{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":10,"k11":11,"k12":12,"k13":13,"k14":14,"k15":15,"k16":16,"k3":3}}""", "/data/k3")]
    public async Task Bodies_WithAFieldTwice_Are400NamingIt_AndStoreNothing(string path, string body, string field)
    {
        var team = await gateway.CreateTeamAsync(10);

        var problem = await (await team.Http.PostAsync(path, Json(body))).AssertProblemAsync(HttpStatusCode.BadRequest);

        Assert.Contains($"field {field} twice", problem.GetProperty("detail").GetString());
        await AssertNothingAcceptedAsync(team, 10);
        Assert.Equal(0L, await EventCountAsync(team));
    }

    [Theory]
    [InlineData("\"soon\"")]
    [InlineData("true")]
    [InlineData("[]")]
    [InlineData("{}")]
    [InlineData("\"1764979200000\"")]
    [InlineData("1.5")]
    [InlineData("1e400")]
    [InlineData("123456789012345678901234567890")]
    public async Task Events_WithATsThatIsNotAWholeNumber_Are422NamingIt_AndStoreNothing(string ts)
    {
        var team = await gateway.CreateTeamAsync(10);

        var response = await team.Http.PostAsync("/events", Json($$"""[{"name":"bad/ts"},{"name":"bad/ts","ts":{{ts}}}]"""));

        var problem = await response.AssertProblemAsync(HttpStatusCode.UnprocessableEntity);
        Assert.Contains(problem.GetProperty("errors").EnumerateArray(), e => e.GetProperty("field").GetString() == "events[1].ts");
        Assert.Equal(0L, await EventCountAsync(team));
    }

    [Fact]
    public async Task Events_WithANullTs_AreStampedWhenReceived_AsAnAbsentOne()
    {
        var team = await gateway.CreateTeamAsync(10);
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        var sent = await (await team.Http.PostAsync("/events", Json("""{"name":"null/ts","ts":null,"v":null,"id":null}"""))).ReadJsonAsync();

        var id = Assert.Single(sent.GetProperty("ids").EnumerateArray()).GetString()!;
        var stored = await (await team.Http.GetAsync($"/events/{id}")).ReadJsonAsync();
        Assert.True(stored.GetProperty("event").GetProperty("ts").GetInt64() >= before);
    }

    [Theory]
    [InlineData("""{"name":"bad/nul","data":{"note":"a\u0000b"}}""", "events[0].data.note", NulMessage)]
    [InlineData("""[{"name":"ok/x"},{"name":"bad/nul","data":{"list":[1,2,"\u0000"]}}]""", "events[1].data.list[2]", NulMessage)]
    [InlineData("""{"name":"bad\u0000name"}""", "events[0].name", NulMessage)]
    [InlineData("""{"name":"bad/id","id":"a\u0000"}""", "events[0].id", NulMessage)]
    [InlineData("""{"name":"bad/trace","trace_id":"\u0000"}""", "events[0].trace_id", NulMessage)]
    [InlineData("""{"name":"bad/user","user":{"email":"\u0000"}}""", "events[0].user.email", NulMessage)]
    [InlineData("""{"name":"bad/key","data":{"a\u0000":1}}""", "events[0].data.a\\u0000", "field name " + NulMessage)]
    [InlineData("""{"name":"bad/\ud800"}""", "events[0].name", NotUnicodeMessage)]
    [InlineData("""{"name":"bad/key","data":{"\udfff":1}}""", "events[0].data.\\udfff", "field name " + NotUnicodeMessage)]
    [InlineData("""{"name":"bad/number","data":{"n":1e400}}""", "events[0].data.n", "is too large a number")]
    [InlineData("""{"name":"bad/number","data":{"n":-1e200000}}""", "events[0].data.n", "is too large a number")]
    [InlineData("""{"name":"bad/number","data":{"n":1e-400}}""", "events[0].data.n", "is too close to zero")]
    [InlineData("""{"name":"bad/v","v":5}""", "events[0].v", "must be a string, not number")]
    [InlineData("""{"name":7}""", "events[0].name", "must be a string, not number")]
    public async Task Events_WithValuesThatCannotBeKept_Are422NamingTheField_AndStoreNothing(string body, string field, string message)
    {
        var team = await gateway.CreateTeamAsync(10);

        var problem = await (await team.Http.PostAsync("/events", Json(body))).AssertProblemAsync(HttpStatusCode.UnprocessableEntity);

        var error = Assert.Single(problem.GetProperty("errors").EnumerateArray());
        Assert.Equal(field, error.GetProperty("field").GetString());
        Assert.StartsWith(message, error.GetProperty("message").GetString());
        Assert.Equal(0L, await EventCountAsync(team));
    }

    [Theory]
    [InlineData("/events?name=%00", "name")]
    [InlineData("/events?name=a%00b&since=2026-01-01", "name")]
    [InlineData("/runs?function=x%00", "function")]
    [InlineData("/runs?trace_id=%00", "trace_id")]
    [InlineData("/identity/data/companies?domain=acme%00.com", "domain")]
    [InlineData("/lead-discovery/data/leads?tier=%00", "tier")]
    [InlineData("/jobs?status=queued&quantum=%00", "quantum")]
    [InlineData("/jobs?cursor=%00", "cursor")]
    [InlineData("/registry?q=%00", "q")]
    public async Task QueryParameters_WithNul_Are422NamingThem(string url, string field)
    {
        var team = await gateway.CreateTeamAsync(10);

        var problem = await (await team.Http.GetAsync(url)).AssertProblemAsync(HttpStatusCode.UnprocessableEntity);

        var error = Assert.Single(problem.GetProperty("errors").EnumerateArray());
        Assert.Equal((field, NulMessage), (error.GetProperty("field").GetString(), error.GetProperty("message").GetString()));
    }

    [Theory]
    [InlineData("application/json; charset=bogus")]
    [InlineData("application/json; charset=utf-16")]
    [InlineData("application/json; charset=\"ISO-8859-1\"")]
    [InlineData("application/json;charset=UTF-8")]
    public async Task JsonBodies_AreReadAsUtf8_WhateverTheCharsetParameterSays_OnEveryEndpoint(string contentType)
    {
        using var admin = gateway.Admin();
        var created = await Send(admin, "/admin/teams", $$"""{"name":"Müller charset","owner_email":"{{Guid.NewGuid():N}}@example.com","credits":5}""");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var team = await created.ReadJsonAsync();
        Assert.Equal("Müller charset", team.GetProperty("name").GetString());
        var teamId = team.GetProperty("team_id").GetString();
        Assert.Equal(HttpStatusCode.OK, (await Send(admin, $"/admin/teams/{teamId}/credits", """{"credits":5,"note":"Grüße"}""")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await Send(admin, $"/admin/teams/{teamId}/api-keys", """{"name":"clé"}""")).StatusCode);

        using var http = gateway.Client(team.GetProperty("api_key").GetString());
        Assert.Equal(HttpStatusCode.Accepted, (await Send(http, "/identity/run/resolve-company", """{"companies":[{"name":"Müller & Söhne GmbH"}]}""")).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await Send(http, "/events", """{"name":"charset/x","data":{"city":"Zürich"}}""")).StatusCode);

        async Task<HttpResponseMessage> Send(HttpClient client, string path, string json)
        {
            var content = new ByteArrayContent(Encoding.UTF8.GetBytes(json));
            content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            return await client.PostAsync(path, content);
        }
    }

    [Theory]
    [InlineData("""{"name":"T\u0000","owner_email":"a@example.com","credits":1}""", "/name", NulMessage)]
    [InlineData("""{"name":"T","owner_email":"a\ud800@example.com","credits":1}""", "/owner_email", NotUnicodeMessage)]
    [InlineData("""{"name":"T","owner_email":"a@example.com","credits":1e400}""", "/credits", "is too large a number")]
    [InlineData("""{"name":"T","owner_email":"a@example.com","credits":"lots"}""", "/credits", "must be a whole number")]
    [InlineData("""{"name":"T","owner_email":"a@example.com","credits":1.5}""", "/credits", "must be a whole number")]
    [InlineData("""{"name":["T"],"owner_email":"a@example.com","credits":1}""", "/name", "must be a string")]
    [InlineData("""{"name":"T","owner_email":"a@example.com","credits":1,"plan":"gold"}""", "/plan", "unknown field 'plan'; allowed: name, owner_email, credits")]
    public async Task CreateTeam_WithValuesThatCannotBeKept_UnknownFieldsOrWrongTypes_Is422NamingThem_AndWritesNothing(string json, string field, string message)
    {
        var before = await gateway.ScalarAsync<long>("SELECT count(*) FROM teams");
        using var admin = gateway.Admin();

        var problem = await (await admin.PostAsync("/admin/teams", Json(json))).AssertProblemAsync(HttpStatusCode.UnprocessableEntity);

        var error = Assert.Single(problem.GetProperty("errors").EnumerateArray());
        Assert.Equal(field, error.GetProperty("field").GetString());
        Assert.StartsWith(message, error.GetProperty("message").GetString());
        Assert.Equal(before, await gateway.ScalarAsync<long>("SELECT count(*) FROM teams"));
    }

    [Theory]
    [InlineData("", "The body is empty")]
    [InlineData("null", "must be a JSON object, not null")]
    [InlineData("""{"credits":5,"credits":6}""", "twice")]
    public async Task GrantCredits_WithABodyThatIsNotOneObject_Is400_AndGrantsNothing(string json, string detail)
    {
        var team = await gateway.CreateTeamAsync(7);
        using var admin = gateway.Admin();

        var problem = await (await admin.PostAsync($"/admin/teams/{team.TeamId}/credits", Json(json))).AssertProblemAsync(HttpStatusCode.BadRequest);

        Assert.Contains(detail, problem.GetProperty("detail").GetString());
        Assert.Equal(7, (await (await team.Http.GetAsync("/credits")).ReadJsonAsync()).GetProperty("balance").GetInt32());
    }

    [Fact]
    public async Task GrantCredits_WithANulInTheNote_Is422_BeforeTheTeamIsLookedUp()
    {
        using var admin = gateway.Admin();

        var problem = await (await admin.PostAsync($"/admin/teams/{Guid.NewGuid()}/credits", Json("""{"credits":5,"note":"\u0000"}""")))
            .AssertProblemAsync(HttpStatusCode.UnprocessableEntity);

        Assert.Equal("/note", Assert.Single(problem.GetProperty("errors").EnumerateArray()).GetProperty("field").GetString());
    }

    /// <summary>What the README says of the requests Kestrel refuses before the application sees them (no problem body).</summary>
    [Fact]
    public async Task RequestsKestrelRefuses_BeforeThePipeline_GetItsBareAnswer_AsTheReadmeSays()
    {
        var team = await gateway.CreateTeamAsync(1);

        var nulInPath = await team.Http.GetAsync("/jobs/a%00b");
        var longLine = await team.Http.GetAsync($"/jobs?cursor={new string('c', 9 * 1024)}");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/credits");
        request.Headers.TryAddWithoutValidation("X-Large", new string('h', 40 * 1024));
        var largeHeaders = await team.Http.SendAsync(request);
        using var many = new HttpRequestMessage(HttpMethod.Get, "/credits");
        foreach (var i in Enumerable.Range(0, 101))
        {
            many.Headers.TryAddWithoutValidation($"X-Header-{i}", "h");
        }

        var manyHeaders = await team.Http.SendAsync(many);

        Assert.Equal((HttpStatusCode.BadRequest, HttpStatusCode.RequestUriTooLong, HttpStatusCode.RequestHeaderFieldsTooLarge, HttpStatusCode.RequestHeaderFieldsTooLarge),
            (nulInPath.StatusCode, longLine.StatusCode, largeHeaders.StatusCode, manyHeaders.StatusCode));
        Assert.All([nulInPath, longLine, largeHeaders, manyHeaders], r => Assert.Equal(0, r.Content.Headers.ContentLength ?? 0));
    }

    private static ByteArrayContent Json(string json) => Json(Encoding.UTF8.GetBytes(json));

    private static ByteArrayContent Json(byte[] json)
    {
        var content = new ByteArrayContent(json);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    private async Task AssertNothingAcceptedAsync(TestTeam team, int credits)
    {
        Assert.Equal(0L, await gateway.ScalarAsync<long>("SELECT count(*) FROM jobs WHERE team_id = @t", ("t", team.TeamId)));
        Assert.Equal(credits, (await (await team.Http.GetAsync("/credits")).ReadJsonAsync()).GetProperty("balance").GetInt32());
    }

    private Task<long> EventCountAsync(TestTeam team) =>
        gateway.ScalarAsync<long>("SELECT count(*) FROM mesh.events WHERE team_id = @t", ("t", team.TeamId.ToString()));

    /// <summary>The first valid example request of every action the registry runs here, by its /run path.</summary>
    private static async Task<List<(string Path, JsonNode Example)>> ShippedActionExamplesAsync(HttpClient http)
    {
        var examples = new List<(string, JsonNode)>();
        foreach (var component in (await http.GetFromJsonAsync<JsonElement>("/registry")).GetProperty("items").EnumerateArray())
        {
            var slug = component.GetProperty("slug").GetString()!;
            var file = JsonNode.Parse(File.ReadAllText(Path.Combine(RegistryContractTests.RepositoryRoot(), "src/Grains/Registry/components", slug, "examples.json")))!;
            foreach (var action in (await http.GetFromJsonAsync<JsonElement>($"/registry/{slug}")).GetProperty("actions").EnumerateArray())
            {
                var name = action.GetProperty("name").GetString()!;
                if (action.GetProperty("available").GetBoolean())
                {
                    examples.Add(($"/{slug}/run/{name}", file["actions"]![name]!["valid"]![0]!["input"]!));
                }
            }
        }

        Assert.Equal(10, examples.Count); // every action of the six quantums has shipped
        return examples;
    }

    private static IEnumerable<string> StringPointers(JsonNode? node, string at = "") => node switch
    {
        JsonObject o => o.SelectMany(p => StringPointers(p.Value, $"{at}/{p.Key}")),
        JsonArray a => a.SelectMany((v, i) => StringPointers(v, $"{at}/{i}")),
        JsonValue v when v.GetValueKind() == JsonValueKind.String => [at],
        _ => [],
    };

    /// <summary>The example as JSON text with the string at <paramref name="pointer"/> replaced by <paramref name="text"/>, escaped as \uXXXX.</summary>
    private static string Replace(JsonNode example, string pointer, string text)
    {
        var copy = example.DeepClone();
        var segments = pointer.Split('/')[1..];
        var parent = segments[..^1].Aggregate(copy, (n, s) => n is JsonArray a ? a[int.Parse(s)]! : n[s]!);
        const string placeholder = "__replaced__";
        if (parent is JsonArray array)
        {
            array[int.Parse(segments[^1])] = placeholder;
        }
        else
        {
            parent[segments[^1]] = placeholder;
        }

        return copy.ToJsonString().Replace($"\"{placeholder}\"", "\"" + string.Concat(text.Select(c => c < 128 && c >= 32 ? c.ToString() : $"\\u{(int)c:x4}")) + "\"");
    }
}
