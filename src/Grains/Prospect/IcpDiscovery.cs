using System.Text.Json;
using System.Text.Json.Nodes;
using Alavida.Grains.Identity;
using Alavida.Grains.Mesh;
using Alavida.Grains.Platform;
using Alavida.Grains.Prospect.Reasoning;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Alavida.Grains.Prospect;

/// <summary>
/// icp-discovery's work, shared by the <c>qualify</c> job and the <c>meeting/company.mentioned</c> function: resolve
/// each candidate through identity, drop duplicates, score the fit, then (once paid for) store the evaluations and
/// hand each qualifying company to the cascade as one <c>icp/company.qualified</c> event.
/// </summary>
public sealed class Qualifier(
    IGrainFactory grains, IdentityLinker linker, ProspectStore store, IProspectReasoner reasoner, IOptions<ProspectScoringOptions> scoring, IOptions<ReasonerOptions> reasoning)
{
    public const string Quantum = "icp-discovery";
    private const int Chunk = 100;

    /// <summary>The evaluation of a request, before anything is stored.</summary>
    public sealed class Evaluation
    {
        public required IReadOnlyList<JsonObject> Items { get; init; }

        public required IReadOnlyList<ProspectStore.Qualification> Distinct { get; init; }

        public required double MinScore { get; init; }

        public int Evaluated => Distinct.Count;
    }

    /// <summary>
    /// Resolves (as the team sees them) and scores every candidate; <paramref name="progress"/> hears after each chunk of
    /// 100. With <paramref name="requireFacts"/> a company lacking a fact the ICP judges on is not scored but kept as
    /// <c>insufficient_data</c> with what is missing (a company named in a meeting comes with a name and a domain only).
    /// </summary>
    public async Task<Evaluation> EvaluateAsync(
        Guid teamId, IcpProfile icp, IReadOnlyList<CompanyCandidate> companies, string source, ReasoningLedger ledger, Func<int, Task>? progress,
        bool requireFacts, CancellationToken cancellationToken)
    {
        var minScore = icp.MinScore ?? scoring.Value.DefaultMinScore;
        var items = new JsonObject[companies.Count];
        var firstIndex = new Dictionary<Guid, int>();
        var distinct = new List<(int Index, Guid CompanyId, CompanyCandidate Company)>();
        var resolver = grains.GetGrain<IIdentityResolverGrain>(0);
        for (var offset = 0; offset < companies.Count; offset += Chunk)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var chunk = companies.Skip(offset).Take(Chunk).ToList();
            var resolved = await resolver.ResolveCompaniesForTeamAsync(teamId, [.. chunk.Select(c => new CompanyInput(c.Domain, c.Name, c.LinkedInUrl, c.Country))], source);
            foreach (var r in resolved)
            {
                var index = offset + r.Index;
                if (r.CompanyId is not { } companyId)
                {
                    items[index] = new JsonObject
                    {
                        ["index"] = index, ["status"] = "rejected", ["company_id"] = null,
                        ["reason"] = r.Status == ResolutionStatus.Ambiguous
                            ? $"ambiguous: the name matches {r.Candidates.Count} companies; give a domain or LinkedIn URL"
                            : r.Reason ?? "identity could not resolve the company",
                    };
                }
                else if (firstIndex.TryGetValue(companyId, out var first))
                {
                    items[index] = new JsonObject { ["index"] = index, ["status"] = "duplicate", ["company_id"] = companyId, ["duplicate_of"] = first };
                }
                else
                {
                    firstIndex[companyId] = index;
                    distinct.Add((index, companyId, companies[index]));
                }
            }

            if (progress is not null)
            {
                await progress(Math.Min(offset + Chunk, companies.Count));
            }
        }

        var missing = distinct.Select(d => requireFacts ? MissingFacts(icp, d.Company) : []).ToList();
        var evaluations = new FitEvaluation[distinct.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, distinct.Count).Where(i => missing[i].Count == 0),
            new ParallelOptions { MaxDegreeOfParallelism = reasoning.Value.UsesModel ? reasoning.Value.MaxParallelCalls : 1, CancellationToken = cancellationToken },
            async (i, ct) => evaluations[i] = await reasoner.QualifyAsync(icp, distinct[i].Company, minScore, ledger, ct));

        var qualifications = new List<ProspectStore.Qualification>(distinct.Count);
        for (var i = 0; i < distinct.Count; i++)
        {
            var (index, companyId, company) = distinct[i];
            if (missing[i].Count > 0)
            {
                var unknown = new FitEvaluation(false, 0, [], [], [$"not enough facts to judge: {string.Join(", ", missing[i])} unknown"], DeterministicReasoner.Name);
                qualifications.Add(new ProspectStore.Qualification(companyId, company, unknown, minScore, missing[i]));
                items[index] = new JsonObject
                {
                    ["index"] = index, ["status"] = "insufficient_data", ["company_id"] = companyId, ["qualified"] = false,
                    ["missing_facts"] = Json.Array(missing[i]), ["reasons"] = Json.Array(unknown.Reasons),
                };
                continue;
            }

            var e = evaluations[i];
            qualifications.Add(new ProspectStore.Qualification(companyId, company, e, minScore));
            items[index] = new JsonObject
            {
                ["index"] = index, ["status"] = e.Qualified ? "qualified" : "disqualified", ["company_id"] = companyId,
                ["qualified"] = e.Qualified, ["score"] = e.Score,
                ["passed_criteria"] = Json.Array(e.Passed), ["failed_criteria"] = Json.Array(e.Failed), ["reasons"] = Json.Array(e.Reasons),
            };
        }

        return new Evaluation { Items = items, Distinct = qualifications, MinScore = minScore };
    }

    /// <summary>Stores the evaluations, makes the companies visible to the team, and returns the events for the qualified ones.</summary>
    public async Task<IReadOnlyList<MeshEvent>> CommitAsync(CascadeScope scope, Evaluation evaluation, Persona? persona)
    {
        var ids = await store.SaveQualificationsAsync(scope, evaluation.Distinct);
        await linker.LinkAsync(scope.TeamId, scope.JobId, IdentityKind.Company, [.. ids.Keys]);
        foreach (var item in evaluation.Items.Where(i => i["status"]!.GetValue<string>() is "qualified" or "disqualified" or "insufficient_data"))
        {
            item["qualification_id"] = ids[item["company_id"]!.GetValue<Guid>()];
        }

        return [.. evaluation.Distinct.Where(q => q.Status == "qualified").Select(q => MeshEvents.Create(
            ProspectEvents.CompanyQualified,
            new Dictionary<string, object?>
            {
                ["company_id"] = q.CompanyId,
                ["score"] = q.Evaluation.Score,
                ["qualification_id"] = ids[q.CompanyId],
                ["job_id"] = scope.JobId,
                ["name"] = q.Company.Name,
                ["domain"] = q.Company.Domain,
                ["persona"] = persona?.ToJson(),
            },
            teamId: scope.TeamId.ToString(),
            id: $"icp-{scope.TeamId:N}-{scope.TraceId}-{q.CompanyId:N}",
            traceId: scope.TraceId))];
    }

    /// <summary>
    /// The facts an ICP judges on that a company lacks (each ICP criterion needs one: industries the industry,
    /// employee_range the employee count, countries the country, required_keywords a description or technologies).
    /// </summary>
    public static IReadOnlyList<string> MissingFacts(IcpProfile icp, CompanyCandidate company)
    {
        var missing = new List<string>();
        if (icp.Industries.Count > 0 && company.Industry is null)
        {
            missing.Add("industry");
        }

        if (icp.HasEmployeeRange && company.Employees is null)
        {
            missing.Add("employees");
        }

        if (icp.Countries.Count > 0 && company.Country is null)
        {
            missing.Add("country");
        }

        if (icp.RequiredKeywords.Count > 0 && company.Description is null && company.Technologies.Count == 0)
        {
            missing.Add("description");
        }

        return missing;
    }

    /// <summary>The job result document (schema: the registry's qualify output; <c>insufficient_data</c> only for meeting mentions).</summary>
    public static JsonObject Result(Evaluation evaluation)
    {
        var statuses = evaluation.Items.Select(i => i["status"]!.GetValue<string>()).ToList();
        var result = new JsonObject
        {
            ["counts"] = new JsonObject
            {
                ["submitted"] = statuses.Count,
                ["evaluated"] = evaluation.Evaluated,
                ["qualified"] = statuses.Count(s => s == "qualified"),
                ["disqualified"] = statuses.Count(s => s == "disqualified"),
                ["duplicates"] = statuses.Count(s => s == "duplicate"),
                ["rejected"] = statuses.Count(s => s == "rejected"),
            },
            ["results"] = new JsonArray([.. evaluation.Items]),
        };
        if (statuses.Count(s => s == "insufficient_data") is var insufficient and > 0)
        {
            result["counts"]!["insufficient_data"] = insufficient;
        }

        return result;
    }
}

/// <summary><c>/icp-discovery/run/qualify</c>: evaluate, store, emit one event per qualifying company; bill the companies evaluated.</summary>
public sealed class QualifyAction(IGrainFactory grains, Qualifier qualifier, ProspectStore store, QuantumPrices prices) : IQuantumAction
{
    public string Quantum => Qualifier.Quantum;

    public string Action => "qualify";

    public async Task<JobResult> ExecuteAsync(QuantumActionContext context, CancellationToken cancellationToken)
    {
        var job = context.Job;
        var icpElement = context.Input.GetProperty("icp");
        var icp = IcpProfile.Parse(icpElement); // the gateway checked it (schema, and max not below min)

        var companies = context.Input.GetProperty("companies").EnumerateArray().Select(CompanyCandidate.Parse).ToList();
        var persona = context.Input.TryGetProperty("persona", out var p) ? Persona.Parse(p) : null;
        await store.SaveTeamProfileAsync(job.TeamId, job.JobId, icpElement.GetRawText(), persona?.ToJson().ToJsonString());

        var ledger = new ReasoningLedger();
        var evaluation = await qualifier.EvaluateAsync(job.TeamId, icp, companies, $"job:{job.JobId}", ledger,
            done => context.ReportProgressAsync(done, companies.Count, $"{done} of {companies.Count} companies resolved"), requireFacts: false, cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();

        // The real cost is known now (duplicates and rejected items are free): give the rest of the reservation back
        // before the cascade starts, so its runs can spend it within max_credits.
        await grains.GetGrain<ITeamGrain>(job.TeamId).ReleaseReservationAsync(job.JobId, evaluation.Evaluated * prices.Of(Quantum, Action));
        var events = await qualifier.CommitAsync(new CascadeScope(job.TeamId, job.TraceId, job.JobId, null), evaluation, persona);
        await Emit.SendAsync(grains, events);

        var metrics = ledger.AddTo(new JsonObject { ["companies_evaluated"] = evaluation.Evaluated, ["events_emitted"] = events.Count });

        return new JobResult(Qualifier.Result(evaluation).ToJsonString(), evaluation.Evaluated, metrics.ToJsonString());
    }
}

/// <summary>
/// <c>meeting/company.mentioned</c>: a company discussed in a team's meeting is qualified against the team's last ICP
/// (facts it lacks are taken from the team's earlier evaluation of it) and, if it qualifies, starts the same cascade. A
/// company still lacking a fact the ICP judges on is stored as <c>insufficient_data</c> with the facts missing, and stops there.
/// </summary>
public static class QualifyMentionFunction
{
    public const string Id = "icp-discovery/qualify-mentioned-company";

    public static MeshFunctionDefinition Create(int concurrency) =>
        CascadeFunction.Create(Id, ProspectEvents.CompanyMentioned, concurrency, "qualify", async run =>
        {
            var store = run.Services.GetRequiredService<ProspectStore>();
            var qualifier = run.Services.GetRequiredService<Qualifier>();
            var (icpJson, personaJson) = await store.GetTeamProfileAsync(run.Scope.TeamId);
            if (icpJson is null)
            {
                return CascadeRun.Skip("no ICP: the team has not run icp-discovery/qualify yet");
            }

            var data = run.Context.Data;
            var mentioned = new CompanyCandidate(Json.Str(data, "name"), Json.Str(data, "domain"), null, null, null, null, null, []);
            var globalId = Json.Id(data, "company_id")
                ?? (mentioned.Domain is { } domain ? (await run.Services.GetRequiredService<IGrainFactory>().GetGrain<IIdentityResolverGrain>(0).FindCompanyByDomainAsync(domain))?.Id : null);
            Guid? companyId = globalId is { } g ? await run.Services.GetRequiredService<TeamMerges>().SurvivorAsync(run.Scope.TeamId, IdentityKind.Company, g) : null;
            var known = companyId is { } id ? await store.FindKnownCompanyAsync(run.Scope.TeamId, id) : null;
            var candidate = known is null ? mentioned : mentioned.FillFrom(known);
            var evaluation = await qualifier.EvaluateAsync(
                run.Scope.TeamId, IcpProfile.Parse(JsonDocument.Parse(icpJson).RootElement), [candidate], $"run:{run.Scope.RunId}", run.Ledger, null, requireFacts: true, run.Context.CancellationToken);
            // Not judged, not charged: a company stored as insufficient_data costs nothing.
            if (evaluation.Distinct.FirstOrDefault() is { Status: not "insufficient_data" } evaluated && await run.ChargeAsync(Qualifier.Quantum, "qualify", 1, evaluated.CompanyId) is { } skip)
            {
                return CascadeRun.Skip(skip);
            }

            var persona = personaJson is null ? null : Persona.Parse(JsonDocument.Parse(personaJson).RootElement);
            run.Emit(await qualifier.CommitAsync(run.Scope, evaluation, persona));
            return run.Done(Qualifier.Result(evaluation));
        });
}
