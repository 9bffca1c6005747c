using System.Net;
using Alavida.Grains.Platform;
using Npgsql;

namespace Alavida.Tests.Gateway;

/// <summary>
/// Usage per quantum and per day, and jobs per status, answered from roll-ups of closed days plus live rows, equal a
/// full scan of the same definitions (a job counts for a quantum in the period holding its first charge there).
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class UsageRollupTests(GatewayFixture gateway)
{
    private static readonly DateTime Today = DateTime.UtcNow.Date;
    private static readonly DateTime D0 = Today.AddDays(-10);

    private IPlatformQueryGrain Queries => gateway.Host.Grains.GetGrain<IPlatformQueryGrain>(0);

    [Fact]
    public async Task UsageByQuantumAndDay_EqualAFullScan_ForEveryWindow_BeforeAndAfterTheRollUp_AndAfterALiveCharge()
    {
        var (team, other) = (await gateway.CreateTeamAsync(1), await gateway.CreateTeamAsync(1));
        var (j1, j2, j3, j4) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        await ChargeAsync(team.TeamId, j1, "identity", 1, 2, D0.AddHours(10));
        await ChargeAsync(team.TeamId, j2, "icp-discovery", 1, 4, D0.AddDays(1).AddTicks(-10)); // the last microsecond of D0
        await ChargeAsync(team.TeamId, j1, "identity", 2, 3, D0.AddDays(1).AddHours(9));       // j1 again, the next day
        await ChargeAsync(team.TeamId, j3, "identity", 1, 1, D0.AddDays(1).AddHours(12));
        await ChargeAsync(team.TeamId, j3, "buying-signals", 3, 5, D0.AddDays(2).AddHours(8)); // j3's cascade, another quantum
        await ChargeAsync(team.TeamId, null, "identity", 9, 9, D0.AddDays(2).AddHours(10));   // a run's charge: no job
        await ChargeAsync(team.TeamId, j4, "identity", 1, 7, Today.AddDays(-1).AddHours(23));
        await ChargeAsync(other.TeamId, Guid.NewGuid(), "identity", 1, 100, D0.AddDays(1).AddHours(11));

        await AssertAllWindowsAsync(team.TeamId);
        var rolled = await RolledRowsAsync(team.TeamId);
        Assert.True(rolled > 0, "the closed days were rolled up");

        await AssertAllWindowsAsync(team.TeamId); // rolled, then asked again: the same answers, no new rows
        Assert.Equal(rolled, await RolledRowsAsync(team.TeamId));

        await ChargeAsync(team.TeamId, j1, "identity", 1, 6, null);           // today, after the roll-up
        await ChargeAsync(team.TeamId, Guid.NewGuid(), "identity", 4, 8, null);
        await AssertAllWindowsAsync(team.TeamId);
        Assert.Equal(rolled, await RolledRowsAsync(team.TeamId));
    }

    [Fact]
    public async Task UsageByQuantum_ReadersRacingOnAFreshTeam_AllAnswerTheFullScan()
    {
        var team = await gateway.CreateTeamAsync(1);
        for (var i = 0; i < 40; i++)
        {
            await ChargeAsync(team.TeamId, Guid.NewGuid(), i % 2 == 0 ? "identity" : "lead-discovery", 1, i, D0.AddHours(i * 7));
        }

        var expected = ExpectedByQuantum(await ChargesAsync(team.TeamId), null, null);
        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Queries.UsageByQuantumAsync(new UsageQuery(team.TeamId, null, null, 1, null))));

        Assert.All(answers, a => Assert.Equal(expected, a.OrderBy(q => q.Quantum, StringComparer.Ordinal)));
    }

    [Fact]
    public async Task CountJobsByStatus_EqualsAFullScan_WhileAJobIsUnfinished_AndAfterItFinishes()
    {
        var (team, other) = (await gateway.CreateTeamAsync(1), await gateway.CreateTeamAsync(1));
        var statuses = new[] { "succeeded", "failed", "cancelled", "succeeded" };
        for (var i = 0; i < 12; i++)
        {
            await JobAsync(team.TeamId, Guid.NewGuid(), statuses[i % 4], D0.AddHours(i * 17));
        }

        var running = Guid.NewGuid();
        await JobAsync(team.TeamId, running, "running", D0.AddDays(3).AddHours(5));
        await JobAsync(team.TeamId, Guid.NewGuid(), "succeeded", D0.AddDays(6));
        await JobAsync(team.TeamId, Guid.NewGuid(), "queued", null);
        await JobAsync(other.TeamId, Guid.NewGuid(), "failed", D0.AddHours(1));

        Assert.Equal(await ExpectedStatusesAsync(team.TeamId), await Queries.CountJobsByStatusAsync(team.TeamId));
        Assert.Equal(await ExpectedStatusesAsync(team.TeamId), await Queries.CountJobsByStatusAsync(team.TeamId));
        Assert.Equal(D0.AddDays(3), await WatermarkAsync(team.TeamId, "jobs")); // not past the unfinished job's day

        await gateway.ScalarAsync<int>("UPDATE jobs SET status = 'failed', settled_at = now() WHERE id = @id RETURNING 1", ("id", running));
        Assert.Equal(await ExpectedStatusesAsync(team.TeamId), await Queries.CountJobsByStatusAsync(team.TeamId));
        Assert.True(await WatermarkAsync(team.TeamId, "jobs") > D0.AddDays(6));
    }

    [Theory]
    [InlineData("since=9999-12-31T23:59:59Z")]
    [InlineData("since=0001-01-01T00:00:00Z")]
    [InlineData("since=0001-01-01T00:00:01Z")]
    [InlineData("since=2999-01-01T12:00:00Z&quantum=identity")]
    public async Task CreditUsage_AtTheEdgesOfTime_IsOk(string query)
    {
        var team = await gateway.CreateTeamAsync(1);
        await ChargeAsync(team.TeamId, Guid.NewGuid(), "identity", 1, 2, D0);

        var response = await team.Http.GetAsync($"/credits/usage?{query}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private async Task AssertAllWindowsAsync(Guid team)
    {
        var charges = await ChargesAsync(team);
        DateTimeOffset?[] windows =
        [
            null, D0, D0.AddDays(1), D0.AddDays(1).AddHours(10).AddMinutes(30), D0.AddHours(23), Today.AddDays(-1),
            Today.AddDays(-1).AddHours(23), Today, DateTime.UtcNow.AddMinutes(-1), Today.AddDays(2), Today.AddDays(2).AddHours(3),
        ];
        foreach (var since in windows.Select(w => w is { } s ? new DateTimeOffset(s.UtcDateTime, TimeSpan.Zero) : (DateTimeOffset?)null))
        {
            foreach (var quantum in new[] { null, "identity" })
            {
                var query = new UsageQuery(team, quantum, since, 1, null);
                Assert.Equal(ExpectedByQuantum(charges, since, quantum), (await Queries.UsageByQuantumAsync(query)).OrderBy(q => q.Quantum, StringComparer.Ordinal));
                Assert.Equal(ExpectedByDay(charges, since, quantum), await Queries.UsageByDayAsync(query));
            }
        }
    }

    private static List<QuantumUsage> ExpectedByQuantum(List<Charge> all, DateTimeOffset? since, string? quantum)
    {
        var firsts = all.Where(c => c.Job is not null).GroupBy(c => (c.Job, c.Quantum)).Select(g => g.MinBy(c => (c.At, c.Id))!).ToHashSet();
        return InWindow(all, since, quantum).GroupBy(c => c.Quantum).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new QuantumUsage(g.Key, g.Count(firsts.Contains), g.Sum(c => c.Units), g.Sum(c => c.Amount))).ToList();
    }

    private static List<DailyUsage> ExpectedByDay(List<Charge> all, DateTimeOffset? since, string? quantum) =>
        InWindow(all, since, quantum).GroupBy(c => (Day: DateOnly.FromDateTime(c.At), c.Quantum))
            .OrderBy(g => g.Key.Day).ThenBy(g => g.Key.Quantum, StringComparer.Ordinal)
            .Select(g => new DailyUsage(g.Key.Day, g.Key.Quantum, g.Sum(c => c.Amount))).ToList();

    private static IEnumerable<Charge> InWindow(List<Charge> all, DateTimeOffset? since, string? quantum) =>
        all.Where(c => (since is null || c.At >= since.Value.UtcDateTime) && (quantum is null || c.Quantum == quantum));

    private Task ChargeAsync(Guid team, Guid? job, string quantum, int units, long amount, DateTime? at) =>
        gateway.ScalarAsync<int>(
            """
            INSERT INTO credit_usage (team_id, job_id, run_id, quantum, step, units, amount, idempotency_key, created_at)
            VALUES (@team, @job, CASE WHEN @job::uuid IS NULL THEN 'run-1' END, @quantum, 'step', @units, @amount, @key, coalesce(@at::timestamptz, now()))
            RETURNING 1
            """,
            ("team", team), ("job", (object?)job ?? DBNull.Value), ("quantum", quantum), ("units", units), ("amount", amount),
            ("key", Guid.NewGuid().ToString()), ("at", (object?)at ?? DBNull.Value));

    private Task JobAsync(Guid team, Guid job, string status, DateTime? at) =>
        gateway.ScalarAsync<int>(
            """
            INSERT INTO jobs (id, team_id, component_slug, action, status, input, created_at, settled_at)
            VALUES (@job, @team, 'identity', 'act', @status, '{}', coalesce(@at::timestamptz, now()),
                    CASE WHEN @status IN ('succeeded', 'failed', 'cancelled') THEN coalesce(@at::timestamptz, now()) END)
            RETURNING 1
            """,
            ("job", job), ("team", team), ("status", status), ("at", (object?)at ?? DBNull.Value));

    private async Task<List<Charge>> ChargesAsync(Guid team)
    {
        var rows = new List<Charge>();
        await using var connection = new NpgsqlConnection(gateway.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT id, job_id, quantum, units, amount, created_at FROM credit_usage WHERE team_id = @team", connection);
        command.Parameters.AddWithValue("team", team);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(new Charge(reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetGuid(1), reader.GetString(2), reader.GetInt32(3), reader.GetInt64(4), reader.GetDateTime(5)));
        }

        return rows;
    }

    private async Task<List<StatusCount>> ExpectedStatusesAsync(Guid team)
    {
        var counts = new List<StatusCount>();
        foreach (var status in Enum.GetValues<JobStatus>())
        {
            var jobs = await gateway.ScalarAsync<long>("SELECT count(*) FROM jobs WHERE team_id = @team AND status = @status", ("team", team), ("status", status.ToString().ToLowerInvariant()));
            if (jobs > 0)
            {
                counts.Add(new StatusCount(status, jobs));
            }
        }

        return counts;
    }

    private Task<long> RolledRowsAsync(Guid team) =>
        gateway.ScalarAsync<long>("SELECT count(*) FROM credit_usage_daily WHERE team_id = @team", ("team", team));

    private Task<DateTime> WatermarkAsync(Guid team, string kind) =>
        gateway.ScalarAsync<DateTime>("SELECT rolled_until::timestamp FROM rollup_watermarks WHERE team_id = @team AND kind = @kind", ("team", team), ("kind", kind));

    private sealed record Charge(long Id, Guid? Job, string Quantum, long Units, long Amount, DateTime At);
}
