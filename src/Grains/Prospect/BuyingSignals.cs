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
/// buying-signals' work, shared by the <c>score</c> and <c>ingest</c> jobs and the <c>lead/company.completed</c>
/// function: companies named by id or domain, their stored signals scored (weights, family caps, recency decay,
/// negatives), each score stored with its evidence and announced as <c>signal/company.scored</c>.
/// </summary>
public sealed class SignalScorer(
    IGrainFactory grains, TeamMerges merges, ProspectStore store, IProspectReasoner reasoner, IOptions<ReasonerOptions> reasoning, TimeProvider time)
{
    public const string Quantum = "buying-signals";

    /// <summary>A company named by a request: resolved to its id, or rejected with a reason.</summary>
    public sealed record CompanyRef(int Index, Guid? CompanyId, string? Reason);

    /// <summary>
    /// Resolves <c>{company_id | domain}</c> references in order, as the team sees them (ids are checked, domains resolved
    /// in one batch).
    /// </summary>
    public async Task<IReadOnlyList<CompanyRef>> ResolveAsync(Guid teamId, IReadOnlyList<JsonElement> companies, string source)
    {
        var refs = new CompanyRef[companies.Count];
        var byId = companies.Select((c, i) => (Index: i, Id: Json.Id(c, "company_id"))).Where(x => x.Id is not null).ToList();
        var views = await Task.WhenAll(byId.Select(x => x.Id!.Value).Distinct().Select(async id => (Id: id, View: await grains.GetGrain<ICompanyGrain>(id).GetAsync())));
        var overlay = byId.Count == 0 ? null : await merges.OverlayAsync(teamId, IdentityKind.Company);
        var known = views.ToDictionary(v => v.Id, v => v.View is { } view ? TeamMerges.Map(overlay!, view.Id) : (Guid?)null);
        foreach (var (index, id) in byId)
        {
            refs[index] = known[id!.Value] is { } survivor ? new CompanyRef(index, survivor, null) : new CompanyRef(index, null, $"no company has the id {id}");
        }

        var byDomain = companies.Select((c, i) => (Index: i, Domain: Json.Str(c, "domain"))).Where(x => refs[x.Index] is null).ToList();
        var resolver = grains.GetGrain<IIdentityResolverGrain>(0);
        foreach (var chunk in byDomain.Chunk(IdentityLimits.MaxBatchSize))
        {
            var resolved = await resolver.ResolveCompaniesForTeamAsync(teamId, [.. chunk.Select(x => new CompanyInput(x.Domain))], source);
            foreach (var r in resolved)
            {
                var index = chunk[r.Index].Index;
                refs[index] = r.CompanyId is { } companyId ? new CompanyRef(index, companyId, null) : new CompanyRef(index, null, r.Reason ?? "identity could not resolve the domain");
            }
        }

        return refs;
    }

    /// <summary>Scores each company that has signals (null for a company without any).</summary>
    public async Task<IReadOnlyDictionary<Guid, SignalScore?>> ScoreAsync(Guid teamId, IReadOnlyCollection<Guid> companyIds, DateTimeOffset now, ReasoningLedger ledger, CancellationToken cancellationToken)
    {
        var signals = await store.SignalsForAsync(teamId, companyIds);
        var scores = new System.Collections.Concurrent.ConcurrentDictionary<Guid, SignalScore?>();
        await Parallel.ForEachAsync(
            companyIds,
            new ParallelOptions { MaxDegreeOfParallelism = reasoning.Value.UsesModel ? reasoning.Value.MaxParallelCalls : 1, CancellationToken = cancellationToken },
            async (id, ct) => scores[id] = signals.TryGetValue(id, out var list) && list.Count > 0 ? await reasoner.ScoreAsync(list, now, ledger, ct) : null);
        return scores;
    }

    /// <summary>Stores the scores and returns their <c>signal/company.scored</c> events.</summary>
    public async Task<IReadOnlyList<MeshEvent>> CommitAsync(CascadeScope scope, IReadOnlyList<(Guid CompanyId, SignalScore Score)> scores, DateTimeOffset scoredAt)
    {
        var ids = await store.SaveScoresAsync(scope, scores, scoredAt);
        return [.. scores.Select(s => MeshEvents.Create(
            ProspectEvents.CompanyScored,
            new Dictionary<string, object?>
            {
                ["company_id"] = s.CompanyId,
                ["score_id"] = ids[s.CompanyId],
                ["score"] = s.Score.Score,
                ["tier"] = s.Score.Tier,
                ["signal_count"] = s.Score.SignalCount,
                ["scored_at"] = scoredAt,
                ["job_id"] = scope.JobId,
            },
            teamId: scope.TeamId.ToString(),
            id: $"signal-{scope.TeamId:N}-{scope.TraceId}-{s.CompanyId:N}",
            traceId: scope.TraceId))];
    }

    /// <summary>One company's result item (schema: the registry's score output).</summary>
    public static JsonObject Item(int index, Guid companyId, SignalScore? score, DateTimeOffset scoredAt)
    {
        if (score is null)
        {
            return new JsonObject { ["index"] = index, ["status"] = "no_signals", ["company_id"] = companyId };
        }

        return new JsonObject
        {
            ["index"] = index, ["status"] = "scored", ["company_id"] = companyId, ["score"] = score.Score, ["tier"] = score.Tier,
            ["signal_count"] = score.SignalCount, ["evidence"] = ProspectStore.EvidenceJson(score), ["reasons"] = Json.Array(score.Reasons), ["scored_at"] = scoredAt,
        };
    }

    public DateTimeOffset Now => time.GetUtcNow();
}

/// <summary><c>/buying-signals/run/score</c>: score companies from their stored signals; bills companies scored (not those without signals).</summary>
public sealed class ScoreAction(IGrainFactory grains, SignalScorer scorer, IdentityLinker linker) : IQuantumAction
{
    public string Quantum => SignalScorer.Quantum;

    public string Action => "score";

    public async Task<JobResult> ExecuteAsync(QuantumActionContext context, CancellationToken cancellationToken)
    {
        var job = context.Job;
        var companies = context.Input.GetProperty("companies").EnumerateArray().ToList();
        var refs = await scorer.ResolveAsync(job.TeamId, companies, $"job:{job.JobId}");
        var ids = refs.Where(r => r.CompanyId is not null).Select(r => r.CompanyId!.Value).Distinct().ToList();
        var ledger = new ReasoningLedger();
        var now = scorer.Now;
        var scores = await scorer.ScoreAsync(job.TeamId, ids, now, ledger, cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();

        var scored = scores.Where(s => s.Value is not null).Select(s => (s.Key, s.Value!)).ToList();
        var scope = new CascadeScope(job.TeamId, job.TraceId, job.JobId, null);
        var events = await scorer.CommitAsync(scope, scored, now);
        await linker.LinkAsync(job.TeamId, job.JobId, IdentityKind.Company, ids);
        await Emit.SendAsync(grains, events);
        await context.ReportProgressAsync(companies.Count, companies.Count);

        var items = refs.Select(r => r.CompanyId is { } id
            ? SignalScorer.Item(r.Index, id, scores[id], now)
            : new JsonObject { ["index"] = r.Index, ["status"] = "rejected", ["company_id"] = null, ["reason"] = r.Reason }).ToList();
        var statuses = items.Select(i => i["status"]!.GetValue<string>()).ToList();
        var result = new JsonObject
        {
            ["counts"] = new JsonObject
            {
                ["submitted"] = companies.Count,
                ["scored"] = statuses.Count(s => s == "scored"),
                ["no_signals"] = statuses.Count(s => s == "no_signals"),
                ["rejected"] = statuses.Count(s => s == "rejected"),
            },
            ["results"] = new JsonArray([.. items]),
        };
        var metrics = ledger.AddTo(new JsonObject { ["companies_scored"] = scored.Count });

        return new JobResult(result.ToJsonString(), scored.Count, metrics.ToJsonString());
    }
}

/// <summary><c>/buying-signals/run/ingest</c>: stores observed signals (free); a re-sent signal is a duplicate.</summary>
public sealed class IngestSignalsAction(SignalScorer scorer, ProspectStore store, IdentityLinker linker) : IQuantumAction
{
    /// <summary>Clock skew tolerated on <c>observed_at</c>; later signals are rejected (they would count at full weight for ever).</summary>
    private static readonly TimeSpan FutureSkew = TimeSpan.FromHours(1);

    public string Quantum => SignalScorer.Quantum;

    public string Action => "ingest";

    public async Task<JobResult> ExecuteAsync(QuantumActionContext context, CancellationToken cancellationToken)
    {
        var job = context.Job;
        var signals = context.Input.GetProperty("signals").EnumerateArray().ToList();
        var resolved = await scorer.ResolveAsync(job.TeamId, [.. signals.Select(s => s.GetProperty("company"))], $"job:{job.JobId}");
        var latest = scorer.Now + FutureSkew;
        var refs = resolved.Select(r => r.CompanyId is null ? r
            : !signals[r.Index].GetProperty("observed_at").TryGetDateTimeOffset(out var observed) ? r with { CompanyId = null, Reason = "observed_at is not a valid date and time" }
            : observed > latest ? r with { CompanyId = null, Reason = "observed_at is in the future" }
            : r).ToList();
        var usable = refs.Where(r => r.CompanyId is not null).ToList();
        var saved = await store.SaveSignalsAsync(new CascadeScope(job.TeamId, job.TraceId, job.JobId, null), [.. usable.Select(r =>
        {
            var s = signals[r.Index];
            return new ProspectStore.NewSignal(r.CompanyId!.Value, Json.Str(s, "type")!, s.GetProperty("observed_at").GetDateTimeOffset(),
                s.GetProperty("strength").GetDouble(), Json.Str(s, "source_url"), Json.Str(s, "evidence")!);
        })]);
        var outcome = usable.Select((r, i) => (r.Index, saved[i])).ToDictionary(x => x.Index, x => x.Item2);
        await linker.LinkAsync(job.TeamId, job.JobId, IdentityKind.Company, [.. usable.Select(r => r.CompanyId!.Value).Distinct()]);
        await context.ReportProgressAsync(signals.Count, signals.Count);

        var items = refs.Select(r => (JsonNode)(outcome.TryGetValue(r.Index, out var o)
            ? new JsonObject { ["index"] = r.Index, ["status"] = o.Stored ? "stored" : "duplicate", ["signal_id"] = o.Id, ["company_id"] = r.CompanyId }
            : new JsonObject { ["index"] = r.Index, ["status"] = "rejected", ["signal_id"] = null, ["company_id"] = null, ["reason"] = r.Reason })).ToList();
        var stored = saved.Count(s => s.Stored);
        var result = new JsonObject
        {
            ["counts"] = new JsonObject { ["received"] = signals.Count, ["stored"] = stored, ["duplicates"] = saved.Count - stored, ["rejected"] = signals.Count - saved.Count },
            ["results"] = new JsonArray([.. items]),
        };
        return new JobResult(result.ToJsonString(), stored, null);
    }
}

/// <summary>
/// <c>lead/company.completed</c> → the company's buying-intent score; charged per company scored (nothing without
/// signals) within the trace's spend cap; emits <c>signal/company.scored</c>.
/// </summary>
public static class ScoreOnLeadsFunction
{
    public const string Id = "buying-signals/score-completed-company";

    public static MeshFunctionDefinition Create(int concurrency) =>
        CascadeFunction.Create(Id, ProspectEvents.LeadsCompleted, concurrency, "score", async run =>
        {
            var scorer = run.Services.GetRequiredService<SignalScorer>();
            var companyId = run.CompanyId;
            var now = scorer.Now;
            var score = (await scorer.ScoreAsync(run.Scope.TeamId, [companyId], now, run.Ledger, run.Context.CancellationToken))[companyId];
            if (score is not null)
            {
                if (await run.ChargeAsync(SignalScorer.Quantum, "score", 1, companyId) is { } skip)
                {
                    return CascadeRun.Skip(skip);
                }

                run.Emit(await scorer.CommitAsync(run.Scope, [(companyId, score)], now));
            }

            return run.Done(SignalScorer.Item(0, companyId, score, now)); // no signals: nothing charged, nothing sent
        });
}
