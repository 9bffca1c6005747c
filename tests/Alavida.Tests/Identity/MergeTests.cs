using System.Text.Json;
using Alavida.Grains.Identity;

namespace Alavida.Tests.Identity;

[Collection(IdentityCollection.Name)]
public sealed class MergeTests(IdentityCluster cluster)
{
    [Fact]
    public async Task MergeCompanies_LeavesATombstone_ThatResolvesToTheSurvivor_AndEmitsTheEvent()
    {
        var (survivorDomain, loserDomain, loserSlug) = (IdentityCluster.NewDomain("s"), IdentityCluster.NewDomain("l"), $"l-{Guid.NewGuid():N}");
        var created = await cluster.Resolver.ResolveCompaniesAsync(
            [new(Domain: survivorDomain, Name: "Survivor Corp"), new(Domain: loserDomain, LinkedInUrl: loserSlug, Country: "GB")]);
        var (survivor, loser) = (created[0].CompanyId!.Value, created[1].CompanyId!.Value);
        var loserView = await cluster.Host.Grains.GetGrain<ICompanyGrain>(loser).GetAsync(); // active, cached

        var result = await cluster.Resolver.MergeCompaniesAsync(new MergeRequest(survivor, loser, "team-admin"));

        Assert.Equal(MergeStatus.Merged, result.Status);
        Assert.Null(loserView!.MergedInto);
        var tombstone = await cluster.Host.Grains.GetGrain<ICompanyGrain>(loser).GetAsync();
        Assert.Equal((survivor, survivor, loser), (tombstone!.Id, tombstone.MergedInto, tombstone.RequestedId));
        Assert.Equal(new[] { loserDomain, survivorDomain }.Order(), tombstone.Domains);
        Assert.Equal((loserSlug, "GB"), (tombstone.LinkedInSlug, tombstone.Country));
        var again = await cluster.Resolver.ResolveCompaniesAsync([new(Domain: loserDomain), new(LinkedInUrl: loserSlug)]);
        Assert.All(again, r => Assert.Equal((ResolutionStatus.Matched, survivor), (r.Status, r.CompanyId!.Value)));
        Assert.Equal(survivor, (await cluster.Resolver.FindCompanyByDomainAsync(loserDomain))?.Id);
        Assert.Equal(survivor, await cluster.ScalarAsync<Guid>("SELECT merged_into FROM identity.companies WHERE id = @id", ("id", loser)));

        var data = await cluster.ScalarAsync<string>(
            "SELECT data::text FROM identity.outbox_events WHERE name = 'identity/company.merged' AND data->>'loser_id' = @loser",
            ("loser", loser.ToString()));
        var json = JsonDocument.Parse(data).RootElement;
        Assert.Equal((survivor.ToString(), "team-admin"), (json.GetProperty("survivor_id").GetString(), json.GetProperty("requested_by").GetString()));
    }

    [Fact]
    public async Task MergeCompanies_IsIdempotent_AndRefusesWhatWouldBreakTheChain()
    {
        var created = await cluster.Resolver.ResolveCompaniesAsync(
            [new(Domain: IdentityCluster.NewDomain()), new(Domain: IdentityCluster.NewDomain()), new(Domain: IdentityCluster.NewDomain())]);
        var (a, b, c) = (created[0].CompanyId!.Value, created[1].CompanyId!.Value, created[2].CompanyId!.Value);

        Assert.Equal(MergeStatus.Merged, (await cluster.Resolver.MergeCompaniesAsync(new(a, b, "admin"))).Status);
        Assert.Equal(MergeStatus.AlreadyMerged, (await cluster.Resolver.MergeCompaniesAsync(new(a, b, "admin"))).Status);
        Assert.Contains("survivor was merged", (await cluster.Resolver.MergeCompaniesAsync(new(b, c, "admin"))).Reason);
        Assert.Contains("already merged", (await cluster.Resolver.MergeCompaniesAsync(new(c, b, "admin"))).Reason);
        Assert.Contains("same entity", (await cluster.Resolver.MergeCompaniesAsync(new(a, a, "admin"))).Reason);
        Assert.Contains("does not exist", (await cluster.Resolver.MergeCompaniesAsync(new(Guid.NewGuid(), a, "admin"))).Reason);
        Assert.Contains("requested_by", (await cluster.Resolver.MergeCompaniesAsync(new(a, c, " "))).Reason);

        // A later merge of the survivor carries earlier tombstones along: b → a → c resolves to c.
        Assert.Equal(MergeStatus.Merged, (await cluster.Resolver.MergeCompaniesAsync(new(c, a, "admin"))).Status);
        var view = await cluster.Host.Grains.GetGrain<ICompanyGrain>(b).GetAsync();
        Assert.Equal((c, c, b), (view!.Id, view.MergedInto, view.RequestedId));
        Assert.Equal(1L, await cluster.ScalarAsync<long>(
            "SELECT count(*) FROM identity.outbox_events WHERE name = 'identity/company.merged' AND data->>'loser_id' = @b", ("b", b.ToString())));
    }

    [Fact]
    public async Task MergePersons_MovesEmails_AndTheLosersIdReturnsTheSurvivor()
    {
        var emails = (Survivor: $"s-{Guid.NewGuid():N}@gmail.com", Loser: $"l-{Guid.NewGuid():N}@gmail.com");
        var created = await cluster.Resolver.ResolvePersonsAsync([new(Email: emails.Survivor), new(Email: emails.Loser)]);
        var (survivor, loser) = (created[0].PersonId!.Value, created[1].PersonId!.Value);

        Assert.Equal(MergeStatus.Merged, (await cluster.Resolver.MergePersonsAsync(new(survivor, loser, "owner-team"))).Status);

        var view = await cluster.Host.Grains.GetGrain<IPersonGrain>(loser).GetAsync();
        Assert.Equal((survivor, survivor), (view!.Id, view.MergedInto));
        Assert.Equal(new[] { emails.Loser, emails.Survivor }.Order(), view.Emails);
        Assert.Equal(survivor, (await cluster.Resolver.FindPersonByEmailAsync(emails.Loser.ToUpperInvariant()))?.Id);
        Assert.Equal(survivor, (await cluster.Resolver.ResolvePersonsAsync([new(Email: emails.Loser)]))[0].PersonId);
    }
}
