using System.Text.Json.Nodes;
using Alavida.Grains.Platform;

namespace Alavida.Grains.Identity;

/// <summary>
/// <c>/identity/run/resolve-company</c>: resolves in chunks (reporting progress), links every resolved id to the team,
/// and bills the inputs that were not rejected. The input was validated against the registry schema at the gateway.
/// </summary>
public sealed class ResolveCompanyAction(IGrainFactory grains, IdentityResolver resolver, IdentityLinker linker) : IdentityAction(grains, resolver)
{
    public override string Action => "resolve-company";

    public override async Task<JobResult> ExecuteAsync(QuantumActionContext context, CancellationToken cancellationToken)
    {
        var inputs = context.Input.GetProperty("companies").EnumerateArray().Select(c => new CompanyInput(
            Json.Str(c, "domain"), Json.Str(c, "name"), Json.Str(c, "linkedin_url"), Json.Str(c, "country"))).ToList();
        var results = new List<CompanyResolution>(inputs.Count);
        foreach (var chunk in inputs.Chunk(ChunkSize))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var offset = results.Count;
            var resolved = await Resolver.ResolveCompaniesAsync(chunk, Source(context), context.Job.TeamId);
            results.AddRange(resolved.Select(r => r with { Index = r.Index + offset }));
            if (inputs.Count > ChunkSize)
            {
                await context.ReportProgressAsync(results.Count, inputs.Count, $"{results.Count} of {inputs.Count} companies resolved");
            }
        }

        var ids = results.SelectMany(r => r.CompanyId is { } id ? [id] : r.Candidates).ToList();
        await linker.LinkAsync(context.Job.TeamId, context.Job.JobId, IdentityKind.Company, ids);
        var items = results.Select(r => Item(r.Index, r.Status, r.Confidence, r.Evidence, r.RulesVersion, r.Reason, r.Candidates, ("company_id", r.CompanyId)));
        return Result(items, results.Select(r => r.Status));
    }
}

/// <summary><c>/identity/run/resolve-person</c>: as <see cref="ResolveCompanyAction"/>, for persons (and their companies).</summary>
public sealed class ResolvePersonAction(IGrainFactory grains, IdentityResolver resolver, IdentityLinker linker) : IdentityAction(grains, resolver)
{
    public override string Action => "resolve-person";

    public override async Task<JobResult> ExecuteAsync(QuantumActionContext context, CancellationToken cancellationToken)
    {
        var inputs = context.Input.GetProperty("persons").EnumerateArray().Select(p => new PersonInput(
            Json.Str(p, "email"), Json.Str(p, "name"), Json.Str(p, "linkedin_url"), Json.Str(p, "company_domain"))).ToList();
        var results = new List<PersonResolution>(inputs.Count);
        foreach (var chunk in inputs.Chunk(ChunkSize))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var offset = results.Count;
            var resolved = await Resolver.ResolvePersonsAsync(chunk, Source(context), context.Job.TeamId);
            results.AddRange(resolved.Select(r => r with { Index = r.Index + offset }));
            if (inputs.Count > ChunkSize)
            {
                await context.ReportProgressAsync(results.Count, inputs.Count, $"{results.Count} of {inputs.Count} persons resolved");
            }
        }

        await linker.LinkAsync(context.Job.TeamId, context.Job.JobId, IdentityKind.Person, results.SelectMany(r => r.PersonId is { } id ? [id] : r.Candidates).ToList());
        await linker.LinkAsync(context.Job.TeamId, context.Job.JobId, IdentityKind.Company, results.Where(r => r.CompanyId is not null).Select(r => r.CompanyId!.Value).ToList());
        var items = results.Select(r => Item(r.Index, r.Status, r.Confidence, r.Evidence, r.RulesVersion, r.Reason, r.Candidates,
            ("person_id", r.PersonId), ("company_id", r.CompanyId)));
        return Result(items, results.Select(r => r.Status));
    }
}

/// <summary>
/// <c>/identity/run/merge</c>: joins entities the team can see, for that team only (its overlay on the shared identities,
/// ADR 0006); the loser keeps resolving, to the survivor, for the team. A global merge is a platform-admin act.
/// </summary>
public sealed class MergeAction(IGrainFactory grains, IdentityResolver resolver) : IdentityAction(grains, resolver)
{
    public override string Action => "merge";

    public override async Task<JobResult> ExecuteAsync(QuantumActionContext context, CancellationToken cancellationToken)
    {
        var results = new JsonArray();
        var index = 0;
        foreach (var merge in context.Input.GetProperty("merges").EnumerateArray())
        {
            cancellationToken.ThrowIfCancellationRequested();
            var kind = IdentityKinds.Parse(merge.GetProperty("kind").GetString());
            var survivor = merge.GetProperty("survivor_id").GetGuid();
            var loser = merge.GetProperty("loser_id").GetGuid();
            // The team's own merge: what it sees changes, nobody else's (ADR 0006).
            var outcome = await Data.AreVisibleAsync(context.Job.TeamId, kind, [survivor, loser])
                ? await Resolver.MergeForTeamAsync(context.Job.TeamId, kind, survivor, loser)
                : new MergeResult(MergeStatus.Rejected, survivor, loser, "both ids must be entities your team has resolved");

            results.Add(new JsonObject
            {
                ["index"] = index++,
                ["kind"] = IdentityKinds.Text(kind),
                ["status"] = Snake(outcome.Status.ToString()),
                ["survivor_id"] = outcome.SurvivorId,
                ["loser_id"] = outcome.LoserId,
                ["reason"] = outcome.Reason,
            });
        }

        // The merges wrote their events to the outbox in their own transactions; publish them now rather than at the next tick.
        await Relay.PublishAsync();
        return new JobResult(new JsonObject { ["results"] = results }.ToJsonString(), index, null);
    }
}

/// <summary>What the identity actions share: the resolver, chunking, JSON shaping and billing.</summary>
public abstract class IdentityAction(IGrainFactory grains, IdentityResolver resolver) : IQuantumAction
{
    /// <summary>Inputs resolved per call, so a 1,000-item job reports progress as it goes (a one-chunk job needs no progress write).</summary>
    protected const int ChunkSize = 100;

    public string Quantum => Quantums.Identity;

    public abstract string Action { get; }

    /// <summary>The quantum's own resolver, called directly (a grain call less per job).</summary>
    protected IdentityResolver Resolver => resolver;

    protected IIdentityDataGrain Data => grains.GrainOf<IIdentityDataGrain>(0);

    protected IIdentityOutboxRelayGrain Relay => grains.GetGrain<IIdentityOutboxRelayGrain>(0);

    public abstract Task<JobResult> ExecuteAsync(QuantumActionContext context, CancellationToken cancellationToken);

    protected static string Source(QuantumActionContext context) => $"job:{context.Job.JobId}";

    protected static JsonObject Item(int index, ResolutionStatus status, double confidence, string evidence, string rulesVersion, string? reason,
        IReadOnlyList<Guid> candidates, params (string Name, Guid? Id)[] ids)
    {
        var item = new JsonObject { ["index"] = index, ["status"] = Snake(status.ToString()) };
        foreach (var (name, id) in ids)
        {
            item[name] = id;
        }

        item["confidence"] = confidence;
        item["evidence"] = evidence;
        item["rules_version"] = rulesVersion;
        if (reason is not null)
        {
            item["reason"] = reason;
        }

        if (status == ResolutionStatus.Ambiguous)
        {
            item["candidates"] = new JsonArray([.. candidates.Select(c => JsonValue.Create(c))]);
        }

        return item;
    }

    /// <summary>Rejected inputs are not billed; everything else (including ambiguous answers) is.</summary>
    protected static JobResult Result(IEnumerable<JsonObject> items, IEnumerable<ResolutionStatus> statuses)
    {
        var counts = statuses.GroupBy(s => s).ToDictionary(g => Snake(g.Key.ToString()), g => g.Count());
        var billable = counts.Where(c => c.Key != "rejected").Sum(c => c.Value);
        var metrics = new JsonObject { ["by_status"] = new JsonObject([.. counts.Select(c => KeyValuePair.Create(c.Key, (JsonNode?)c.Value))]) };
        return new JobResult(new JsonObject { ["results"] = new JsonArray([.. items]) }.ToJsonString(), billable, metrics.ToJsonString());
    }

    protected static string Snake(string pascal) => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(pascal);
}
