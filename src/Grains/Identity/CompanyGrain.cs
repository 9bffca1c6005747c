using Alavida.Grains.Identity.Data;
using Alavida.Grains.Identity.Rules;

namespace Alavida.Grains.Identity;

/// <summary>A company, keyed by its UUID; also the grain the resolver asks about the UUIDv5 of a company key.</summary>
public sealed class CompanyGrain(CompanyStore store) : EntityGrain<CompanyFacts, CompanyAttributes>(store), ICompanyGrain
{
    public async Task<CompanyView?> GetAsync()
    {
        if (await CurrentAsync() is not { } record)
        {
            return null;
        }

        if (record.MergedInto is { } survivor)
        {
            // Survivors never call their losers, so this chain cannot deadlock.
            var view = await GrainFactory.GetGrain<ICompanyGrain>(survivor).GetAsync();
            return view is null ? null : view with { MergedInto = view.Id, RequestedId = record.Id };
        }

        var a = record.Attributes;
        return new CompanyView(
            record.Id, a.DisplayName, a.LegalForm, record.KeyValues(IdentityRules.Keys.Domain), a.LinkedInSlug, a.Country,
            record.Sources, record.CreatedAt, record.UpdatedAt, null, record.Id);
    }

    protected override IReadOnlyList<IdentityKey> KeysOf(CompanyFacts facts) => facts.StrongKeys;

    protected override string EvidenceOf(IdentityKey key, CompanyFacts facts) => IdentityRules.CompanyEvidence(key, facts.Country);
}
