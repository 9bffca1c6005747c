using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Alavida.Tests.Gateway;

[Collection(GatewayCollection.Name)]
public sealed class AdminTeamsTests(GatewayFixture gateway)
{
    [Fact]
    public async Task ListTeams_PagesNewestFirst_WithOwnerBalanceAndActiveKeys()
    {
        using var admin = gateway.Admin();
        var oldest = await gateway.CreateTeamAsync(10, "list-a");
        var middle = await gateway.CreateTeamAsync(20, "list-b");
        var newest = await gateway.CreateTeamAsync(30, "list-c");
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync($"/admin/teams/{middle.TeamId}/api-keys", new { name = "second" })).StatusCode);
        var newestKey = (await (await admin.GetAsync($"/admin/teams/{newest.TeamId}/api-keys")).ReadJsonAsync()).GetProperty("items")[0].GetProperty("key_id").GetString();
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsync($"/admin/teams/{newest.TeamId}/api-keys/{newestKey}/revoke", null)).StatusCode);

        // The collection's tests run one after another: these three are the newest teams of its database.
        var first = await (await admin.GetAsync("/admin/teams?limit=2")).ReadJsonAsync();
        var cursor = first.GetProperty("next_cursor").GetString();
        var second = await (await admin.GetAsync($"/admin/teams?limit=2&cursor={cursor}")).ReadJsonAsync();

        var page1 = first.GetProperty("items").EnumerateArray().ToList();
        var page2 = second.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal([newest.TeamId, middle.TeamId], page1.Select(TeamIdOf));
        Assert.Equal(oldest.TeamId, TeamIdOf(page2[0]));
        Assert.Equal(("list-b", 20, 2), (page1[1].GetProperty("name").GetString(), page1[1].GetProperty("balance").GetInt64(), page1[1].GetProperty("active_keys").GetInt32()));
        Assert.Equal((30, 0), (page1[0].GetProperty("balance").GetInt64(), page1[0].GetProperty("active_keys").GetInt32()));
        Assert.Equal(1, page2[0].GetProperty("active_keys").GetInt32());
        Assert.EndsWith("@example.com", page1[0].GetProperty("owner").GetProperty("email").GetString());
        Assert.True(Guid.TryParse(page1[0].GetProperty("owner").GetProperty("user_id").GetString(), out _));
        Assert.True(page1[0].GetProperty("created_at").GetDateTimeOffset() >= page1[1].GetProperty("created_at").GetDateTimeOffset());
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=201", "limit")]
    [InlineData("cursor=not-ours", "cursor")]
    [InlineData("since=2026-01-01", "since")]
    public async Task ListTeams_NamesABadParameter(string query, string field)
    {
        using var admin = gateway.Admin();

        var problem = await (await admin.GetAsync($"/admin/teams?{query}")).AssertProblemAsync(HttpStatusCode.UnprocessableEntity);

        Assert.Equal(field, Assert.Single(problem.GetProperty("errors").EnumerateArray()).GetProperty("field").GetString());
    }

    [Fact]
    public async Task ListTeams_TakesTheAdminKey_NotATeamKeyNorNone()
    {
        var team = await gateway.CreateTeamAsync(1);
        using var anonymous = gateway.Client(null);

        await (await team.Http.GetAsync("/admin/teams")).AssertProblemAsync(HttpStatusCode.Forbidden);
        await (await anonymous.GetAsync("/admin/teams")).AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    private static Guid TeamIdOf(JsonElement team) => Guid.Parse(team.GetProperty("team_id").GetString()!);
}
