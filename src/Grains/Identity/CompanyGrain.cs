using Alavida.Grains.Identity.Data;
using Alavida.Grains.Identity.Rules;

namespace Alavida.Grains.Identity;

/// <summary>A company, keyed by its UUID; also the grain the resolver asks about the UUIDv5 of a company key.</summary>
public sealed class CompanyGrain(CompanyStore store) : EntityGrain<CompanyFacts, CompanyAttributes>(store), ICompanyGrain
{
    public Task<CompanyView?> GetAsync() => ViewAsync(
        r => new CompanyView(
            r.Id, r.Attributes.DisplayName, r.Attributes.LegalForm, r.KeyValues(IdentityRules.Keys.Domain), r.Attributes.LinkedInSlug,
            r.Attributes.Country, r.Sources, r.CreatedAt, r.UpdatedAt, null, r.Id),
        survivor => GrainFactory.GetGrain<ICompanyGrain>(survivor).GetAsync(),
        (view, requested) => view with { MergedInto = view.Id, RequestedId = requested });

    protected override IReadOnlyList<IdentityKey> KeysOf(CompanyFacts facts) => facts.StrongKeys;

    protected override string EvidenceOf(IdentityKey key, CompanyFacts facts) => IdentityRules.CompanyEvidence(key, facts.Country);
}
