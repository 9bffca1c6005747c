using System.Net;
using System.Net.Http.Json;
using Alavida.Grains.Platform;
using Alavida.Grains.Prospect;
using Alavida.Tests.Gateway;

namespace Alavida.Tests.Prospect;

[CollectionDefinition(Name)]
public sealed class ProspectCollection : ICollectionFixture<GatewayFixture>
{
    public const string Name = "prospect";
}

/// <summary>The prospect chain end to end: HTTP in, cascade through the mesh, data and credits out (real PostgreSQL, real silo).</summary>
[Collection(ProspectCollection.Name)]
public sealed class ProspectChainTests(GatewayFixture fixture)
{
    private const string Lead = LeadsOnQualifiedFunction.Id;
    private const string Score = ScoreOnLeadsFunction.Id;

    [Fact]
    public async Task Qualify_CascadesToLeadsAndScores_WithOneIdentity_OneTrace_AndCreditsChargedOnce()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var team = await fixture.CreateTeamAsync(credits: 1_000);
        var other = await fixture.CreateTeamAsync(credits: 1_000);

        var ingested = new Dictionary<string, string>();
        foreach (var (domain, people) in ProspectScenario.People(tag))
        {
            var job = await team.RunToSuccessAsync("/lead-discovery/run/ingest", new { company = new { domain }, people });
            ingested[domain] = job.GetProperty("result").GetProperty("company_id").GetString()!;
            Assert.Equal(people.Length, job.GetProperty("result").GetProperty("counts").GetProperty("stored").GetInt32());
        }

        var observedFrom = DateTimeOffset.UtcNow;
        var signals = await team.RunToSuccessAsync("/buying-signals/run/ingest", new { signals = ProspectScenario.Signals(tag, observedFrom) });
        Assert.Equal(11, signals.GetProperty("result").GetProperty("counts").GetProperty("stored").GetInt32());
        var again = await team.RunToSuccessAsync("/buying-signals/run/ingest", new { signals = ProspectScenario.Signals(tag, observedFrom).Take(1) });
        Assert.Equal("duplicate", again.GetProperty("result").GetProperty("results")[0].GetProperty("status").GetString());
        var balanceBefore = await BalanceAsync(team);

        // The second team qualifies its own list at the same time; its cascade must not see or touch the first team's.
        var otherJob = await other.RunAsync("/icp-discovery/run/qualify", new
        {
            icp = new { industries = new[] { "logistics" }, min_score = 50 },
            companies = Enumerable.Range(1, 5).Select(i => new { domain = $"other-{i}-{tag}.de", industry = "logistics" }).ToArray(),
        });
        var jobId = await team.RunAsync("/icp-discovery/run/qualify", new { icp = ProspectScenario.Icp, companies = ProspectScenario.Companies(tag), persona = ProspectScenario.Persona });

        var qualify = await team.WaitForJobAsync(jobId);
        Assert.Equal("succeeded", qualify.GetProperty("status").GetString());
        var result = qualify.GetProperty("result");
        var counts = result.GetProperty("counts");
        Assert.Equal((30, 26, 18, 8, 3, 1), (counts.GetProperty("submitted").GetInt32(), counts.GetProperty("evaluated").GetInt32(), counts.GetProperty("qualified").GetInt32(),
            counts.GetProperty("disqualified").GetInt32(), counts.GetProperty("duplicates").GetInt32(), counts.GetProperty("rejected").GetInt32()));
        var items = result.GetProperty("results").EnumerateArray().ToList();
        var qualified = items.Where(i => i.GetProperty("status").GetString() == "qualified").Select(i => i.GetProperty("index").GetInt32()).ToHashSet();
        Assert.Equal([.. Enumerable.Range(0, 18)], qualified.Order());
        Assert.Equal(100, items[0].GetProperty("score").GetDouble());
        Assert.Equal(90, items[16].GetProperty("score").GetDouble());
        Assert.Contains("required_keywords", items[16].GetProperty("failed_criteria").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(60, items[18].GetProperty("score").GetDouble()); // fintech: wrong industry
        Assert.Contains("excluded_domains", items[21].GetProperty("failed_criteria").EnumerateArray().Select(c => c.GetString()));
        Assert.Contains("excluded_keywords", items[22].GetProperty("failed_criteria").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal((0, 1, 2), (items[26].GetProperty("duplicate_of").GetInt32(), items[27].GetProperty("duplicate_of").GetInt32(), items[28].GetProperty("duplicate_of").GetInt32()));
        Assert.Equal("rejected", items[29].GetProperty("status").GetString());
        Assert.Equal(52, qualify.GetProperty("usage").GetProperty("credits_charged").GetInt32());

        var trace = qualify.GetProperty("trace_id").GetString()!;
        var runs = await CascadeWait.UntilAsync(fixture, trace, c => c.Runs(Lead) == 18 && c.Runs(Score) == c.Runs(Lead, "completed"));
        Assert.Equal(18, runs.Runs(Lead, "completed"));
        Assert.Equal(18, runs.Runs(Score, "completed"));

        // One identity per company across the three quantums.
        var fit1 = ingested[ProspectScenario.Fit(1, tag)];
        Assert.Equal(fit1, items[0].GetProperty("company_id").GetString());
        var leads = await team.Http.ListAllAsync($"/lead-discovery/data/leads?trace_id={trace}");
        Assert.Equal(12, leads.Count);
        Assert.Equal(2, leads.Count(l => l.GetProperty("company_id").GetString() == fit1));
        Assert.All(leads, l => Assert.DoesNotContain("Office", l.GetProperty("title").GetString()));
        Assert.All(leads, l => Assert.Equal(jobId, l.GetProperty("job_id").GetString()));

        var scores = await team.Http.ListAllAsync($"/buying-signals/data/scores?trace_id={trace}");
        var byCompany = scores.ToDictionary(s => s.GetProperty("company_id").GetString()!, s => (Score: s.GetProperty("score").GetDouble(), Tier: s.GetProperty("tier").GetString()));
        Assert.Equal(5, byCompany.Count);
        Assert.Equal((72.0, "hot"), byCompany[fit1]);
        Assert.Equal((65.6, "warm"), byCompany[ingested[ProspectScenario.Fit(2, tag)]]);
        Assert.Equal((0.0, "cold"), byCompany[ingested[ProspectScenario.Fit(3, tag)]]);
        Assert.Equal((0.0, "cold"), byCompany[ingested[ProspectScenario.Fit(4, tag)]]);
        var hot = scores.Single(s => s.GetProperty("company_id").GetString() == fit1);
        Assert.Equal("hiring", hot.GetProperty("evidence")[0].GetProperty("type").GetString());
        Assert.Equal(48, hot.GetProperty("evidence")[0].GetProperty("points").GetDouble());

        var qualifications = await team.Http.ListAllAsync($"/icp-discovery/data/qualifications?job_id={jobId}");
        Assert.Equal(26, qualifications.Count);
        var fitRow = qualifications.Single(q => q.GetProperty("company_id").GetString() == fit1);
        Assert.True(fitRow.GetProperty("qualified").GetBoolean());
        Assert.Equal(items[0].GetProperty("qualification_id").GetString(), fitRow.GetProperty("qualification_id").GetString());
        var one = await (await team.Http.GetAsync($"/icp-discovery/data/qualifications/{fitRow.GetProperty("qualification_id").GetString()}")).ReadJsonAsync();
        Assert.Equal(fit1, one.GetProperty("company_id").GetString());

        // Every run of the cascade shares the job's trace id and shows in /traces.
        var traceView = await (await team.Http.GetAsync($"/traces/{trace}")).ReadJsonAsync();
        Assert.Equal(jobId, traceView.GetProperty("jobs")[0].GetProperty("job_id").GetString());
        Assert.Equal(36, traceView.GetProperty("runs").GetArrayLength());
        Assert.All(traceView.GetProperty("runs").EnumerateArray(), r => Assert.Equal(trace, r.GetProperty("trace_id").GetString()));

        // Credits: 2 × 26 evaluated, 1 per person evaluated at companies with leads (4 + 5 × 3), 1 per company with signals (5).
        Assert.Equal(balanceBefore - 76, await BalanceAsync(team));
        Assert.Equal(76L, await fixture.ScalarAsync<long>(
            "SELECT sum(amount)::bigint FROM credit_usage WHERE team_id = @t AND (job_id = @j OR run_id IN (SELECT run_id::text FROM mesh.runs WHERE trace_id = @trace))",
            ("t", team.TeamId), ("j", Guid.Parse(jobId)), ("trace", trace)));
        // One charge per company and quantum: the six companies with leads, the five with signals.
        Assert.Equal(6L, await fixture.ScalarAsync<long>(
            "SELECT count(*) FROM credit_usage WHERE team_id = @t AND quantum = 'lead-discovery' AND job_id = @j", ("t", team.TeamId), ("j", Guid.Parse(jobId))));
        Assert.Equal(5L, await fixture.ScalarAsync<long>(
            "SELECT count(*) FROM credit_usage WHERE team_id = @t AND quantum = 'buying-signals' AND job_id = @j", ("t", team.TeamId), ("j", Guid.Parse(jobId))));

        // Replaying a paid lead run redoes the work and pays nothing: charges are per company, not per run.
        var paidRun = traceView.GetProperty("runs").EnumerateArray().First(r => r.GetProperty("function_id").GetString() == Lead
            && r.GetProperty("run_id").GetString() is { } id && leads.Any(l => l.GetProperty("run_id").GetString() == id));
        var replay = await team.Http.PostAsync($"/runs/{paidRun.GetProperty("run_id").GetString()}/replay", null);
        Assert.True(replay.IsSuccessStatusCode, await replay.Content.ReadAsStringAsync());
        runs = await CascadeWait.UntilAsync(fixture, trace, c => c.Runs(Lead) == 19);
        Assert.Equal(19, runs.Runs(Lead, "completed"));
        Assert.Equal(18, runs.Runs(Score)); // its event has the same id as the first time: the mesh takes it once
        Assert.Equal(balanceBefore - 76, await BalanceAsync(team));

        // The per-team concurrency limit held: never more than 5 lead runs of this trace executing at once.
        Assert.InRange(await MaxOverlapAsync(trace, Lead), 1, ProspectHostingExtensions.DefaultConcurrencyPerTeam);

        // The second team's cascade ran on its own: its data only, its credits only, the first team's trace invisible.
        var otherFinal = await other.WaitForJobAsync(otherJob);
        var otherTrace = otherFinal.GetProperty("trace_id").GetString()!;
        await CascadeWait.UntilAsync(fixture, otherTrace, c => c.Runs(Lead) == 5 && c.Runs(Score) == c.Runs(Lead, "completed"));
        Assert.Empty(await other.Http.ListAllAsync($"/lead-discovery/data/leads?trace_id={trace}"));
        Assert.Empty(await other.Http.ListAllAsync($"/buying-signals/data/signals?company_id={fit1}"));
        Assert.Equal(5, (await other.Http.ListAllAsync("/icp-discovery/data/qualifications")).Count);
        await (await other.Http.GetAsync($"/traces/{trace}")).AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal(1_000 - 10, await BalanceAsync(other));
    }

    [Fact]
    public async Task SpendCap_CoversTheWholeTrace_RunsPastItAreSkipped()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var team = await fixture.CreateTeamAsync(credits: 1_000);
        var domains = Enumerable.Range(1, 6).Select(i => ProspectScenario.Fit(i, tag)).ToList();
        foreach (var (domain, people) in ProspectScenario.People(tag))
        {
            await team.RunToSuccessAsync("/lead-discovery/run/ingest", new { company = new { domain }, people = people.Take(3) });
        }

        await team.RunToSuccessAsync("/buying-signals/run/ingest", new
        {
            signals = domains.Select(d => new { company = new { domain = d }, type = "hiring", observed_at = DateTimeOffset.UtcNow.AddDays(-1).ToString("yyyy-MM-ddTHH:mm:ssZ"), strength = 1, evidence = "Hiring." }).ToArray(),
        });

        // 6 companies: qualify costs 12; each lead run 3 (three people); each score 1. A cap of 15 pays qualify and one lead run.
        var companies = ProspectScenario.Companies(tag).Take(6).ToArray();
        var response = await team.Http.PostAsJsonAsync("/icp-discovery/run/qualify", new { icp = ProspectScenario.Icp, companies, persona = ProspectScenario.Persona, max_credits = 15 });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var jobId = (await response.ReadJsonAsync()).GetProperty("job_id").GetString()!;
        var job = await team.WaitForJobAsync(jobId);
        Assert.Equal(12, job.GetProperty("usage").GetProperty("credits_charged").GetInt32());
        var trace = job.GetProperty("trace_id").GetString()!;

        var runs = await CascadeWait.UntilAsync(fixture, trace, c => c.Runs(Lead) == 6 && c.Runs(Score) == c.Runs(Lead, "completed"));
        Assert.Equal(1, runs.Runs(Lead, "completed"));
        Assert.Equal(5, runs.Runs(Lead, "skipped"));
        Assert.Equal(1, runs.Runs(Score, "skipped")); // the one scored company would cost 1 more: past the cap too

        var view = await (await team.Http.GetAsync($"/traces/{trace}")).ReadJsonAsync();
        var skipped = view.GetProperty("runs").EnumerateArray().Where(r => r.GetProperty("status").GetString() == "skipped").ToList();
        Assert.Equal(6, skipped.Count);
        Assert.All(skipped, r => Assert.Equal(CascadeBilling.SpendCap, r.GetProperty("error").GetString()));
        Assert.Equal(6, view.GetProperty("counts").GetProperty("skipped").GetInt32());

        Assert.Equal(1_000 - 15, await BalanceAsync(team));
        Assert.Equal(15L, await fixture.ScalarAsync<long>("SELECT committed FROM trace_budgets WHERE trace_id = @t", ("t", trace)));
        Assert.Equal(2, (await team.Http.ListAllAsync($"/lead-discovery/data/leads?trace_id={trace}")).Count);
        Assert.Empty(await team.Http.ListAllAsync($"/buying-signals/data/scores?trace_id={trace}"));
    }

    [Fact]
    public async Task TheQualifyJob_GivesBackWhatItWillNotCharge_BeforeItsCascadeSpends()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var team = await fixture.CreateTeamAsync(credits: 1_000);
        foreach (var (domain, people) in ProspectScenario.People(tag).Skip(1).Take(3))
        {
            await team.RunToSuccessAsync("/lead-discovery/run/ingest", new { company = new { domain }, people });
        }

        // Six items, three of them duplicates: 12 reserved, 6 charged. The three lead runs cost 3 each: 6 + 9 = 15 fits the cap
        // only when the 6 credits the job will not charge are back in the trace's budget before the runs charge.
        var fits = Enumerable.Range(2, 3).Select(i => (object)new { name = $"Fit {i}", domain = ProspectScenario.Fit(i, tag), industry = "logistics", employees = 200, country = "DE", description = "Freight." });
        var copies = Enumerable.Range(2, 3).Select(i => (object)new { domain = $"https://www.{ProspectScenario.Fit(i, tag)}/" });
        var response = await team.Http.PostAsJsonAsync("/icp-discovery/run/qualify", new { icp = ProspectScenario.Icp, companies = fits.Concat(copies).ToArray(), persona = ProspectScenario.Persona, max_credits = 15 });
        var job = await team.WaitForJobAsync((await response.ReadJsonAsync()).GetProperty("job_id").GetString()!);
        Assert.Equal((6, 6), (job.GetProperty("usage").GetProperty("credits_reserved").GetInt32(), job.GetProperty("usage").GetProperty("credits_charged").GetInt32()));

        var trace = job.GetProperty("trace_id").GetString()!;
        var runs = await CascadeWait.UntilAsync(fixture, trace, c => c.Runs(Lead) == 3 && c.Runs(Score) == c.Runs(Lead, "completed"));
        Assert.Equal(3, runs.Runs(Lead, "completed"));
        Assert.Equal(1_000 - 15, await BalanceAsync(team));
        Assert.Equal(15L, await fixture.ScalarAsync<long>("SELECT committed FROM trace_budgets WHERE trace_id = @t", ("t", trace)));
    }

    [Fact]
    public async Task RunCharges_AreIdempotentPerKey_AndNeverOverdraw()
    {
        var team = await fixture.CreateTeamAsync(credits: 10);
        var grain = fixture.Host.Grains.GetGrain<ITeamGrain>(team.TeamId);
        var runId = Guid.NewGuid();
        var charge = new RunCharge("trace-idempotent", null, runId, "lead-discovery", "discover", 3, 3, $"run:{runId:N}:discover");
        Assert.Equal(RunChargeOutcome.Charged, (await grain.ChargeRunAsync(charge)).Outcome);
        Assert.Equal(RunChargeOutcome.AlreadyCharged, (await grain.ChargeRunAsync(charge)).Outcome);
        Assert.Equal(RunChargeOutcome.InsufficientCredits, (await grain.ChargeRunAsync(charge with { Amount = 8, IdempotencyKey = "another" })).Outcome);
        Assert.Equal(7, (await grain.GetCreditsAsync()).Balance);
        Assert.Equal(7, await BalanceAsync(team));
    }

    [Fact]
    public async Task Discover_FindsLeadsAmongRequestAndIngestedPeople_WithReasons_AndBillsOnlyWithLeads()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var team = await fixture.CreateTeamAsync(credits: 100);
        var domain = $"acme-{tag}.de";
        await team.RunToSuccessAsync("/lead-discovery/run/ingest", new
        {
            company = new { domain },
            people = new[] { new { name = "Priya Natarajan", title = "Head of Sales", linkedin_url = $"https://www.linkedin.com/in/priya-{tag}" } },
        });

        var job = await team.RunToSuccessAsync("/lead-discovery/run/discover", new
        {
            company = new { domain },
            people = new object[]
            {
                new { name = "Dana Reyes", title = "VP Revenue Operations", email = $"dana@{domain}", seniority = "vp" },
                new { name = "Sam Lee", title = "Office Manager", email = $"sam@{domain}" },
                new { name = "Info Desk", title = "Front desk", email = $"info@{domain}" },
            },
            persona = new { title_keywords = new[] { "revenue", "sales" }, seniorities = new[] { "vp", "head" } },
        });
        var result = job.GetProperty("result");
        Assert.Equal((3, 3, 2, 1, 1), (result.GetProperty("counts").GetProperty("submitted").GetInt32(), result.GetProperty("counts").GetProperty("evaluated").GetInt32(),
            result.GetProperty("counts").GetProperty("leads").GetInt32(), result.GetProperty("counts").GetProperty("not_matched").GetInt32(), result.GetProperty("counts").GetProperty("rejected").GetInt32()));
        var leads = result.GetProperty("leads").EnumerateArray().ToList();
        Assert.Equal(["request", "ingested"], leads.Select(l => l.GetProperty("source").GetString()).Order().Reverse());
        Assert.Contains("title contains 'revenue'", leads.Single(l => l.GetProperty("source").GetString() == "request").GetProperty("match_reasons").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal("head", leads.Single(l => l.GetProperty("source").GetString() == "ingested").GetProperty("seniority").GetString());
        Assert.Equal(2, job.GetProperty("usage").GetProperty("credits_charged").GetInt32()); // the two resolved request people; ingested ones are free

        var nobody = await team.RunToSuccessAsync("/lead-discovery/run/discover", new
        {
            company = new { domain = $"empty-{tag}.de" },
            people = new[] { new { name = "Sam Lee", title = "Office Manager", email = $"sam@empty-{tag}.de" } },
            persona = new { title_keywords = new[] { "sales" } },
        });
        Assert.Equal(0, nobody.GetProperty("usage").GetProperty("credits_charged").GetInt32());

        var people = await team.Http.ListAllAsync($"/lead-discovery/data/people?company_id={result.GetProperty("company_id").GetString()}");
        Assert.Equal(3, people.Count);
    }

    [Fact]
    public async Task Score_RanksFromStoredSignals_AndIsFreeWithoutSignals()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var team = await fixture.CreateTeamAsync(credits: 100);
        await team.RunToSuccessAsync("/buying-signals/run/ingest", new { signals = ProspectScenario.Signals(tag, DateTimeOffset.UtcNow) });
        var job = await team.RunToSuccessAsync("/buying-signals/run/score", new
        {
            companies = new object[] { new { domain = ProspectScenario.Fit(1, tag) }, new { domain = $"quiet-{tag}.de" }, new { domain = "gmail.com" } },
        });
        var results = job.GetProperty("result").GetProperty("results");
        Assert.Equal(("scored", 72.0, "hot"), (results[0].GetProperty("status").GetString(), results[0].GetProperty("score").GetDouble(), results[0].GetProperty("tier").GetString()));
        Assert.Equal(3, results[0].GetProperty("signal_count").GetInt32());
        Assert.Equal(-6, results[0].GetProperty("evidence").EnumerateArray().Last().GetProperty("points").GetDouble());
        Assert.Equal("no_signals", results[1].GetProperty("status").GetString());
        Assert.Equal("rejected", results[2].GetProperty("status").GetString());
        Assert.Equal(1, job.GetProperty("usage").GetProperty("credits_charged").GetInt32());

        var odd = await team.RunToSuccessAsync("/buying-signals/run/ingest", new
        {
            signals = new object[]
            {
                new { company = new { domain = $"odd-{tag}.de" }, type = "hiring", observed_at = "2025-02-30T00:00:00Z", strength = 1, evidence = "x" },
                new { company = new { domain = $"odd-{tag}.de" }, type = "hiring", observed_at = DateTimeOffset.UtcNow.AddDays(30).ToString("yyyy-MM-ddTHH:mm:ssZ"), strength = 1, evidence = "y" },
            },
        });
        Assert.Equal(["observed_at is not a valid date and time", "observed_at is in the future"],
            odd.GetProperty("result").GetProperty("results").EnumerateArray().Select(r => r.GetProperty("reason").GetString()));

        var hot = await team.Http.ListAllAsync("/buying-signals/data/scores?tier=hot");
        Assert.Single(hot);
        var events = await (await team.Http.GetAsync("/events?name=signal/company.scored")).ReadJsonAsync();
        Assert.Single(events.GetProperty("items").EnumerateArray());
    }

    public static TheoryData<string, string, string> BadPayloads() => new()
    {
        { "/icp-discovery/run/qualify", """{"icp":{"industries":["x"]},"companies":[{"domain":"a.de","employees":"many"}]}""", "/companies/0/employees" },
        { "/icp-discovery/run/qualify", """{"companies":[{"domain":"a.de"}]}""", "/" },
        { "/icp-discovery/run/qualify", """{"icp":{"industries":["x"],"colour":"red"},"companies":[{"domain":"a.de"}]}""", "/icp/colour" },
        { "/icp-discovery/run/qualify", """{"icp":{"countries":["Germany"]},"companies":[{"domain":"a.de"}]}""", "/icp/countries/0" },
        { "/icp-discovery/run/qualify", """{"icp":{"employee_range":{"min":500,"max":50}},"companies":[{"domain":"a.de"}]}""", "/icp/employee_range/max" },
        { "/icp-discovery/run/qualify", """{"icp":{"employee_range":{"min":10.0,"max":5e0}},"companies":[{"domain":"a.de"}]}""", "/icp/employee_range/max" },
        { "/icp-discovery/run/qualify", """{"icp":{"industries":["x"]},"companies":[{"domain":"a.de"},{"domain":"b.de"}],"max_credits":3}""", "/max_credits" },
        { "/lead-discovery/run/discover", """{"company":{"domain":"a.de"},"people":[{"name":"A"}]}""", "/people/0" },
        { "/lead-discovery/run/ingest", """{"company":{},"people":[{"name":"A","title":"B"}]}""", "/company" },
        { "/buying-signals/run/ingest", """{"signals":[{"company":{"domain":"a.de"},"type":"hiring","observed_at":"2025-01-01T00:00:00Z","strength":2,"evidence":"x"}]}""", "/signals/0/strength" },
        { "/buying-signals/run/ingest", """{"signals":[{"company":{"domain":"a.de"},"type":"rumour","observed_at":"2025-01-01T00:00:00Z","strength":1,"evidence":"x"}]}""", "/signals/0/type" },
        { "/buying-signals/run/score", """{"companies":[]}""", "/companies" },
    };

    [Theory]
    [MemberData(nameof(BadPayloads))]
    public async Task BadPayloads_AreRejectedWithTheField_AndChangeNothing(string path, string body, string field)
    {
        var team = await fixture.CreateTeamAsync(credits: 100);
        var response = await team.Http.PostAsync(path, new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        var problem = await response.AssertProblemAsync(HttpStatusCode.UnprocessableEntity);
        Assert.Contains(field, problem.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()));
        Assert.Equal(0L, await fixture.ScalarAsync<long>("SELECT count(*) FROM jobs WHERE team_id = @t", ("t", team.TeamId)));
        Assert.Equal(100, await BalanceAsync(team));
    }

    [Fact]
    public async Task DataAndTraces_RejectBadFilters_AndHideOtherTeams()
    {
        var team = await fixture.CreateTeamAsync(credits: 10);
        var bad = await (await team.Http.GetAsync("/lead-discovery/data/leads?company_id=nope&trace_id=%20")).AssertProblemAsync(HttpStatusCode.UnprocessableEntity);
        Assert.Equal(["company_id", "trace_id"], bad.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()).Order());
        await (await team.Http.GetAsync("/icp-discovery/data/qualifications?person_id=" + Guid.NewGuid())).AssertProblemAsync(HttpStatusCode.UnprocessableEntity);
        await (await team.Http.GetAsync("/buying-signals/data/scores?tier=lukewarm")).AssertProblemAsync(HttpStatusCode.UnprocessableEntity);
        await (await team.Http.GetAsync("/buying-signals/data/scores/not-a-uuid")).AssertProblemAsync(HttpStatusCode.BadRequest);
        await (await team.Http.GetAsync($"/buying-signals/data/scores/{Guid.NewGuid()}")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await team.Http.GetAsync($"/traces/{Guid.NewGuid():N}")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await fixture.Client(null).GetAsync("/traces/abc")).AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    private async Task<long> BalanceAsync(TestTeam team) =>
        (await (await team.Http.GetAsync("/credits")).ReadJsonAsync()).GetProperty("balance").GetInt64();

    /// <summary>The most runs of a function in a trace whose [started, ended] intervals overlap.</summary>
    private async Task<int> MaxOverlapAsync(string trace, string functionId) => (int)await fixture.ScalarAsync<long>(
        """
        WITH edges AS (
            SELECT started_at AS at, 1 AS delta FROM mesh.runs WHERE trace_id = @t AND function_id = @f
            UNION ALL
            SELECT ended_at, -1 FROM mesh.runs WHERE trace_id = @t AND function_id = @f
        )
        SELECT max(running)::bigint FROM (SELECT sum(delta) OVER (ORDER BY at, delta) AS running FROM edges) s
        """,
        ("t", trace), ("f", functionId));
}

/// <summary>A company mentioned in a meeting is qualified against the team's last ICP and starts the same cascade.</summary>
[Collection(ProspectCollection.Name)]
public sealed class MeetingMentionTests(GatewayFixture fixture)
{
    [Fact]
    public async Task AMention_IsQualifiedAgainstTheTeamsLastIcp_AndCascades_OrIsSkippedWithoutOne()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var team = await fixture.CreateTeamAsync(credits: 100);
        object Mention(string trace) => new { name = "meeting/company.mentioned", trace_id = trace, data = new { name = "Fit 1 Logistics", domain = ProspectScenario.Fit(1, tag), mention_count = 2 } };

        // No ICP yet: the run ends as skipped and says why.
        var firstTrace = $"meeting-{tag}-1";
        Assert.Equal(HttpStatusCode.Accepted, (await team.Http.PostAsJsonAsync("/events", Mention(firstTrace))).StatusCode);
        var runs = await CascadeWait.UntilAsync(fixture, firstTrace, c => c.Runs(QualifyMentionFunction.Id) == 1);
        Assert.Equal(1, runs.Runs(QualifyMentionFunction.Id, "skipped"));
        var skipped = await (await team.Http.GetAsync($"/traces/{firstTrace}")).ReadJsonAsync();
        Assert.StartsWith("no ICP", skipped.GetProperty("runs")[0].GetProperty("error").GetString());

        // The team qualifies once (this company with its facts); a later mention re-qualifies it from those facts.
        await team.RunToSuccessAsync("/icp-discovery/run/qualify", new { icp = ProspectScenario.Icp, companies = ProspectScenario.Companies(tag).Take(1).ToArray() });
        var trace = $"meeting-{tag}-2";
        Assert.Equal(HttpStatusCode.Accepted, (await team.Http.PostAsJsonAsync("/events", Mention(trace))).StatusCode);
        runs = await CascadeWait.UntilAsync(fixture, trace, c => c.Runs(QualifyMentionFunction.Id) == 1 && c.Runs(LeadsOnQualifiedFunction.Id) == 1 && c.Runs(ScoreOnLeadsFunction.Id) == 1);
        Assert.Equal(1, runs.Runs(LeadsOnQualifiedFunction.Id, "completed"));
        var rows = await team.Http.ListAllAsync($"/icp-discovery/data/qualifications?trace_id={Uri.EscapeDataString(trace)}");
        Assert.True(Assert.Single(rows).GetProperty("qualified").GetBoolean());
        // The qualify job (2) and the mention's qualification (2) are the only charges: no people, no signals.
        Assert.Equal(96, (await (await team.Http.GetAsync("/credits")).ReadJsonAsync()).GetProperty("balance").GetInt64());
    }
}
