using Alavida.Grains.Identity;
using Alavida.Silo.Hosting;
using Alavida.Tests.Infrastructure;

namespace Alavida.Tests.Identity;

[Collection(IdentityCollection.Name)]
public sealed class ConcurrentResolutionTests(IdentityCluster cluster)
{
    [Fact]
    public async Task ResolveCompanies_FromManyCallersAtOnce_CreatesOneCompany()
    {
        var domain = IdentityCluster.NewDomain();

        var results = await AllAtOnceAsync(64, async i =>
            (await cluster.Resolver.ResolveCompaniesAsync([new(Domain: i % 2 == 0 ? domain : $"https://www.{domain}/p{i}")]))[0]);

        Assert.Single(results.Select(r => r.CompanyId).Distinct());
        Assert.Single(results, r => r.Status == ResolutionStatus.Created);
        Assert.Equal(1L, await cluster.ScalarAsync<long>(
            "SELECT count(*) FROM identity.company_keys WHERE kind = 'domain' AND value = @domain", ("domain", domain)));
    }

    [Fact]
    public async Task ResolvePersons_FromManyCallersAtOnce_CreatesOnePersonAndOneCompany()
    {
        var domain = IdentityCluster.NewDomain();

        var results = await AllAtOnceAsync(32, async i =>
            (await cluster.Resolver.ResolvePersonsAsync([new(Email: i % 2 == 0 ? $"ada@{domain}" : $"ADA@{domain.ToUpperInvariant()}", Name: "Ada Lovelace")]))[0]);

        Assert.Single(results.Select(r => r.PersonId).Distinct());
        Assert.Single(results.Select(r => r.CompanyId).Distinct());
        Assert.Single(results, r => r.Status == ResolutionStatus.Created);
    }

    [Fact]
    public async Task ResolveCompanies_OnTwoSilosOfOneCluster_GiveOneIdPerCompany()
    {
        var identity = ClusterIdentity.New();
        await using var first = await PlatformHost.StartAsync(cluster.ConnectionString, identity);
        await using var second = await PlatformHost.StartAsync(cluster.ConnectionString, identity, HostRole.Silo);
        await first.WaitForMembershipAsync(s => s.ActiveCount() == 2, "both silos active");

        await AssertOneIdPerCompanyAsync(first, second);
    }

    [Fact]
    public async Task ResolveCompanies_OnTwoIndependentClusters_OnOneDatabase_GiveOneIdPerCompany()
    {
        // No shared grain directory at all: only the deterministic ids and the key claims in PostgreSQL can agree.
        await using var first = await PlatformHost.StartAsync(cluster.ConnectionString, ClusterIdentity.New());
        await using var second = await PlatformHost.StartAsync(cluster.ConnectionString, ClusterIdentity.New());

        await AssertOneIdPerCompanyAsync(first, second);
    }

    private async Task AssertOneIdPerCompanyAsync(PlatformHost first, PlatformHost second)
    {
        var inputs = Enumerable.Range(0, 200).Select(i => new CompanyInput(Domain: IdentityCluster.NewDomain($"c{i}"), Name: $"Company {i} Ltd")).ToList();
        var reversed = inputs.AsEnumerable().Reverse().ToList();
        (PlatformHost Host, List<CompanyInput> Batch)[] calls = [(first, inputs), (second, reversed), (first, reversed), (second, inputs)];

        var results = await AllAtOnceAsync(calls.Length, i => calls[i].Host.Grains.GetGrain<IIdentityResolverGrain>(0).ResolveCompaniesAsync(calls[i].Batch));

        var ids = results[0].Select(r => r.CompanyId).ToList();
        Assert.All(ids, id => Assert.NotNull(id));
        Assert.Equal(ids, results[1].Reverse().Select(r => r.CompanyId));
        Assert.Equal(ids, results[2].Reverse().Select(r => r.CompanyId));
        Assert.Equal(ids, results[3].Select(r => r.CompanyId));
        Assert.Equal(inputs.Count, results.SelectMany(r => r).Count(r => r.Status == ResolutionStatus.Created));
        Assert.Equal((long)inputs.Count, await cluster.ScalarAsync<long>(
            "SELECT count(*) FROM identity.companies WHERE id = ANY(@ids)", ("ids", ids.Select(i => i!.Value).ToArray())));
    }

    /// <summary>Starts <paramref name="callers"/> calls that all wait on one signal, releases them together, awaits all.</summary>
    private static async Task<T[]> AllAtOnceAsync<T>(int callers, Func<int, Task<T>> call)
    {
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var calls = Enumerable.Range(0, callers).Select(async i =>
        {
            await start.Task;
            return await call(i);
        }).ToList();
        start.SetResult();
        return await Task.WhenAll(calls);
    }
}
