namespace Alavida.Grains.Identity;

/// <summary>A company polyseme, keyed by its deterministic UUID. Persisted in <c>identity.companies</c>, cached here.</summary>
[Alias("Alavida.Identity.ICompanyGrain")]
public interface ICompanyGrain : IGrainWithGuidKey
{
    /// <summary>
    /// The company, or null when no company has this id. For a merged id, the survivor's view with
    /// <see cref="CompanyView.MergedInto"/> set.
    /// </summary>
    [Alias("Get")]
    Task<CompanyView?> GetAsync();
}

/// <summary>A person polyseme, keyed by their deterministic UUID. Persisted in <c>identity.persons</c>, cached here.</summary>
[Alias("Alavida.Identity.IPersonGrain")]
public interface IPersonGrain : IGrainWithGuidKey
{
    /// <summary>
    /// The person, or null when no person has this id. For a merged id, the survivor's view with
    /// <see cref="PersonView.MergedInto"/> set.
    /// </summary>
    [Alias("Get")]
    Task<PersonView?> GetAsync();
}
