using Alavida.Grains.Identity.Data;
using Alavida.Grains.Identity.Rules;

namespace Alavida.Grains.Identity;

/// <summary>A person, keyed by their UUID; also the grain the resolver asks about the UUIDv5 of a person key.</summary>
public sealed class PersonGrain(PersonStore store) : EntityGrain<PersonFacts, PersonAttributes>(store), IPersonGrain
{
    public async Task<PersonView?> GetAsync()
    {
        if (await CurrentAsync() is not { } record)
        {
            return null;
        }

        if (record.MergedInto is { } survivor)
        {
            // Survivors never call their losers, so this chain cannot deadlock.
            var view = await GrainFactory.GetGrain<IPersonGrain>(survivor).GetAsync();
            return view is null ? null : view with { MergedInto = view.Id, RequestedId = record.Id };
        }

        var a = record.Attributes;
        return new PersonView(
            record.Id, a.FullName, a.GivenName, a.FamilyName, record.KeyValues(IdentityRules.Keys.Email), a.LinkedInSlug,
            a.CurrentCompanyId, record.Sources, record.CreatedAt, record.UpdatedAt, null, record.Id);
    }

    protected override IReadOnlyList<IdentityKey> KeysOf(PersonFacts facts) => facts.StrongKeys;

    protected override string EvidenceOf(IdentityKey key, PersonFacts facts) => IdentityRules.PersonEvidence(key, facts.IsWorkEmail);
}
