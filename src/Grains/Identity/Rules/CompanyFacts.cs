namespace Alavida.Grains.Identity.Rules;

/// <summary>A company input after normalization: the canonical keys and attributes it asserts.</summary>
[GenerateSerializer, Immutable, Alias("Alavida.Identity.Internal.CompanyFacts")]
public sealed record CompanyFacts(
    [property: Id(0)] string? Domain,
    [property: Id(1)] string? LinkedInSlug,
    [property: Id(2)] string? NameKey,
    [property: Id(3)] string? DisplayName,
    [property: Id(4)] string? LegalForm,
    [property: Id(5)] string? Country)
{
    /// <summary>The keys this input asserts, strongest first: domain, then LinkedIn slug.</summary>
    public IReadOnlyList<IdentityKey> StrongKeys =>
        [.. new[] { Domain is null ? null : new IdentityKey(IdentityRules.Keys.Domain, Domain), LinkedInSlug is null ? null : new IdentityKey(IdentityRules.Keys.LinkedIn, LinkedInSlug) }.OfType<IdentityKey>()];

    /// <summary>The key a new company created from a name alone is given: name and country (empty when unknown).</summary>
    public IdentityKey NameOnlyKey => new(IdentityRules.Keys.Name, $"{NameKey}|{Country}");

    /// <summary>The scope names are matched in: the country, or empty.</summary>
    public string NameScope => Country ?? "";
}

/// <summary>Company inputs to <see cref="CompanyFacts"/>: every given field must be valid, and one must identify.</summary>
public static class CompanyInputRules
{
    /// <summary>Normalizes one input or rejects it with the first problem found.</summary>
    public static Normalized<CompanyFacts> Normalize(Alavida.Grains.Identity.CompanyInput? input)
    {
        if (input is null || (IsBlank(input.Domain) && IsBlank(input.Name) && IsBlank(input.LinkedInUrl)))
        {
            return Normalized<CompanyFacts>.Reject("no domain, name or linkedin_url given");
        }

        string? domain = null, slug = null, country = null;
        CompanyName? name = null;
        if (!IsBlank(input.Domain))
        {
            var normalized = DomainRules.CompanyDomain(input.Domain);
            if (!normalized.IsValid)
            {
                return Normalized<CompanyFacts>.Reject(normalized.Rejection!);
            }

            domain = normalized.Value;
        }

        if (!IsBlank(input.LinkedInUrl))
        {
            var normalized = LinkedInRules.CompanySlug(input.LinkedInUrl);
            if (!normalized.IsValid)
            {
                return Normalized<CompanyFacts>.Reject(normalized.Rejection!);
            }

            slug = normalized.Value;
        }

        if (!IsBlank(input.Name))
        {
            var normalized = CompanyNameRules.Normalize(input.Name);
            if (!normalized.IsValid)
            {
                return Normalized<CompanyFacts>.Reject(normalized.Rejection!);
            }

            name = normalized.Value;
        }

        if (!IsBlank(input.Country))
        {
            country = input.Country!.Trim().ToUpperInvariant();
            if (country.Length != 2 || !country.All(char.IsAsciiLetterUpper))
            {
                return Normalized<CompanyFacts>.Reject("country is not an ISO 3166-1 alpha-2 code");
            }
        }

        return Normalized<CompanyFacts>.Ok(new CompanyFacts(domain, slug, name?.Key, name?.Display, name?.LegalForm, country));
    }

    internal static bool IsBlank(string? value) => string.IsNullOrWhiteSpace(value);
}
