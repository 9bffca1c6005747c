using Alavida.Grains.Identity.Data;
using Alavida.Grains.Identity.Rules;

namespace Alavida.Grains.Identity;

/// <summary>A person, keyed by their UUID; also the grain the resolver asks about the UUIDv5 of a person key.</summary>
public sealed class PersonGrain(PersonStore store) : EntityGrain<PersonFacts, PersonAttributes>(store), IPersonGrain
{
    public Task<PersonView?> GetAsync() => ViewAsync(
        r => new PersonView(
            r.Id, r.Attributes.FullName, r.Attributes.GivenName, r.Attributes.FamilyName, r.KeyValues(IdentityRules.Keys.Email),
            r.Attributes.LinkedInSlug, r.Attributes.CurrentCompanyId, r.Sources, r.CreatedAt, r.UpdatedAt, null, r.Id),
        survivor => GrainFactory.GetGrain<IPersonGrain>(survivor).GetAsync(),
        (view, requested) => view with { MergedInto = view.Id, RequestedId = requested });

    protected override IReadOnlyList<IdentityKey> KeysOf(PersonFacts facts) => facts.StrongKeys;

    protected override string EvidenceOf(IdentityKey key, PersonFacts facts) => IdentityRules.PersonEvidence(key, facts.IsWorkEmail);
}
