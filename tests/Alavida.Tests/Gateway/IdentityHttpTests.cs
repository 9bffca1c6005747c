using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Alavida.Tests.Gateway;

/// <summary>The identity quantum through the gateway: jobs, merge, and the team-scoped data endpoints.</summary>
[Collection(GatewayCollection.Name)]
public sealed class IdentityHttpTests(GatewayFixture gateway)
{
    [Fact]
    public async Task Merge_ThroughAJob_LeavesATombstoneThatResolvesToTheSurvivor()
    {
        var team = await gateway.CreateTeamAsync(50);
        var suffix = team.TeamId.ToString("N")[..8];
        var resolved = await RunAsync(team, "/identity/run/resolve-company",
            new { companies = new[] { new { domain = $"survivor-{suffix}.com" }, new { domain = $"loser-{suffix}.com" } } });
        var ids = resolved.GetProperty("result").GetProperty("results").EnumerateArray().Select(r => r.GetProperty("company_id").GetString()).ToList();

        var merged = await RunAsync(team, "/identity/run/merge", new { merges = new[] { new { kind = "company", survivor_id = ids[0], loser_id = ids[1] } } });
        var loser = await (await team.Http.GetAsync($"/identity/data/companies/{ids[1]}")).ReadJsonAsync();
        var byDomain = await (await team.Http.GetAsync($"/identity/data/companies?domain=https://www.loser-{suffix}.com/x")).ReadJsonAsync();

        Assert.Equal("merged", merged.GetProperty("result").GetProperty("results")[0].GetProperty("status").GetString());
        Assert.Equal(ids[0], loser.GetProperty("company_id").GetString());
        Assert.Equal(ids[0], loser.GetProperty("merged_into").GetString());
        Assert.Equal(ids[1], loser.GetProperty("requested_id").GetString());
        Assert.Equal(ids[0], Assert.Single(byDomain.GetProperty("items").EnumerateArray()).GetProperty("company_id").GetString());

        var events = await (await team.Http.GetAsync("/events?name=identity/company.merged")).ReadJsonAsync();
        var emitted = Assert.Single(events.GetProperty("items").EnumerateArray(), e => e.GetProperty("data").GetProperty("loser_id").GetString() == ids[1]);
        Assert.Equal(ids[0], emitted.GetProperty("data").GetProperty("survivor_id").GetString());
        Assert.Equal(team.TeamId.ToString(), emitted.GetProperty("team_id").GetString());
        Assert.Equal(0L, await gateway.ScalarAsync<long>("SELECT count(*) FROM identity.outbox_events WHERE published_at IS NULL AND data->>'loser_id' = @id", ("id", ids[1]!)));
    }

    [Fact]
    public async Task Merge_OfEntitiesTheTeamNeverResolved_IsRejected()
    {
        var owner = await gateway.CreateTeamAsync(10);
        var stranger = await gateway.CreateTeamAsync(10);
        var resolved = await RunAsync(owner, "/identity/run/resolve-company",
            new { companies = new[] { new { domain = $"a-{owner.TeamId:N}.com" }, new { domain = $"b-{owner.TeamId:N}.com" } } });
        var ids = resolved.GetProperty("result").GetProperty("results").EnumerateArray().Select(r => r.GetProperty("company_id").GetString()).ToList();

        var attempt = await RunAsync(stranger, "/identity/run/merge", new { merges = new[] { new { kind = "company", survivor_id = ids[0], loser_id = ids[1] } } });

        Assert.Equal("rejected", attempt.GetProperty("result").GetProperty("results")[0].GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, (await (await owner.Http.GetAsync($"/identity/data/companies/{ids[1]}")).ReadJsonAsync()).GetProperty("merged_into").ValueKind);
    }

    [Fact]
    public async Task ResolvePerson_LinksTheWorkEmailToItsCompany_AndPersonsAreQueryable()
    {
        var team = await gateway.CreateTeamAsync(10);
        var domain = $"people-{team.TeamId:N}.com";

        var job = await RunAsync(team, "/identity/run/resolve-person", new { persons = new[] { new { email = $"Jane.Doe+news@{domain}", name = "Jane Doe" } } });
        var result = job.GetProperty("result").GetProperty("results")[0];
        var companyId = result.GetProperty("company_id").GetString();
        var byEmail = await (await team.Http.GetAsync($"/identity/data/persons?email=JANE.DOE%2Bnews@{domain}")).ReadJsonAsync();
        var atCompany = await (await team.Http.GetAsync($"/identity/data/persons?company_id={companyId}")).ReadJsonAsync();

        Assert.NotNull(companyId);
        Assert.Equal(result.GetProperty("person_id").GetString(), Assert.Single(byEmail.GetProperty("items").EnumerateArray()).GetProperty("person_id").GetString());
        Assert.Single(atCompany.GetProperty("items").EnumerateArray());
        await (await team.Http.GetAsync("/identity/data/persons?company_id=nope")).AssertProblemAsync(HttpStatusCode.UnprocessableEntity);
        await (await team.Http.GetAsync("/identity/data/widgets")).AssertProblemAsync(HttpStatusCode.NotFound);
    }

    private static async Task<JsonElement> RunAsync(TestTeam team, string path, object body)
    {
        var accepted = await team.Http.PostAsJsonAsync(path, body);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var job = await (await team.Http.GetAsync($"/jobs/{(await accepted.ReadJsonAsync()).GetProperty("job_id").GetString()}?wait_seconds=20")).ReadJsonAsync();
        Assert.Equal("succeeded", job.GetProperty("status").GetString());
        return job;
    }
}
