using System.Net;
using Alavida.Grains.Platform;

namespace Alavida.Tests.Gateway;

[Collection(GatewayCollection.Name)]
public sealed class JobQueryTests(GatewayFixture gateway)
{
    [Fact]
    public async Task Jobs_OfANewTeam_IsAnEmptyPage()
    {
        var team = await gateway.CreateTeamAsync(1);

        var page = await (await team.Http.GetAsync("/jobs")).ReadJsonAsync();

        Assert.Empty(page.GetProperty("items").EnumerateArray());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, page.GetProperty("next_cursor").ValueKind);
    }

    [Fact]
    public async Task Jobs_PageNewestFirst_WithACursorUntilTheEnd()
    {
        var team = await gateway.CreateTeamAsync(10);
        var ids = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add(Guid.CreateVersion7());
            await gateway.Host.Grains.GetGrain<ITeamGrain>(team.TeamId).AcceptJobAsync(new JobSubmission(
                ids[^1], team.TeamId, null, Quantums.Identity, "resolve-company", """{"companies":[{"domain":"p.com"}]}""", 1, null, null, "00", 1));
        }

        var first = await (await team.Http.GetAsync("/jobs?limit=2")).ReadJsonAsync();
        var cursor = first.GetProperty("next_cursor").GetString();
        var second = await (await team.Http.GetAsync($"/jobs?limit=2&cursor={cursor}")).ReadJsonAsync();

        var seen = first.GetProperty("items").EnumerateArray().Concat(second.GetProperty("items").EnumerateArray())
            .Select(j => Guid.Parse(j.GetProperty("job_id").GetString()!)).ToList();
        Assert.Equal(Enumerable.Reverse(ids), seen);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, second.GetProperty("next_cursor").ValueKind);
    }

    [Theory]
    [InlineData("/jobs/not-a-uuid", HttpStatusCode.BadRequest)]
    [InlineData("/jobs/1%27%20OR%20%271%27%3D%271", HttpStatusCode.BadRequest)]
    [InlineData("/jobs/6f9619ff-8b86-d011-b42d-00cf4fc964ff", HttpStatusCode.NotFound)]
    public async Task GetJob_WithABadOrUnknownId_IsAProblem(string path, HttpStatusCode status)
    {
        var team = await gateway.CreateTeamAsync(1);

        await (await team.Http.GetAsync(path)).AssertProblemAsync(status);
        await (await team.Http.PostAsync(path + "/cancel", null)).AssertProblemAsync(status);
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=201", "limit")]
    [InlineData("limit=abc", "limit")]
    [InlineData("cursor=garbage", "cursor")]
    [InlineData("since=yesterday", "since")]
    [InlineData("status=done", "status")]
    [InlineData("quantum=nope", "quantum")]
    public async Task ListJobs_WithABadParameter_Is422NamingIt(string query, string field)
    {
        var team = await gateway.CreateTeamAsync(1);

        var problem = await (await team.Http.GetAsync($"/jobs?{query}")).AssertProblemAsync(HttpStatusCode.UnprocessableEntity);

        Assert.Contains(problem.GetProperty("errors").EnumerateArray(), e => e.GetProperty("field").GetString() == field);
    }

    [Fact]
    public async Task CreditUsage_OfANewTeam_IsEmptyWithTotals()
    {
        var team = await gateway.CreateTeamAsync(1);

        var usage = await (await team.Http.GetAsync("/credits/usage")).ReadJsonAsync();

        Assert.Empty(usage.GetProperty("items").EnumerateArray());
        Assert.Empty(usage.GetProperty("by_quantum").EnumerateArray());
        await (await team.Http.GetAsync("/credits/usage?limit=-1")).AssertProblemAsync(HttpStatusCode.UnprocessableEntity);
    }
}
