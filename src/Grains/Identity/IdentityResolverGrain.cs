using Orleans.Concurrency;

namespace Alavida.Grains.Identity;

/// <summary>
/// The identity quantum's contract for other quantums and the gateway: <see cref="IdentityResolver"/> behind a grain
/// interface. A reentrant stateless worker (local calls; while one batch awaits its entity grains the next can start).
/// </summary>
[StatelessWorker]
[Reentrant]
public sealed class IdentityResolverGrain(IdentityResolver resolver) : Grain, IIdentityResolverGrain
{
    public Task<IReadOnlyList<CompanyResolution>> ResolveCompaniesAsync(IReadOnlyList<CompanyInput> inputs, string? source = null) =>
        resolver.ResolveCompaniesAsync(inputs, source);

    public Task<IReadOnlyList<PersonResolution>> ResolvePersonsAsync(IReadOnlyList<PersonInput> inputs, string? source = null) =>
        resolver.ResolvePersonsAsync(inputs, source);

    public Task<IReadOnlyList<CompanyResolution>> ResolveCompaniesForTeamAsync(Guid teamId, IReadOnlyList<CompanyInput> inputs, string? source = null) =>
        resolver.ResolveCompaniesAsync(inputs, source, teamId);

    public Task<IReadOnlyList<PersonResolution>> ResolvePersonsForTeamAsync(Guid teamId, IReadOnlyList<PersonInput> inputs, string? source = null) =>
        resolver.ResolvePersonsAsync(inputs, source, teamId);

    public Task<MergeResult> MergeCompaniesAsync(MergeRequest request) => resolver.MergeCompaniesAsync(request);

    public Task<MergeResult> MergePersonsAsync(MergeRequest request) => resolver.MergePersonsAsync(request);

    public Task<CompanyView?> FindCompanyByDomainAsync(string domain) => resolver.FindCompanyByDomainAsync(domain);

    public Task<CompanyView?> FindCompanyByLinkedInAsync(string linkedInUrl) => resolver.FindCompanyByLinkedInAsync(linkedInUrl);

    public Task<PersonView?> FindPersonByEmailAsync(string email) => resolver.FindPersonByEmailAsync(email);

    public Task<PersonView?> FindPersonByLinkedInAsync(string linkedInUrl) => resolver.FindPersonByLinkedInAsync(linkedInUrl);
}
