namespace Alavida.Grains.Identity.Rules;

/// <summary>A person input after normalization: the canonical keys and attributes it asserts.</summary>
[GenerateSerializer, Immutable, Alias("Alavida.Identity.Internal.PersonFacts")]
public sealed record PersonFacts(
    [property: Id(0)] string? LinkedInSlug,
    [property: Id(1)] string? Email,
    [property: Id(2)] bool IsWorkEmail,
    [property: Id(3)] string? CompanyDomain,
    [property: Id(4)] string? NameKey,
    [property: Id(5)] string? DisplayName,
    [property: Id(6)] string? GivenName,
    [property: Id(7)] string? FamilyName,
    [property: Id(8)] Guid? CompanyId)
{
    /// <summary>The keys this input asserts, strongest first: LinkedIn slug, then email.</summary>
    public IReadOnlyList<IdentityKey> StrongKeys =>
        [.. new[] { LinkedInSlug is null ? null : new IdentityKey(IdentityRules.Keys.LinkedIn, LinkedInSlug), Email is null ? null : new IdentityKey(IdentityRules.Keys.Email, Email) }.OfType<IdentityKey>()];

    /// <summary>The key a new person created from name + company is given.</summary>
    public IdentityKey NameOnlyKey => new(IdentityRules.Keys.Name, $"{NameKey}|{CompanyId}");

    /// <summary>The scope names are matched in: the company id.</summary>
    public string NameScope => CompanyId?.ToString() ?? "";
}

/// <summary>Person inputs to <see cref="PersonFacts"/>: every given field must be valid, and one must identify.</summary>
public static class PersonInputRules
{
    /// <summary>Normalizes one input (company not yet resolved) or rejects it with the first problem found.</summary>
    public static Normalized<PersonFacts> Normalize(Alavida.Grains.Identity.PersonInput? input)
    {
        if (input is null || (CompanyInputRules.IsBlank(input.Email) && CompanyInputRules.IsBlank(input.Name) && CompanyInputRules.IsBlank(input.LinkedInUrl)))
        {
            return Normalized<PersonFacts>.Reject("no email, name or linkedin_url given");
        }

        var slug = CompanyInputRules.Optional(input.LinkedInUrl, LinkedInRules.PersonSlug);
        var email = CompanyInputRules.Optional(input.Email, EmailRules.Normalize);
        var company = CompanyInputRules.Optional(input.CompanyDomain, DomainRules.CompanyDomain);
        var name = CompanyInputRules.Optional(input.Name, PersonNameRules.Normalize);
        var companyRejection = company?.Rejection is { } r ? $"company_{r}" : null;
        if (CompanyInputRules.FirstRejection(slug?.Rejection, email?.Rejection, companyRejection, name?.Rejection) is { } rejection)
        {
            return Normalized<PersonFacts>.Reject(rejection);
        }

        // A work email links the person to its company; an explicit company_domain wins when both are given.
        var (e, n) = (email?.Value, name?.Value);
        var companyDomain = company?.Value ?? e?.CompanyDomain;
        if (slug is null && e is null && companyDomain is null)
        {
            return Normalized<PersonFacts>.Reject("a name identifies a person only together with company_domain");
        }

        return Normalized<PersonFacts>.Ok(new PersonFacts(
            slug?.Value, e?.Address, e?.IsWork ?? false, companyDomain, n?.Key, n?.Display, n?.Given, n?.Family, null));
    }
}
