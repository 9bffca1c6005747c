using System.Text.Json.Nodes;
using Alavida.Grains.MeetingAnalysis;
using Alavida.Grains.Prospect;
using Alavida.Tests.Gateway;
using Alavida.Tests.Meetings;
using Alavida.Tests.Prospect;

namespace Alavida.Tests.Dashboard;

/// <summary>A team with real data on every page: an identity job, the prospect cascade (runs, events, scores), a meeting.</summary>
public sealed record DashboardData(TestTeam Team, string JobId, string CascadeJobId, string RunId, string CompanyId, string MeetingId, string EventName)
{
    public static async Task<DashboardData> CreateAsync(GatewayFixture fixture)
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var team = await fixture.CreateTeamAsync(credits: 5_000);
        var job = await team.RunToSuccessAsync("/identity/run/resolve-company",
            new { companies = new[] { new { domain = $"acme-{tag}.com" }, new { domain = $"globex-{tag}.io" } } });

        foreach (var (domain, people) in ProspectScenario.People(tag))
        {
            await team.RunToSuccessAsync("/lead-discovery/run/ingest", new { company = new { domain }, people });
        }

        await team.RunToSuccessAsync("/buying-signals/run/ingest", new { signals = ProspectScenario.Signals(tag, DateTimeOffset.UtcNow) });
        var qualify = await team.WaitForJobAsync(await team.RunAsync("/icp-discovery/run/qualify",
            new { icp = ProspectScenario.Icp, companies = ProspectScenario.Companies(tag), persona = ProspectScenario.Persona }));
        var trace = qualify.GetProperty("trace_id").GetString()!;
        await CascadeWait.UntilAsync(fixture, trace, c => c.Runs(LeadsOnQualifiedFunction.Id) == 18
            && c.Runs(ScoreOnLeadsFunction.Id) == c.Runs(LeadsOnQualifiedFunction.Id, "completed"));

        var meetings = new[]
        {
            MeetingJson.Of(tag, "manual", "m-1", m => m["segments"] = new JsonArray(
                new JsonObject { ["speaker"] = "Dana Reyes", ["text"] = "Thanks for joining, Chris.", ["start_s"] = 0.5, ["end_s"] = 2 },
                new JsonObject { ["speaker"] = "Chris Park", ["text"] = "We want to replace our spreadsheets this quarter.", ["start_s"] = 2.5, ["end_s"] = 6 },
                new JsonObject { ["speaker"] = "Chris Park", ["text"] = $"The budget is approved; northwind-{tag}.io/about says who we are.", ["start_s"] = 6.5, ["end_s"] = 9 })),
        };
        var meeting = await team.RunToSuccessAsync("/meeting-sync/run/ingest", new { meetings });
        // Its analysis (a mention of Northwind with the budget intent) and what that starts, so the meeting page shows marks.
        await CascadeWait.UntilAsync(fixture, meeting.GetProperty("trace_id").GetString()!, c => c.Runs(TranscriptAddedFunction.Id, "completed") == 1);

        var runs = await team.Http.ListAllAsync($"/runs?trace_id={trace}");
        var hot = await team.Http.ListAllAsync("/buying-signals/data/scores?tier=hot");
        var events = await (await team.Http.GetAsync("/events?limit=1")).ReadJsonAsync();
        return new DashboardData(team, job.GetProperty("job_id").GetString()!, qualify.GetProperty("job_id").GetString()!, runs[0].GetProperty("run_id").GetString()!,
            hot[0].GetProperty("company_id").GetString()!, meeting.GetProperty("result").GetProperty("results")[0].GetProperty("meeting_id").GetString()!,
            events.GetProperty("items")[0].GetProperty("name").GetString()!);
    }
}
