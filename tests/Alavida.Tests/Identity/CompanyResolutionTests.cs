using Alavida.Grains.Identity;
using Alavida.Grains.Identity.Rules;

namespace Alavida.Tests.Identity;

[Collection(IdentityCollection.Name)]
public sealed class CompanyResolutionTests(IdentityCluster cluster)
{
    [Fact]
    public async Task ResolveCompanies_ReturnsOneResultPerInput_InInputOrder()
    {
        var domain = IdentityCluster.NewDomain();
        var slug = $"acme-{Guid.NewGuid():N}";
        CompanyInput[] inputs =
        [
            new(Domain: $"https://www.{domain}/about", Name: "Acme Widgets, Inc."),
            new(Domain: ""),
            new(Domain: "gmail.com"),
            new(LinkedInUrl: $"https://www.linkedin.com/company/{slug}/"),
            new(Domain: $"shop.{domain}"),
        ];

        var results = await cluster.Resolver.ResolveCompaniesAsync(inputs, "test");

        Assert.Equal([0, 1, 2, 3, 4], results.Select(r => r.Index));
        Assert.All(results, r => Assert.Equal(IdentityRules.Version, r.RulesVersion));
        var created = results[0];
        Assert.Contains(created.Status, new[] { ResolutionStatus.Created, ResolutionStatus.Matched });
        Assert.Equal(DeterministicIds.Company(new IdentityKey("domain", domain)), created.CompanyId);
        Assert.Equal(("domain", 0.99), (created.Evidence, created.Confidence));
        Assert.Equal((ResolutionStatus.Rejected, "no domain, name or linkedin_url given"), (results[1].Status, results[1].Reason));
        Assert.Equal(ResolutionStatus.Rejected, results[2].Status);
        Assert.Contains("free-mail", results[2].Reason);
        Assert.Equal((ResolutionStatus.Created, "linkedin"), (results[3].Status, results[3].Evidence));
        Assert.Equal(created.CompanyId, results[4].CompanyId);
        Assert.Equal(1, results.Take(5).Count(r => r.Status == ResolutionStatus.Created && r.CompanyId == created.CompanyId));
    }

    [Fact]
    public async Task ResolveCompanies_MatchesTheSameId_OnEveryLaterCall_AndPersistsTheCompany()
    {
        var domain = IdentityCluster.NewDomain();
        var first = (await cluster.Resolver.ResolveCompaniesAsync([new(Domain: domain, Name: "Müller GmbH", Country: "de")], "crm"))[0];
        var again = (await cluster.Resolver.ResolveCompaniesAsync([new(Domain: $"http://WWW.{domain.ToUpperInvariant()}:8080/x")]))[0];

        Assert.Equal(ResolutionStatus.Created, first.Status);
        Assert.Equal((ResolutionStatus.Matched, first.CompanyId), (again.Status, again.CompanyId));
        var view = await cluster.Host.Grains.GetGrain<ICompanyGrain>(first.CompanyId!.Value).GetAsync();
        Assert.NotNull(view);
        Assert.Equal(("Müller", "gmbh", "DE", null), (view.DisplayName, view.LegalForm, view.Country, view.MergedInto));
        Assert.Equal([domain], view.Domains);
        Assert.Equal(["crm"], view.Sources);
        var row = await cluster.ScalarAsync<string>(
            "SELECT display_name || '|' || legal_form || '|' || country FROM identity.companies WHERE id = @id", ("id", first.CompanyId!.Value));
        Assert.Equal("Müller|gmbh|DE", row);
        Assert.Equal(first.CompanyId, (await cluster.Resolver.FindCompanyByDomainAsync($"https://{domain}/"))?.Id);
    }

    [Fact]
    public async Task Provenance_KeepsTheFirstSources_AndLaterSourcesWriteNothing()
    {
        var domain = IdentityCluster.NewDomain();
        Guid? id = null;
        for (var job = 0; job < Grains.Identity.Data.EntityStore<object, object>.MaxSources + 4; job++)
        {
            id = (await cluster.Resolver.ResolveCompaniesAsync([new(Domain: domain)], $"job:{job}"))[0].CompanyId;
        }

        var sources = await cluster.ScalarAsync<string[]>("SELECT sources FROM identity.companies WHERE id = @id", ("id", id!.Value));
        Assert.Equal(Enumerable.Range(0, Grains.Identity.Data.EntityStore<object, object>.MaxSources).Select(j => $"job:{j}"), sources);
        var updated = await cluster.ScalarAsync<DateTime>("SELECT updated_at FROM identity.companies WHERE id = @id", ("id", id.Value));
        await cluster.Resolver.ResolveCompaniesAsync([new(Domain: domain)], "job:another");
        Assert.Equal(updated, await cluster.ScalarAsync<DateTime>("SELECT updated_at FROM identity.companies WHERE id = @id", ("id", id.Value)));
    }

    [Fact]
    public async Task ResolveCompanies_LinksALinkedInSlug_ToTheCompanyOfItsDomain()
    {
        var domain = IdentityCluster.NewDomain();
        var slug = $"co-{Guid.NewGuid():N}";
        var byLinkedIn = (await cluster.Resolver.ResolveCompaniesAsync([new(LinkedInUrl: $"linkedin.com/company/{slug}")]))[0];

        var both = (await cluster.Resolver.ResolveCompaniesAsync([new(Domain: domain, LinkedInUrl: slug)]))[0];
        var byDomain = (await cluster.Resolver.ResolveCompaniesAsync([new(Domain: domain)]))[0];

        Assert.Equal((ResolutionStatus.Matched, "linkedin", byLinkedIn.CompanyId), (both.Status, both.Evidence, both.CompanyId));
        Assert.Equal((ResolutionStatus.Matched, byLinkedIn.CompanyId), (byDomain.Status, byDomain.CompanyId));
        var view = await cluster.Resolver.FindCompanyByLinkedInAsync($"https://www.linkedin.com/company/{slug}/about");
        Assert.Equal((byLinkedIn.CompanyId, slug), (view?.Id, view?.LinkedInSlug));
        Assert.Equal([domain], view!.Domains);
    }

    [Fact]
    public async Task ResolveCompanies_ReportsAmbiguity_InsteadOfGuessing_AndUsesCountryToNarrow()
    {
        var name = $"Globex {Guid.NewGuid():N}";
        var us = (await cluster.Resolver.ResolveCompaniesAsync([new(Domain: IdentityCluster.NewDomain(), Name: $"{name} Inc.", Country: "US")]))[0];
        var fr = (await cluster.Resolver.ResolveCompaniesAsync([new(Domain: IdentityCluster.NewDomain(), Name: $"{name} SA", Country: "FR")]))[0];

        var results = await cluster.Resolver.ResolveCompaniesAsync([new(Name: name), new(Name: $"{name.ToUpperInvariant()}, INC", Country: "us")]);

        Assert.Equal(ResolutionStatus.Ambiguous, results[0].Status);
        Assert.Null(results[0].CompanyId);
        Assert.Equal(new[] { us.CompanyId!.Value, fr.CompanyId!.Value }.Order(), results[0].Candidates);
        Assert.Equal((ResolutionStatus.Matched, us.CompanyId, "name+country", 0.8), (results[1].Status, results[1].CompanyId, results[1].Evidence, results[1].Confidence));
    }

    [Fact]
    public async Task ResolveCompanies_CreatesFromAUniqueNewName_ThenMatchesIt()
    {
        var name = $"Initech {Guid.NewGuid():N} LLC";

        var first = (await cluster.Resolver.ResolveCompaniesAsync([new(Name: name)]))[0];
        var second = (await cluster.Resolver.ResolveCompaniesAsync([new(Name: name.Replace(" LLC", ""))]))[0];

        Assert.Equal((ResolutionStatus.Created, "name"), (first.Status, first.Evidence));
        Assert.Equal((ResolutionStatus.Matched, first.CompanyId), (second.Status, second.CompanyId));
    }

    [Fact]
    public async Task ResolveCompanies_RejectsBadInputs_WithAReason_NeverACrash()
    {
        CompanyInput[] inputs =
        [
            new(),
            new(Domain: "   "),
            new(Domain: new string('x', 10_240)),
            new(Name: new string('n', 10_240)),
            new(Domain: "http://exa mple.com"),
            new(Domain: "not a url at all"),
            new(Domain: "::::"),
            new(Domain: "🙂.🙂"),
            new(Domain: "co.uk"),
            new(LinkedInUrl: "https://www.linkedin.com/in/a-person"),
            new(LinkedInUrl: "https://evil.example/company/acme"),
            new(Name: "🙂🙂🙂"),
            new(Name: "---"),
            new(Name: "Acme \ud800 Inc"),
            new(Domain: "acme\udc00.com"),
            new(Domain: IdentityCluster.NewDomain(), Country: "Germany"),
            new(Domain: "mailinator.com"),
            new(Domain: "https://t.co/xyz"),
        ];

        var results = await cluster.Resolver.ResolveCompaniesAsync(inputs);

        Assert.Equal(inputs.Length, results.Count);
        Assert.All(results, r =>
        {
            Assert.Equal(ResolutionStatus.Rejected, r.Status);
            Assert.False(string.IsNullOrWhiteSpace(r.Reason));
            Assert.Null(r.CompanyId);
        });
    }

    [Fact]
    public async Task ResolveCompanies_AcceptsNonLatinNamesAndDomains()
    {
        var results = await cluster.Resolver.ResolveCompaniesAsync(
            [new(Name: $"Яндекс {Guid.NewGuid():N} ООО"), new(Domain: $"пример-{Guid.NewGuid():N}.рф")]);

        Assert.All(results, r => Assert.Equal(ResolutionStatus.Created, r.Status));
    }

    [Fact]
    public async Task Lookups_OfUnknownIdsAndKeys_ReturnNull()
    {
        Assert.Null(await cluster.Host.Grains.GetGrain<ICompanyGrain>(Guid.NewGuid()).GetAsync());
        Assert.Null(await cluster.Host.Grains.GetGrain<IPersonGrain>(Guid.NewGuid()).GetAsync());
        Assert.Null(await cluster.Resolver.FindCompanyByDomainAsync(IdentityCluster.NewDomain()));
        Assert.Null(await cluster.Resolver.FindCompanyByDomainAsync("gmail.com"));
        Assert.Null(await cluster.Resolver.FindCompanyByLinkedInAsync("not a url"));
        Assert.Null(await cluster.Resolver.FindPersonByEmailAsync("info@acme.com"));
    }

    [Fact]
    public async Task ResolveCompanies_RefusesMoreThanTheBatchLimit()
    {
        var inputs = Enumerable.Range(0, IdentityLimits.MaxBatchSize + 1).Select(i => new CompanyInput(Domain: $"x{i}.com")).ToList();

        await Assert.ThrowsAsync<ArgumentException>(() => cluster.Resolver.ResolveCompaniesAsync(inputs));
    }
}
