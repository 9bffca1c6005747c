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

        var domain = Optional(input.Domain, DomainRules.CompanyDomain);
        var slug = Optional(input.LinkedInUrl, LinkedInRules.CompanySlug);
        var name = Optional(input.Name, CompanyNameRules.Normalize);
        var country = Optional(input.Country, CountryCode);
        if (FirstRejection(domain?.Rejection, slug?.Rejection, name?.Rejection, country?.Rejection) is { } rejection)
        {
            return Normalized<CompanyFacts>.Reject(rejection);
        }

        var n = name?.Value;
        return Normalized<CompanyFacts>.Ok(new CompanyFacts(domain?.Value, slug?.Value, n?.Key, n?.Display, n?.LegalForm, country?.Value));
    }

    internal static bool IsBlank(string? value) => string.IsNullOrWhiteSpace(value);

    /// <summary>An optional field: null when blank, else its normalization (a value or a rejection).</summary>
    internal static Normalized<T>? Optional<T>(string? raw, Func<string?, Normalized<T>> rule)
        where T : class => IsBlank(raw) ? null : rule(raw);

    /// <summary>The first rejection among an input's fields, if any: one bad field rejects the input.</summary>
    internal static string? FirstRejection(params string?[] rejections) => rejections.FirstOrDefault(r => r is not null);

    private static Normalized<string> CountryCode(string? raw)
    {
        var country = raw!.Trim().ToUpperInvariant();
        return country.Length == 2 && country.All(char.IsAsciiLetterUpper)
            ? Normalized<string>.Ok(country)
            : Normalized<string>.Reject("country is not an ISO 3166-1 alpha-2 code");
    }
}
