using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Alavida.Grains.Identity;

namespace Alavida.Tests.Gateway;

/// <summary>
/// Identity across teams: a team's merge changes what that team sees and nothing another team sees; a global merge is
/// the admin's; a company a team's request creates is announced to that team.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class TenantIdentityTests(GatewayFixture gateway)
{
    [Fact]
    public async Task ATeamsMerge_ChangesItsOwnView_AndNothingAnotherTeamSees()
    {
        var (a, b) = (await gateway.CreateTeamAsync(100), await gateway.CreateTeamAsync(100));
        var tag = a.TeamId.ToString("N")[..8];
        string[] domains = [$"keep-{tag}.com", $"fold-{tag}.com"];
        var ids = await ResolveAsync(a, domains);
        Assert.Equal(ids, await ResolveAsync(b, domains)); // the same shared identities

        var merge = await b.RunToSuccessAsync("/identity/run/merge", new { merges = new[] { new { kind = "company", survivor_id = ids[0], loser_id = ids[1] } } });
        Assert.Equal("merged", merge.GetProperty("result").GetProperty("results")[0].GetProperty("status").GetString());

        // The merging team: the loser reads and resolves as the survivor, in identity and in the other quantums.
        var bView = await (await b.Http.GetAsync($"/identity/data/companies/{ids[1]}")).ReadJsonAsync();
        Assert.Equal((ids[0], ids[0], ids[1]), (bView.GetProperty("company_id").GetString(), bView.GetProperty("merged_into").GetString(), bView.GetProperty("requested_id").GetString()));
        Assert.Equal([ids[0], ids[0]], await ResolveAsync(b, domains));
        var qualify = await b.RunToSuccessAsync("/icp-discovery/run/qualify", new { icp = new { industries = new[] { "software" } }, companies = new[] { new { domain = domains[1], industry = "software" } } });
        Assert.Equal(ids[0], qualify.GetProperty("result").GetProperty("results")[0].GetProperty("company_id").GetString());

        // Any other team: nothing changed.
        var aView = await (await a.Http.GetAsync($"/identity/data/companies/{ids[1]}")).ReadJsonAsync();
        Assert.Equal((ids[1], JsonValueKind.Null), (aView.GetProperty("company_id").GetString(), aView.GetProperty("merged_into").ValueKind));
        Assert.Equal(ids, await ResolveAsync(a, domains));
        var aByDomain = await (await a.Http.GetAsync($"/identity/data/companies?domain={domains[1]}")).ReadJsonAsync();
        Assert.Equal(ids[1], Assert.Single(aByDomain.GetProperty("items").EnumerateArray()).GetProperty("company_id").GetString());
        Assert.DoesNotContain((await Events(a, "identity/company.merged")), e => e.GetProperty("data").GetProperty("loser_id").GetString() == ids[1]);
        Assert.Contains((await Events(b, "identity/company.merged")), e => e.GetProperty("data").GetProperty("loser_id").GetString() == ids[1]);
        Assert.Equal(0L, await gateway.ScalarAsync<long>("SELECT count(*) FROM identity.companies WHERE id = @id AND merged_into IS NOT NULL", ("id", Guid.Parse(ids[1]!))));
    }

    [Fact]
    public async Task ATeamsMerges_AreRefusedWhenTheyWouldChain_AndRepeatAsAlreadyMerged()
    {
        var team = await gateway.CreateTeamAsync(100);
        var tag = team.TeamId.ToString("N")[..8];
        var ids = await ResolveAsync(team, [$"x-{tag}.com", $"y-{tag}.com", $"z-{tag}.com"]);
        async Task<(string Status, string? Reason)> MergeAsync(string survivor, string loser)
        {
            var job = await team.RunToSuccessAsync("/identity/run/merge", new { merges = new[] { new { kind = "company", survivor_id = survivor, loser_id = loser } } });
            var result = job.GetProperty("result").GetProperty("results")[0];
            return (result.GetProperty("status").GetString()!, result.TryGetProperty("reason", out var r) ? r.GetString() : null);
        }

        Assert.Equal("merged", (await MergeAsync(ids[1]!, ids[2]!)).Status);           // z → y
        Assert.Equal("already_merged", (await MergeAsync(ids[1]!, ids[2]!)).Status);
        Assert.Contains("merge into", (await MergeAsync(ids[2]!, ids[0]!)).Reason);    // into z, which is merged away
        Assert.Contains("already merged", (await MergeAsync(ids[0]!, ids[2]!)).Reason); // z elsewhere
        Assert.Equal("merged", (await MergeAsync(ids[0]!, ids[1]!)).Status);           // y → x carries z along
        Assert.Equal([ids[0], ids[0], ids[0]], await ResolveAsync(team, [$"x-{tag}.com", $"y-{tag}.com", $"z-{tag}.com"]));
    }

    [Fact]
    public async Task AGlobalMerge_IsTheAdminsAct_AndEveryTeamSeesIt()
    {
        var (a, b) = (await gateway.CreateTeamAsync(100), await gateway.CreateTeamAsync(100));
        var tag = a.TeamId.ToString("N")[..8];
        var ids = await ResolveAsync(a, [$"global-keep-{tag}.com", $"global-fold-{tag}.com"]);
        await ResolveAsync(b, [$"global-keep-{tag}.com", $"global-fold-{tag}.com"]);
        var body = new { kind = "company", survivor_id = ids[0], loser_id = ids[1] };

        var byTeam = await a.Http.PostAsJsonAsync("/admin/identity/merges", body);
        using var admin = gateway.Admin();
        var merged = await admin.PostAsJsonAsync("/admin/identity/merges", body);
        var again = await admin.PostAsJsonAsync("/admin/identity/merges", body);
        var invalid = await admin.PostAsJsonAsync("/admin/identity/merges", new { kind = "planet", survivor_id = ids[0] });
        var refused = await admin.PostAsJsonAsync("/admin/identity/merges", new { kind = "company", survivor_id = ids[1], loser_id = ids[0] });

        Assert.Contains(byTeam.StatusCode, new[] { HttpStatusCode.Unauthorized, HttpStatusCode.Forbidden });
        Assert.Equal("merged", (await merged.ReadJsonAsync()).GetProperty("status").GetString());
        Assert.Equal("already_merged", (await again.ReadJsonAsync()).GetProperty("status").GetString());
        var problem = await invalid.AssertProblemAsync(HttpStatusCode.UnprocessableEntity);
        Assert.Equal(["/kind", "/loser_id"], problem.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()));
        await refused.AssertProblemAsync(HttpStatusCode.Conflict);
        foreach (var team in new[] { a, b })
        {
            var view = await (await team.Http.GetAsync($"/identity/data/companies/{ids[1]}")).ReadJsonAsync();
            Assert.Equal(ids[0], view.GetProperty("merged_into").GetString());
        }
    }

    [Fact]
    public async Task ACompanyCreatedForATeam_IsAnnouncedToThatTeamOnce()
    {
        var (a, b) = (await gateway.CreateTeamAsync(100), await gateway.CreateTeamAsync(100));
        var domain = $"announced-{a.TeamId:N}.com";

        var created = await ResolveAsync(a, [domain]);
        await ResolveAsync(a, [domain]); // matched: not announced again
        await ResolveAsync(b, [domain]); // another team, matched: nothing for it either
        await gateway.Host.Grains.GetGrain<IIdentityOutboxRelayGrain>(0).PublishAsync(); // what the nudge and the reminder do

        var announced = (await Events(a, "identity/company.resolved")).Where(e => e.GetProperty("data").GetProperty("company_id").GetString() == created[0]).ToList();
        var data = Assert.Single(announced).GetProperty("data");
        Assert.Equal((domain, a.TeamId.ToString()), (data.GetProperty("domain").GetString(), data.GetProperty("team_id").GetString()));
        Assert.StartsWith("job:", data.GetProperty("source").GetString());
        Assert.Equal(data.GetProperty("source").GetString()!["job:".Length..].Replace("-", ""), Assert.Single(announced).GetProperty("trace_id").GetString());
        Assert.DoesNotContain(await Events(b, "identity/company.resolved"), e => e.GetProperty("data").GetProperty("company_id").GetString() == created[0]);
    }

    private static async Task<List<string?>> ResolveAsync(TestTeam team, IEnumerable<string> domains)
    {
        var job = await team.RunToSuccessAsync("/identity/run/resolve-company", new { companies = domains.Select(d => new { domain = d }).ToArray() });
        return [.. job.GetProperty("result").GetProperty("results").EnumerateArray().Select(r => r.GetProperty("company_id").GetString())];
    }

    private static async Task<List<JsonElement>> Events(TestTeam team, string name) =>
        [.. (await (await team.Http.GetAsync($"/events?name={name}&limit=200")).ReadJsonAsync()).GetProperty("items").EnumerateArray()];
}
