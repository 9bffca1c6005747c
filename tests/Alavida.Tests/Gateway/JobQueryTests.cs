using System.Net;
using System.Text.Json;
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
    public async Task CreditUsage_ListsJobsByTheirLatestCharge_SumsThemWithinTheFilter_AndPagesThroughEachOnce()
    {
        var team = await gateway.CreateTeamAsync(1);
        var (a, b, c) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        foreach (var (job, quantum) in new[] { (a, "identity"), (b, "icp-discovery"), (c, "identity") })
        {
            await gateway.ScalarAsync<int>(
                "INSERT INTO jobs (id, team_id, component_slug, action, status, input) VALUES (@job, @team, @quantum, 'act', 'succeeded', '{}') RETURNING 1",
                ("job", job), ("team", team.TeamId), ("quantum", quantum));
        }

        // A is charged first and last, so it leads; a run's charge (no job) is not a job's line.
        foreach (var (job, quantum, units, amount, at) in new (Guid?, string, int, long, string)[]
                 {
                     (a, "identity", 1, 2, "2020-01-01T10:00:00Z"), (b, "icp-discovery", 1, 4, "2020-01-01T10:01:00Z"),
                     (c, "identity", 1, 1, "2020-01-01T10:02:00Z"), (a, "identity", 2, 3, "2020-01-01T10:03:00Z"), (null, "identity", 9, 9, "2020-01-01T10:05:00Z"),
                 })
        {
            await gateway.ScalarAsync<int>(
                """
                INSERT INTO credit_usage (team_id, job_id, run_id, quantum, step, units, amount, idempotency_key, created_at)
                VALUES (@team, @job, CASE WHEN @job::uuid IS NULL THEN 'run-1' END, @quantum, 'step', @units, @amount, @key, @at::timestamptz) RETURNING 1
                """,
                ("team", team.TeamId), ("job", (object?)job ?? DBNull.Value), ("quantum", quantum), ("units", units), ("amount", amount), ("key", Guid.NewGuid().ToString()), ("at", at));
        }

        var pages = new List<(string Job, long Units, long Credits, string At)>();
        string? cursor = null;
        do
        {
            var page = await (await team.Http.GetAsync($"/credits/usage?limit=1{(cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}")}")).ReadJsonAsync();
            pages.AddRange(page.GetProperty("items").EnumerateArray().Select(Line));
            cursor = page.GetProperty("next_cursor").GetString();
        }
        while (cursor is not null);
        var identitySince = (await (await team.Http.GetAsync("/credits/usage?quantum=identity&since=2020-01-01T10:01:30Z")).ReadJsonAsync())
            .GetProperty("items").EnumerateArray().Select(Line).ToList();

        Assert.Equal([(a.ToString(), 3L, 5L, "10:03"), (c.ToString(), 1L, 1L, "10:02"), (b.ToString(), 1L, 4L, "10:01")], pages);
        Assert.Equal([(a.ToString(), 2L, 3L, "10:03"), (c.ToString(), 1L, 1L, "10:02")], identitySince);

        static (string, long, long, string) Line(JsonElement i) =>
            (i.GetProperty("job_id").GetString()!, i.GetProperty("units").GetInt64(), i.GetProperty("credits").GetInt64(), i.GetProperty("charged_at").GetDateTimeOffset().ToString("HH:mm"));
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
