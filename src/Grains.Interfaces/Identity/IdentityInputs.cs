namespace Alavida.Grains.Identity;

/// <summary>One company to resolve; any subset of the fields may be given (at least one must identify it).</summary>
/// <param name="Domain">A domain, host or URL of the company's website (e.g. <c>https://www.acme.co.uk/about</c>).</param>
/// <param name="Name">The company's name as written anywhere (legal form included or not).</param>
/// <param name="LinkedInUrl">A LinkedIn company URL (<c>linkedin.com/company/&lt;slug&gt;</c>) or a bare slug.</param>
/// <param name="Country">ISO 3166-1 alpha-2 country code, used to narrow name matches.</param>
[GenerateSerializer, Immutable, Alias("Alavida.Identity.CompanyInput")]
public sealed record CompanyInput(
    [property: Id(0)] string? Domain = null,
    [property: Id(1)] string? Name = null,
    [property: Id(2)] string? LinkedInUrl = null,
    [property: Id(3)] string? Country = null);

/// <summary>One person to resolve; any subset of the fields may be given (at least one must identify them).</summary>
/// <param name="Email">A work or personal email address.</param>
/// <param name="Name">The person's name (<c>First Last</c>, <c>Last, First</c>, with or without honorifics).</param>
/// <param name="LinkedInUrl">A LinkedIn profile URL (<c>linkedin.com/in/&lt;slug&gt;</c>) or a bare slug.</param>
/// <param name="CompanyDomain">The domain of the person's current company, used with the name.</param>
[GenerateSerializer, Immutable, Alias("Alavida.Identity.PersonInput")]
public sealed record PersonInput(
    [property: Id(0)] string? Email = null,
    [property: Id(1)] string? Name = null,
    [property: Id(2)] string? LinkedInUrl = null,
    [property: Id(3)] string? CompanyDomain = null);
