namespace Alavida.Grains.Identity;

/// <summary>A company as the identity quantum knows it.</summary>
/// <param name="Id">The company's id (the survivor's when the requested id was merged).</param>
/// <param name="DisplayName">The name as first seen, legal form removed.</param>
/// <param name="LegalForm">The legal form taken from the name (<c>inc</c>, <c>gmbh</c>…), if any.</param>
/// <param name="Domains">Registrable domains that identify the company.</param>
/// <param name="LinkedInSlug">The LinkedIn company slug, if known.</param>
/// <param name="Country">ISO 3166-1 alpha-2 country, if known.</param>
/// <param name="Sources">Where the company was seen (caller-supplied source labels).</param>
/// <param name="CreatedAt">When the company was first resolved.</param>
/// <param name="UpdatedAt">When its attributes last changed.</param>
/// <param name="MergedInto">When the requested id was merged: the survivor's id (equal to <paramref name="Id"/>); otherwise null.</param>
/// <param name="RequestedId">The id that was asked for (differs from <paramref name="Id"/> after a merge).</param>
[GenerateSerializer, Immutable, Alias("Alavida.Identity.CompanyView")]
public sealed record CompanyView(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string? DisplayName,
    [property: Id(2)] string? LegalForm,
    [property: Id(3)] IReadOnlyList<string> Domains,
    [property: Id(4)] string? LinkedInSlug,
    [property: Id(5)] string? Country,
    [property: Id(6)] IReadOnlyList<string> Sources,
    [property: Id(7)] DateTimeOffset CreatedAt,
    [property: Id(8)] DateTimeOffset UpdatedAt,
    [property: Id(9)] Guid? MergedInto,
    [property: Id(10)] Guid RequestedId);

/// <summary>A person as the identity quantum knows them.</summary>
/// <param name="Id">The person's id (the survivor's when the requested id was merged).</param>
/// <param name="FullName">The name as first seen, honorifics removed, in <c>First Last</c> order.</param>
/// <param name="GivenName">The given name, when the name could be split.</param>
/// <param name="FamilyName">The family name, when the name could be split.</param>
/// <param name="Emails">Normalized email addresses that identify the person.</param>
/// <param name="LinkedInSlug">The LinkedIn <c>/in/</c> slug, if known.</param>
/// <param name="CurrentCompanyId">The company of the person's latest work email or company domain, if any.</param>
/// <param name="Sources">Where the person was seen (caller-supplied source labels).</param>
/// <param name="CreatedAt">When the person was first resolved.</param>
/// <param name="UpdatedAt">When their attributes last changed.</param>
/// <param name="MergedInto">When the requested id was merged: the survivor's id (equal to <paramref name="Id"/>); otherwise null.</param>
/// <param name="RequestedId">The id that was asked for (differs from <paramref name="Id"/> after a merge).</param>
[GenerateSerializer, Immutable, Alias("Alavida.Identity.PersonView")]
public sealed record PersonView(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string? FullName,
    [property: Id(2)] string? GivenName,
    [property: Id(3)] string? FamilyName,
    [property: Id(4)] IReadOnlyList<string> Emails,
    [property: Id(5)] string? LinkedInSlug,
    [property: Id(6)] Guid? CurrentCompanyId,
    [property: Id(7)] IReadOnlyList<string> Sources,
    [property: Id(8)] DateTimeOffset CreatedAt,
    [property: Id(9)] DateTimeOffset UpdatedAt,
    [property: Id(10)] Guid? MergedInto,
    [property: Id(11)] Guid RequestedId);
