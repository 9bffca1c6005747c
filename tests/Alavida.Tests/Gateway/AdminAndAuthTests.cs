using System.Net;
using System.Net.Http.Json;

namespace Alavida.Tests.Gateway;

[Collection(GatewayCollection.Name)]
public sealed class AdminAndAuthTests(GatewayFixture gateway)
{
    [Fact]
    public async Task CreateTeam_Returns201WithAKeyShownOnce_ThatWorksAtOnce()
    {
        using var admin = gateway.Admin();
        var response = await admin.PostAsJsonAsync("/admin/teams", new { name = "Acme GTM", owner_email = "ops@acme.example", credits = 250 });
        var body = await response.ReadJsonAsync();

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal($"/admin/teams/{body.GetProperty("team_id").GetString()}", response.Headers.Location?.OriginalString);
        var key = body.GetProperty("api_key").GetString()!;
        Assert.Matches("^alv_[A-Za-z0-9]{10}_[A-Za-z0-9]{32}$", key);
        using var team = gateway.Client(key);
        var credits = await (await team.GetAsync("/credits")).ReadJsonAsync();
        Assert.Equal(250, credits.GetProperty("balance").GetInt64());
        Assert.Equal(0, credits.GetProperty("reserved").GetInt64());
        Assert.Equal(0, credits.GetProperty("lifetime_used").GetInt64());

        var keys = await (await admin.GetAsync($"/admin/teams/{body.GetProperty("team_id").GetString()}/api-keys")).ReadJsonAsync();
        var listed = Assert.Single(keys.GetProperty("items").EnumerateArray());
        Assert.False(listed.TryGetProperty("secret", out _), "a listed key never shows its secret");
        var storedAsHash = await gateway.ScalarAsync<long>(
            "SELECT count(*) FROM api_keys WHERE hash = sha256(convert_to(@key, 'UTF8')) AND prefix = left(@key, 14)", ("key", key));
        Assert.Equal(1, storedAsHash);
    }

    [Theory]
    [InlineData(null, "Send your API key")]
    [InlineData("Basic abc", "Bearer")]
    [InlineData("Bearer not-a-key", "not well-formed")]
    [InlineData("Bearer alv_AAAAAAAAAA_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB", "unknown or has been revoked")]
    [InlineData("Bearer ' OR 1=1 --", "not well-formed")]
    public async Task TeamEndpoints_Answer401Problem_WithoutAValidKey(string? authorization, string detail)
    {
        using var client = gateway.Client(null);
        foreach (var path in new[] { "/credits", "/jobs", "/credits/usage" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            if (authorization is not null)
            {
                request.Headers.TryAddWithoutValidation("Authorization", authorization);
            }

            var response = await client.SendAsync(request);
            var problem = await response.AssertProblemAsync(HttpStatusCode.Unauthorized);
            Assert.Contains(detail, problem.GetProperty("detail").GetString());
            Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        }
    }

    [Fact]
    public async Task RevokedKey_Is401AtOnce_AndOtherKeysOfTheTeamKeepWorking()
    {
        var team = await gateway.CreateTeamAsync(10);
        using var admin = gateway.Admin();
        var second = await (await admin.PostAsJsonAsync($"/admin/teams/{team.TeamId}/api-keys", new { name = "ci" })).ReadJsonAsync();
        using var secondClient = gateway.Client(second.GetProperty("secret").GetString());
        Assert.Equal(HttpStatusCode.OK, (await team.Http.GetAsync("/credits")).StatusCode);

        var keys = await (await admin.GetAsync($"/admin/teams/{team.TeamId}/api-keys")).ReadJsonAsync();
        var firstKeyId = keys.GetProperty("items").EnumerateArray().Single(k => k.GetProperty("name").GetString() == "default").GetProperty("key_id").GetString();
        var revoke = await admin.PostAsync($"/admin/teams/{team.TeamId}/api-keys/{firstKeyId}/revoke", null);

        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        var problem = await (await team.Http.GetAsync("/credits")).AssertProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Contains("revoked", problem.GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.OK, (await secondClient.GetAsync("/credits")).StatusCode);
        var revokedAt = await gateway.ScalarAsync<long>("SELECT count(*) FROM api_keys WHERE id = @id AND revoked_at IS NOT NULL", ("id", Guid.Parse(firstKeyId!)));
        Assert.Equal(1, revokedAt);
    }

    [Fact]
    public async Task AdminEndpoints_Are403ForTeamKeys_AndTeamEndpoints403ForTheAdminKey()
    {
        var team = await gateway.CreateTeamAsync(1);
        using var admin = gateway.Admin();

        await (await team.Http.PostAsJsonAsync("/admin/teams", new { name = "x", owner_email = "x@example.com", credits = 1_000_000 }))
            .AssertProblemAsync(HttpStatusCode.Forbidden);
        await (await admin.GetAsync("/credits")).AssertProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal(0, await gateway.ScalarAsync<long>("SELECT count(*) FROM teams WHERE name = 'x'"));
    }

    [Theory]
    [InlineData("""{"name":"","owner_email":"a@example.com","credits":1}""", "/name")]
    [InlineData("""{"name":"T","owner_email":"not an email","credits":1}""", "/owner_email")]
    [InlineData("""{"name":"T","owner_email":"a@example.com","credits":-5}""", "/credits")]
    public async Task CreateTeam_RejectsInvalidFields_NamingThem_AndWritesNothing(string json, string field)
    {
        var before = await gateway.ScalarAsync<long>("SELECT count(*) FROM teams");
        using var admin = gateway.Admin();

        var problem = await (await admin.PostAsync("/admin/teams", new StringContent(json, System.Text.Encoding.UTF8, "application/json")))
            .AssertProblemAsync(HttpStatusCode.UnprocessableEntity);

        Assert.Contains(problem.GetProperty("errors").EnumerateArray(), e => e.GetProperty("field").GetString() == field);
        Assert.Equal(before, await gateway.ScalarAsync<long>("SELECT count(*) FROM teams"));
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("""[{"name":"T","owner_email":"a@example.com","credits":1}]""")]
    public async Task CreateTeam_RejectsMalformedJson_With400Problem(string json)
    {
        using var admin = gateway.Admin();
        var problem = await (await admin.PostAsync("/admin/teams", new StringContent(json, System.Text.Encoding.UTF8, "application/json")))
            .AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("JSON", problem.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task GrantCredits_WithTheSameIdempotencyKeyTwice_AddsOnce()
    {
        var team = await gateway.CreateTeamAsync(5);
        using var admin = gateway.Admin();

        async Task<HttpResponseMessage> Grant()
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/admin/teams/{team.TeamId}/credits") { Content = JsonContent.Create(new { credits = 100, note = "pilot" }) };
            request.Headers.Add("Idempotency-Key", "grant-1");
            return await admin.SendAsync(request);
        }

        Assert.Equal(105, (await (await Grant()).ReadJsonAsync()).GetProperty("balance").GetInt64());
        Assert.Equal(105, (await (await Grant()).ReadJsonAsync()).GetProperty("balance").GetInt64());
        Assert.Equal(105, (await (await team.Http.GetAsync("/credits")).ReadJsonAsync()).GetProperty("balance").GetInt64());
        await (await admin.PostAsJsonAsync($"/admin/teams/{Guid.NewGuid()}/credits", new { credits = 1 })).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await admin.PostAsJsonAsync($"/admin/teams/{team.TeamId}/credits", new { credits = 0 })).AssertProblemAsync(HttpStatusCode.UnprocessableEntity);
    }
}
