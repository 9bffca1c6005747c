using Alavida.Grains.Identity.Data;
using Alavida.Grains.Identity.Rules;
using Microsoft.Extensions.Logging;

namespace Alavida.Grains.Identity;

/// <summary>
/// Batch resolution, merges and lookups, as a service of the silo (no state of its own): it normalizes inputs, asks
/// name indexes in one query per batch, and fans out to the entity grains of the inputs' canonical keys. The identity
/// quantum's own actions call it directly; other quantums and the gateway go through
/// <see cref="IdentityResolverGrain"/>, the quantum's contract.
/// </summary>
public sealed partial class IdentityResolver(
    IGrainFactory grains, CompanyStore companies, PersonStore persons, KnownKeys knownKeys, TeamMerges teamMerges, IdentityOutboxNudge outbox,
    ILogger<IdentityResolver> logger)
{
    private static readonly IReadOnlyList<Guid> NoCandidates = [];

    /// <summary>
    /// Resolves companies. With <paramref name="teamId"/>, the ids are as that team sees them (its merges applied,
    /// ADR 0006) and a company created here is announced for it (<c>identity/company.resolved</c>).
    /// </summary>
    public async Task<IReadOnlyList<CompanyResolution>> ResolveCompaniesAsync(IReadOnlyList<CompanyInput> inputs, string? source = null, Guid? teamId = null)
    {
        var results = await ResolveGlobalCompaniesAsync(inputs, source, teamId);
        return teamId is { } team ? await AsSeenByAsync(team, results) : results;
    }

    /// <summary>Resolves persons (and the companies of their work emails); with a team, as <see cref="ResolveCompaniesAsync"/>.</summary>
    public async Task<IReadOnlyList<PersonResolution>> ResolvePersonsAsync(IReadOnlyList<PersonInput> inputs, string? source = null, Guid? teamId = null)
    {
        var results = await ResolveGlobalPersonsAsync(inputs, source, teamId);
        return teamId is { } team ? await AsSeenByAsync(team, results) : results;
    }

    private async Task<IReadOnlyList<CompanyResolution>> ResolveGlobalCompaniesAsync(IReadOnlyList<CompanyInput> inputs, string? source, Guid? teamId)
    {
        CheckBatch(inputs.Count);
        var facts = inputs.Select(CompanyInputRules.Normalize).ToArray();
        var results = new CompanyResolution?[facts.Length];
        var nameOnly = facts.Where(f => f.IsValid && f.Value!.StrongKeys.Count == 0).Select(f => (f.Value!.NameKey!, f.Value.Country)).ToList();
        var byName = await companies.FindByNamesAsync(nameOnly);
        var items = new List<KeyItem<CompanyFacts>>();
        for (var index = 0; index < facts.Length; index++)
        {
            if (facts[index].Value is not { } f)
            {
                results[index] = CompanyRejected(index, facts[index].Rejection!);
                continue;
            }

            var candidates = f.StrongKeys.Count == 0 ? byName[(f.NameKey!, f.Country)] : NoCandidates;
            var nameEvidence = f.Country is null ? IdentityRules.Evidence.Name : IdentityRules.Evidence.NameAndCountry;
            results[index] = candidates.Count switch
            {
                > 1 => new CompanyResolution(index, ResolutionStatus.Ambiguous, null, 0, nameEvidence, IdentityRules.Version,
                    $"name matches {candidates.Count} companies", candidates),
                1 => CompanyResolved(index, ResolutionStatus.Matched, candidates[0], nameEvidence),
                _ => null,
            };
            if (results[index] is null)
            {
                items.Add(new(index, f, f.StrongKeys.Count > 0 ? f.StrongKeys[0] : f.NameOnlyKey));
            }
        }

        var resolved = await ResolveByKeysAsync(CompanyEntity, companies, items, f => f.StrongKeys, DeterministicIds.Company,
            (id, f, key) => grains.GrainOf<IEntityKeyGrain<CompanyFacts>>(id).ResolveAsync(f, key, source, teamId),
            (key, f) => IdentityRules.CompanyEvidence(key, f.Country), source, teamId);
        foreach (var (index, outcome) in resolved)
        {
            results[index] = CompanyResolved(index, outcome.Status, outcome.Id, outcome.Evidence);
        }

        if (resolved.Any(r => r.Outcome.Status == ResolutionStatus.Created))
        {
            outbox.Nudge(); // their identity/company.resolved events were written with them
        }

        return results!;
    }

    private async Task<IReadOnlyList<PersonResolution>> ResolveGlobalPersonsAsync(IReadOnlyList<PersonInput> inputs, string? source, Guid? teamId)
    {
        CheckBatch(inputs.Count);
        var normalized = inputs.Select(PersonInputRules.Normalize).ToArray();

        // A work email or company domain links the person to a company: resolve those companies first, once each. Their
        // global ids scope the persons' name keys (a team's merges apply to the results, never to the keys).
        var domains = normalized.Where(f => f.Value?.CompanyDomain is not null).Select(f => f.Value!.CompanyDomain!).Distinct().ToList();
        var companyResults = await ResolveGlobalCompaniesAsync([.. domains.Select(d => new CompanyInput(Domain: d))], source, teamId);
        var companyOf = domains.Zip(companyResults).ToDictionary(p => p.First, p => p.Second.CompanyId);
        var facts = normalized.Select(f => f.Value is { CompanyDomain: { } d } v ? Normalized<PersonFacts>.Ok(v with { CompanyId = companyOf[d] }) : f).ToArray();

        var results = new PersonResolution?[facts.Length];
        var nameOnly = facts.Where(f => f.IsValid && f.Value!.StrongKeys.Count == 0 && f.Value.NameKey is not null && f.Value.CompanyId is not null)
            .Select(f => (f.Value!.NameKey!, (string?)f.Value.NameScope)).ToList();
        var byName = await persons.FindByNamesAsync(nameOnly);
        var items = new List<KeyItem<PersonFacts>>();
        for (var index = 0; index < facts.Length; index++)
        {
            if (facts[index].Value is not { } f)
            {
                results[index] = PersonRejected(index, facts[index].Rejection!);
                continue;
            }

            if (f.StrongKeys.Count == 0 && (f.NameKey is null || f.CompanyId is null))
            {
                results[index] = PersonRejected(index, "a name identifies a person only together with a company");
                continue;
            }

            var candidates = f.StrongKeys.Count == 0 ? byName[(f.NameKey!, f.NameScope)] : NoCandidates;
            results[index] = candidates.Count switch
            {
                > 1 => new PersonResolution(index, ResolutionStatus.Ambiguous, null, f.CompanyId, 0, IdentityRules.Evidence.NameAndCompany,
                    IdentityRules.Version, $"name matches {candidates.Count} persons at this company", candidates),
                1 => PersonResolved(index, ResolutionStatus.Matched, candidates[0], f.CompanyId, IdentityRules.Evidence.NameAndCompany),
                _ => null,
            };
            if (results[index] is null)
            {
                items.Add(new(index, f, f.StrongKeys.Count > 0 ? f.StrongKeys[0] : f.NameOnlyKey));
            }
        }

        var resolved = await ResolveByKeysAsync(PersonEntity, persons, items, f => f.StrongKeys, DeterministicIds.Person,
            (id, f, key) => grains.GrainOf<IEntityKeyGrain<PersonFacts>>(id).ResolveAsync(f, key, source, teamId),
            (key, f) => IdentityRules.PersonEvidence(key, f.IsWorkEmail), source, teamId);
        foreach (var (index, outcome) in resolved)
        {
            results[index] = PersonResolved(index, outcome.Status, outcome.Id, facts[index].Value!.CompanyId, outcome.Evidence);
        }

        return results!;
    }

    public async Task<MergeResult> MergeCompaniesAsync(MergeRequest request)
    {
        var result = await MergeAsync(request, grains.GetGrain<IEntityKeyGrain<CompanyFacts>>(request.SurvivorId).AbsorbAsync,
            () => grains.GetGrain<IEntityKeyGrain<CompanyFacts>>(request.LoserId).ReloadAsync());
        Log.Merged(logger, "company", request.LoserId, request.SurvivorId, result.Status);
        NudgeIfMerged(result);
        return result;
    }

    public async Task<MergeResult> MergePersonsAsync(MergeRequest request)
    {
        var result = await MergeAsync(request, grains.GetGrain<IEntityKeyGrain<PersonFacts>>(request.SurvivorId).AbsorbAsync,
            () => grains.GetGrain<IEntityKeyGrain<PersonFacts>>(request.LoserId).ReloadAsync());
        Log.Merged(logger, "person", request.LoserId, request.SurvivorId, result.Status);
        NudgeIfMerged(result);
        return result;
    }

    public Task<CompanyView?> FindCompanyByDomainAsync(string domain) =>
        FindAsync(companies, DomainRules.CompanyDomain(domain), IdentityRules.Keys.Domain, id => grains.GetGrain<ICompanyGrain>(id).GetAsync());

    public Task<CompanyView?> FindCompanyByLinkedInAsync(string linkedInUrl) =>
        FindAsync(companies, LinkedInRules.CompanySlug(linkedInUrl), IdentityRules.Keys.LinkedIn, id => grains.GetGrain<ICompanyGrain>(id).GetAsync());

    public Task<PersonView?> FindPersonByEmailAsync(string email)
    {
        var normalized = EmailRules.Normalize(email);
        return FindAsync(persons, normalized.IsValid ? Normalized<string>.Ok(normalized.Value!.Address) : Normalized<string>.Reject(normalized.Rejection!),
            IdentityRules.Keys.Email, id => grains.GetGrain<IPersonGrain>(id).GetAsync());
    }

    public Task<PersonView?> FindPersonByLinkedInAsync(string linkedInUrl) =>
        FindAsync(persons, LinkedInRules.PersonSlug(linkedInUrl), IdentityRules.Keys.LinkedIn, id => grains.GetGrain<IPersonGrain>(id).GetAsync());

    private static async Task<TView?> FindAsync<TFacts, TAttributes, TView>(
        EntityStore<TFacts, TAttributes> store, Normalized<string> value, string kind, Func<Guid, Task<TView?>> get)
        where TFacts : class
        where TView : class
    {
        if (!value.IsValid || await store.FindOwnerAsync([new IdentityKey(kind, value.Value!)]) is not { } found)
        {
            return null;
        }

        return await get(found.Owner);
    }

    private static async Task<MergeResult> MergeAsync(MergeRequest request, Func<Guid, string, Task<MergeResult>> absorb, Func<Task> reloadLoser)
    {
        if (string.IsNullOrWhiteSpace(request.RequestedBy))
        {
            return new MergeResult(MergeStatus.Rejected, request.SurvivorId, request.LoserId, "requested_by is empty");
        }

        var result = await absorb(request.LoserId, request.RequestedBy);
        if (result.Status == MergeStatus.Merged)
        {
            await reloadLoser();
        }


        return result;
    }

    private void NudgeIfMerged(MergeResult result)
    {
        if (result.Status == MergeStatus.Merged)
        {
            outbox.Nudge(); // the merge's event is in the outbox
        }
    }

    private static void CheckBatch(int count)
    {
        if (count > IdentityLimits.MaxBatchSize)
        {
            throw new ArgumentException($"At most {IdentityLimits.MaxBatchSize} inputs per call; got {count}.");
        }
    }

    private static CompanyResolution CompanyResolved(int index, ResolutionStatus status, Guid id, string evidence) =>
        new(index, status, id, IdentityRules.Confidence(evidence), evidence, IdentityRules.Version, null, NoCandidates);

    private static CompanyResolution CompanyRejected(int index, string reason) =>
        new(index, ResolutionStatus.Rejected, null, 0, "", IdentityRules.Version, reason, NoCandidates);

    private static PersonResolution PersonResolved(int index, ResolutionStatus status, Guid id, Guid? companyId, string evidence) =>
        new(index, status, id, companyId, IdentityRules.Confidence(evidence), evidence, IdentityRules.Version, null, NoCandidates);

    private static PersonResolution PersonRejected(int index, string reason) =>
        new(index, ResolutionStatus.Rejected, null, null, 0, "", IdentityRules.Version, reason, NoCandidates);

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "identity: merge of {Kind} {LoserId} into {SurvivorId}: {Status}")]
        public static partial void Merged(ILogger logger, string kind, Guid loserId, Guid survivorId, MergeStatus status);

        [LoggerMessage(2, LogLevel.Information, "identity: team {TeamId}'s merge of {Kind} {LoserId} into {SurvivorId}: {Status}")]
        public static partial void TeamMerged(ILogger logger, string kind, Guid loserId, Guid survivorId, Guid teamId, MergeStatus status);
    }
}
