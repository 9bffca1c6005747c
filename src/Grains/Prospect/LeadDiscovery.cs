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
/// lead-discovery's work, shared by the <c>discover</c> and <c>ingest</c> jobs and the <c>icp/company.qualified</c>
/// function: people from every connector (the request, people ingested earlier) are resolved through identity,
/// matched against the persona with reasons, and the best matches become the company's leads.
/// </summary>
public sealed class LeadFinder(
    IGrainFactory grains, IdentityLinker linker, TeamMerges merges, ProspectStore store, IProspectReasoner reasoner, IOptions<ProspectScoringOptions> scoring)
{
    public const string Quantum = "lead-discovery";

    /// <summary>One company's discovery, before anything is stored.</summary>
    public sealed record Discovery(Guid CompanyId, Persona Persona, IReadOnlyList<LeadMatch> Leads, IReadOnlyList<LeadMatch> NotMatched, int Evaluated);

    /// <summary>A person from the request: resolved, or rejected with a reason.</summary>
    public sealed record RequestPerson(int Index, PersonCandidate? Person, string? Reason);

    /// <summary>A <c>{company, people}</c> request resolved through identity.</summary>
    public sealed record PeopleRequest(Guid CompanyId, IReadOnlyList<RequestPerson> Resolved)
    {
        public IReadOnlyList<PersonCandidate> People { get; } = [.. Resolved.Where(r => r.Person is not null).Select(r => r.Person!)];

        public IReadOnlyList<RequestPerson> Rejected { get; } = [.. Resolved.Where(r => r.Person is null)];
    }

    /// <summary>
    /// Resolves a job's <c>company</c> and <c>people</c> (as <paramref name="label"/>: request or ingested); a company
    /// identity cannot resolve fails the job with the reason.
    /// </summary>
    public async Task<PeopleRequest> ResolveRequestAsync(QuantumActionContext context, string label)
    {
        var source = $"job:{context.Job.JobId}";
        var teamId = context.Job.TeamId;
        var (companyId, domain, error) = await ResolveCompanyAsync(teamId, context.Input.GetProperty("company"), source);
        if (companyId is null)
        {
            throw new QuantumActionException("company_unresolved", $"company: {error}.");
        }

        return new PeopleRequest(companyId.Value, await ResolvePeopleAsync(teamId, [.. context.Input.GetProperty("people").EnumerateArray()], domain, source, label));
    }

    /// <summary>The company a request names (<c>company_id</c>, <c>domain</c> or <c>name</c>) as the team sees it, or why it cannot be used.</summary>
    public async Task<(Guid? CompanyId, string? Domain, string? Error)> ResolveCompanyAsync(Guid teamId, JsonElement company, string source)
    {
        if (Json.Id(company, "company_id") is { } id)
        {
            var view = await grains.GetGrain<ICompanyGrain>(id).GetAsync();
            return view is null ? (null, null, $"no company has the id {id}") : (await merges.SurvivorAsync(teamId, IdentityKind.Company, view.Id), view.Domains.FirstOrDefault(), null);
        }

        var resolved = (await grains.GetGrain<IIdentityResolverGrain>(0).ResolveCompaniesForTeamAsync(
            teamId, [new CompanyInput(Json.Str(company, "domain"), Json.Str(company, "name"))], source))[0];
        if (resolved.CompanyId is { } companyId)
        {
            return (companyId, Json.Str(company, "domain"), null);
        }

        return (null, null, resolved.Status == ResolutionStatus.Ambiguous
            ? $"the company name matches {resolved.Candidates.Count} companies; give its domain or company_id"
            : resolved.Reason ?? "identity could not resolve the company");
    }

    /// <summary>Resolves the people of a request through identity, in order, as the team sees them.</summary>
    public async Task<IReadOnlyList<RequestPerson>> ResolvePeopleAsync(Guid teamId, IReadOnlyList<JsonElement> people, string? companyDomain, string source, string label)
    {
        var results = new List<RequestPerson>(people.Count);
        var resolver = grains.GetGrain<IIdentityResolverGrain>(0);
        foreach (var chunk in people.Chunk(IdentityLimits.MaxBatchSize))
        {
            var offset = results.Count;
            var resolved = await resolver.ResolvePersonsForTeamAsync(
                teamId, [.. chunk.Select(p => new PersonInput(Json.Str(p, "email"), Json.Str(p, "name"), Json.Str(p, "linkedin_url"), companyDomain))], source);
            results.AddRange(resolved.Select(r =>
            {
                var p = chunk[r.Index];
                var index = offset + r.Index;
                return r.PersonId is { } personId
                    ? new RequestPerson(index, new PersonCandidate(personId, label, index, Json.Str(p, "name")!, Json.Str(p, "title"), Json.Str(p, "email"),
                        Json.Str(p, "linkedin_url"), Json.Str(p, "seniority"), Json.Str(p, "department")), null)
                    : new RequestPerson(index, null, r.Status == ResolutionStatus.Ambiguous
                        ? $"the name matches {r.Candidates.Count} people; give an email or LinkedIn URL"
                        : r.Reason ?? "identity could not resolve the person");
            }));
        }

        return results;
    }

    /// <summary>Matches the request's people and everyone known at the company against the persona (the request's, else the team's, else the default).</summary>
    public async Task<Discovery> DiscoverAsync(Guid teamId, Guid companyId, IReadOnlyList<PersonCandidate> requestPeople, Persona? persona, ReasoningLedger ledger, CancellationToken cancellationToken)
    {
        persona ??= await TeamPersonaAsync(teamId);
        var fromRequest = requestPeople.GroupBy(p => p.PersonId).Select(g => g.First()).ToList();
        var seen = fromRequest.Select(p => p.PersonId).ToHashSet();
        var candidates = fromRequest.Concat((await store.PeopleAtAsync(teamId, companyId)).Where(p => !seen.Contains(p.PersonId))).ToList();
        var matches = await reasoner.MatchAsync(persona, candidates, ledger, cancellationToken);

        var max = persona.MaxLeads ?? scoring.Value.DefaultMaxLeads;
        var ranked = matches.Where(m => m.IsLead).OrderByDescending(m => m.Score).ThenBy(m => m.Person.Index ?? int.MaxValue).ThenBy(m => m.Person.PersonId).ToList();
        var leads = ranked.Take(max).ToList();
        var overflow = ranked.Skip(max).Select(m => m with { IsLead = false, Reasons = [.. m.Reasons, $"matched, but {max} people matched better (max_leads)"] });
        var notMatched = matches.Where(m => !m.IsLead).Concat(overflow).ToList();
        return new Discovery(companyId, persona, leads, notMatched, candidates.Count);
    }

    /// <summary>Stores the request's people and the leads, and makes the people visible to the team.</summary>
    public async Task CommitAsync(CascadeScope scope, Discovery discovery, IReadOnlyList<PersonCandidate> requestPeople)
    {
        await store.UpsertPeopleAsync(scope.TeamId, discovery.CompanyId, scope.JobId, requestPeople);
        await store.SaveLeadsAsync(scope, discovery.CompanyId, discovery.Leads);
        var persons = requestPeople.Select(p => p.PersonId).Distinct().ToList(); // people from other sources were linked when they arrived
        if (persons.Count > 0)
        {
            await linker.LinkAsync(scope.TeamId, scope.JobId, IdentityKind.Person, persons);
        }
    }

    /// <summary>The event that hands the company to buying-signals (sent also when there are no leads).</summary>
    public static MeshEvent Completed(CascadeScope scope, Discovery discovery) => MeshEvents.Create(
        ProspectEvents.LeadsCompleted,
        new Dictionary<string, object?>
        {
            ["company_id"] = discovery.CompanyId,
            ["lead_person_ids"] = discovery.Leads.Select(l => l.Person.PersonId).ToList(),
            ["job_id"] = scope.JobId,
        },
        teamId: scope.TeamId.ToString(),
        id: $"lead-{scope.TeamId:N}-{scope.TraceId}-{discovery.CompanyId:N}",
        traceId: scope.TraceId);

    /// <summary>The result document (schema: the registry's discover output).</summary>
    public static JsonObject Result(Discovery discovery, int submitted, IReadOnlyList<RequestPerson> rejected) => new()
    {
        ["company_id"] = discovery.CompanyId,
        ["counts"] = new JsonObject
        {
            ["submitted"] = submitted,
            ["evaluated"] = discovery.Evaluated,
            ["leads"] = discovery.Leads.Count,
            ["not_matched"] = discovery.NotMatched.Count,
            ["rejected"] = rejected.Count,
        },
        ["leads"] = new JsonArray([.. discovery.Leads.Select(Item)]),
        ["not_matched"] = new JsonArray([.. discovery.NotMatched.Select(Item)]),
        ["rejected"] = new JsonArray([.. rejected.Select(r => (JsonNode)new JsonObject { ["index"] = r.Index, ["reason"] = r.Reason })]),
    };

    private static JsonNode Item(LeadMatch m)
    {
        var item = new JsonObject { ["person_id"] = m.Person.PersonId };
        if (m.Person.Index is { } index)
        {
            item["index"] = index;
        }

        item["source"] = m.Person.Source;
        item["name"] = m.Person.Name;
        item["title"] = m.Person.Title;
        item["seniority"] = m.Person.Seniority ?? DeterministicReasoner.InferSeniority(m.Person.Title ?? "");
        item["department"] = m.Person.Department;
        item["match_score"] = m.Score;
        item["match_reasons"] = Json.Array(m.Reasons);
        return item;
    }

    private async Task<Persona> TeamPersonaAsync(Guid teamId)
    {
        var (_, persona) = await store.GetTeamProfileAsync(teamId);
        return persona is null ? scoring.Value.DefaultPersona.ToPersona() : Persona.Parse(JsonDocument.Parse(persona).RootElement);
    }
}

/// <summary><c>/lead-discovery/run/discover</c>: leads at one company; bills the request's people, nothing without leads.</summary>
public sealed class DiscoverAction(IGrainFactory grains, LeadFinder finder) : IQuantumAction
{
    public string Quantum => LeadFinder.Quantum;

    public string Action => "discover";

    public async Task<JobResult> ExecuteAsync(QuantumActionContext context, CancellationToken cancellationToken)
    {
        var job = context.Job;
        var request = await finder.ResolveRequestAsync(context, "request");
        var requestPeople = request.People;
        var submitted = request.Resolved.Count;
        var persona = context.Input.TryGetProperty("persona", out var p) ? Persona.Parse(p) : null;
        var ledger = new ReasoningLedger();
        var discovery = await finder.DiscoverAsync(job.TeamId, request.CompanyId, requestPeople, persona, ledger, cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();

        var scope = new CascadeScope(job.TeamId, job.TraceId, job.JobId, null);
        await finder.CommitAsync(scope, discovery, requestPeople);
        await Emit.SendAsync(grains, [LeadFinder.Completed(scope, discovery)]);
        await context.ReportProgressAsync(submitted, submitted);

        var units = discovery.Leads.Count > 0 ? requestPeople.Select(r => r.PersonId).Distinct().Count() : 0;
        var metrics = ledger.AddTo(new JsonObject { ["people_evaluated"] = discovery.Evaluated, ["leads"] = discovery.Leads.Count });

        return new JobResult(LeadFinder.Result(discovery, submitted, request.Rejected).ToJsonString(), units, metrics.ToJsonString());
    }
}

/// <summary><c>/lead-discovery/run/ingest</c>: stores people at a company for later discoveries (free).</summary>
public sealed class IngestPeopleAction(LeadFinder finder, ProspectStore store, IdentityLinker linker) : IQuantumAction
{
    public string Quantum => LeadFinder.Quantum;

    public string Action => "ingest";

    public async Task<JobResult> ExecuteAsync(QuantumActionContext context, CancellationToken cancellationToken)
    {
        var job = context.Job;
        var request = await finder.ResolveRequestAsync(context, "ingested");
        var (companyId, resolved, stored) = (request.CompanyId, request.Resolved, request.People);
        await store.UpsertPeopleAsync(job.TeamId, companyId, job.JobId, stored);
        await linker.LinkAsync(job.TeamId, job.JobId, IdentityKind.Company, [companyId]);
        if (stored.Count > 0)
        {
            await linker.LinkAsync(job.TeamId, job.JobId, IdentityKind.Person, [.. stored.Select(p => p.PersonId).Distinct()]);
        }

        await context.ReportProgressAsync(resolved.Count, resolved.Count);
        var result = new JsonObject
        {
            ["company_id"] = companyId,
            ["counts"] = new JsonObject { ["received"] = resolved.Count, ["stored"] = stored.Count, ["rejected"] = resolved.Count - stored.Count },
            ["results"] = new JsonArray([.. resolved.Select(r => (JsonNode)(r.Person is { } person
                ? new JsonObject { ["index"] = r.Index, ["status"] = "stored", ["person_id"] = person.PersonId }
                : new JsonObject { ["index"] = r.Index, ["status"] = "rejected", ["person_id"] = null, ["reason"] = r.Reason }))]),
        };
        return new JobResult(result.ToJsonString(), stored.Count, null);
    }
}

/// <summary>
/// <c>icp/company.qualified</c> → leads at the company from the people the team ingested; per-team concurrency limit;
/// charged per person evaluated (nothing without leads) within the trace's spend cap; emits <c>lead/company.completed</c>.
/// </summary>
public static class LeadsOnQualifiedFunction
{
    public const string Id = "lead-discovery/discover-qualified-company";

    public static MeshFunctionDefinition Create(int concurrency) =>
        CascadeFunction.Create(Id, ProspectEvents.CompanyQualified, concurrency, "discover", async run =>
        {
            var finder = run.Services.GetRequiredService<LeadFinder>();
            var companyId = run.CompanyId;
            var persona = run.Context.Data.TryGetProperty("persona", out var p) && p.ValueKind == JsonValueKind.Object ? Persona.Parse(p) : null;
            var discovery = await finder.DiscoverAsync(run.Scope.TeamId, companyId, [], persona, run.Ledger, run.Context.CancellationToken);
            var units = discovery.Leads.Count > 0 ? discovery.Evaluated : 0;
            if (await run.ChargeAsync(LeadFinder.Quantum, "discover", units, companyId) is { } skip)
            {
                return CascadeRun.Skip(skip);
            }

            await finder.CommitAsync(run.Scope, discovery, []);
            run.Emit([LeadFinder.Completed(run.Scope, discovery)]);
            var result = LeadFinder.Result(discovery, 0, []);
            result["credits_units"] = units;
            return run.Done(result);
        });
}
