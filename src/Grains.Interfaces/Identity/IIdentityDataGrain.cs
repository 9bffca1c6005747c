using Alavida.Grains.Platform;

namespace Alavida.Grains.Identity;

/// <summary>What kind of identity entity.</summary>
public enum IdentityKind
{
    /// <summary>A company.</summary>
    Company,

    /// <summary>A person.</summary>
    Person,
}

/// <summary>Filters for a team's identity entities (all optional; combined with AND).</summary>
/// <param name="TeamId">The team whose entities are listed.</param>
/// <param name="Domain">Companies: any domain or URL (normalized like resolution does).</param>
/// <param name="LinkedIn">A LinkedIn URL (company or <c>/in/</c> profile).</param>
/// <param name="Email">Persons: an email address (normalized like resolution does).</param>
/// <param name="CompanyId">Persons working at this company.</param>
/// <param name="JobId">Entities resolved by this job.</param>
/// <param name="Limit">Page size.</param>
/// <param name="Cursor">The previous page's cursor.</param>
[GenerateSerializer, Immutable, Alias("Alavida.Identity.IdentityQuery")]
public sealed record IdentityQuery(
    [property: Id(0)] Guid TeamId,
    [property: Id(1)] string? Domain,
    [property: Id(2)] string? LinkedIn,
    [property: Id(3)] string? Email,
    [property: Id(4)] Guid? CompanyId,
    [property: Id(5)] Guid? JobId,
    [property: Id(6)] int Limit,
    [property: Id(7)] string? Cursor);

/// <summary>
/// The identity data a team may read: the entities its own jobs resolved (identities are global, visibility is per
/// team). Merged ids answer with the survivor and <c>MergedInto</c>.
/// </summary>
[Alias("Alavida.Identity.IIdentityDataGrain")]
public interface IIdentityDataGrain : IGrainWithIntegerKey
{
    /// <summary>True when every id is visible to the team (a merged id counts through either side).</summary>
    [Alias("AreVisible")]
    Task<bool> AreVisibleAsync(Guid teamId, IdentityKind kind, IReadOnlyList<Guid> entityIds);

    /// <summary>A company the team may see, or null.</summary>
    [Alias("GetCompany")]
    Task<CompanyView?> GetCompanyAsync(Guid teamId, Guid companyId);

    /// <summary>
    /// What to call each of these companies the team has resolved (its display name, else its first domain), in one
    /// read for a whole page of rows; ids the team has not resolved, or that have neither, are left out.
    /// </summary>
    [Alias("GetCompanyLabels")]
    Task<IReadOnlyDictionary<Guid, string>> GetCompanyLabelsAsync(Guid teamId, IReadOnlyList<Guid> companyIds);

    /// <summary>A person the team may see, or null.</summary>
    [Alias("GetPerson")]
    Task<PersonView?> GetPersonAsync(Guid teamId, Guid personId);

    /// <summary>The team's companies matching the filters, newest link first.</summary>
    [Alias("FindCompanies")]
    Task<Page<CompanyView>> FindCompaniesAsync(IdentityQuery query);

    /// <summary>The team's persons matching the filters, newest link first.</summary>
    [Alias("FindPersons")]
    Task<Page<PersonView>> FindPersonsAsync(IdentityQuery query);
}
