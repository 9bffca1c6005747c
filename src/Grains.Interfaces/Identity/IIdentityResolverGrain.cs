namespace Alavida.Grains.Identity;

/// <summary>
/// The identity quantum's entry point for other quantums and the HTTP layer: batch resolution (up to
/// <see cref="IdentityLimits.MaxBatchSize"/> inputs per call, results in input order), merges and lookups. A stateless
/// worker: call it with key 0 from anywhere; it fans out to the company and person grains.
/// </summary>
[Alias("Alavida.Identity.IIdentityResolverGrain")]
public interface IIdentityResolverGrain : IGrainWithIntegerKey
{
    /// <summary>Resolves companies; one result per input, in input order.</summary>
    /// <param name="inputs">At most <see cref="IdentityLimits.MaxBatchSize"/> inputs.</param>
    /// <param name="source">A label recorded on created or enriched companies (e.g. a job id or connector name).</param>
    /// <exception cref="ArgumentException">More than the batch limit.</exception>
    [Alias("ResolveCompanies")]
    Task<IReadOnlyList<CompanyResolution>> ResolveCompaniesAsync(IReadOnlyList<CompanyInput> inputs, string? source = null);

    /// <summary>Resolves persons; one result per input, in input order.</summary>
    /// <param name="inputs">At most <see cref="IdentityLimits.MaxBatchSize"/> inputs.</param>
    /// <param name="source">A label recorded on created or enriched persons.</param>
    /// <exception cref="ArgumentException">More than the batch limit.</exception>
    [Alias("ResolvePersons")]
    Task<IReadOnlyList<PersonResolution>> ResolvePersonsAsync(IReadOnlyList<PersonInput> inputs, string? source = null);

    /// <summary>
    /// Resolves companies as a team sees them: its own merges applied to the ids (a company it merged away resolves to
    /// its survivor), and a company created here announced for it with <c>identity/company.resolved</c>. Quantums
    /// working for a team call this one.
    /// </summary>
    /// <param name="teamId">The team the resolution is for.</param>
    /// <param name="inputs">At most <see cref="IdentityLimits.MaxBatchSize"/> inputs.</param>
    /// <param name="source">A label recorded on created or enriched companies.</param>
    [Alias("ResolveCompaniesForTeam")]
    Task<IReadOnlyList<CompanyResolution>> ResolveCompaniesForTeamAsync(Guid teamId, IReadOnlyList<CompanyInput> inputs, string? source = null);

    /// <summary>Resolves persons as a team sees them (its merges of persons and of companies applied).</summary>
    /// <param name="teamId">The team the resolution is for.</param>
    /// <param name="inputs">At most <see cref="IdentityLimits.MaxBatchSize"/> inputs.</param>
    /// <param name="source">A label recorded on created or enriched persons.</param>
    [Alias("ResolvePersonsForTeam")]
    Task<IReadOnlyList<PersonResolution>> ResolvePersonsForTeamAsync(Guid teamId, IReadOnlyList<PersonInput> inputs, string? source = null);

    /// <summary>
    /// Merges one company into another for everyone (a tombstone on the loser); emits <c>identity/company.merged</c>.
    /// A platform-admin act: a team's merge changes only what that team sees (<c>/identity/run/merge</c>).
    /// </summary>
    [Alias("MergeCompanies")]
    Task<MergeResult> MergeCompaniesAsync(MergeRequest request);

    /// <summary>Merges one person into another for everyone (a platform-admin act, as companies).</summary>
    [Alias("MergePersons")]
    Task<MergeResult> MergePersonsAsync(MergeRequest request);

    /// <summary>The company owning a domain (any URL or host; normalized like resolution), or null.</summary>
    [Alias("FindCompanyByDomain")]
    Task<CompanyView?> FindCompanyByDomainAsync(string domain);

    /// <summary>The company with a LinkedIn company URL or slug, or null.</summary>
    [Alias("FindCompanyByLinkedIn")]
    Task<CompanyView?> FindCompanyByLinkedInAsync(string linkedInUrl);

    /// <summary>The person with an email address (normalized like resolution), or null.</summary>
    [Alias("FindPersonByEmail")]
    Task<PersonView?> FindPersonByEmailAsync(string email);

    /// <summary>The person with a LinkedIn profile URL or slug, or null.</summary>
    [Alias("FindPersonByLinkedIn")]
    Task<PersonView?> FindPersonByLinkedInAsync(string linkedInUrl);
}

/// <summary>Limits of the identity API.</summary>
public static class IdentityLimits
{
    /// <summary>The most inputs one resolution call accepts.</summary>
    public const int MaxBatchSize = 1000;
}
