using Alavida.Grains.Identity;
using Alavida.Grains.Identity.Rules;

namespace Alavida.Tests.Identity;

[Collection(IdentityCollection.Name)]
public sealed class PersonResolutionTests(IdentityCluster cluster)
{
    [Fact]
    public async Task ResolvePersons_ByWorkEmail_CreatesThePerson_AndLinksTheCompany()
    {
        var domain = IdentityCluster.NewDomain();
        var results = await cluster.Resolver.ResolvePersonsAsync([new(Email: $"Jane.Doe@{domain}", Name: "Dr. Jane Doe")], "crm");

        var person = results[0];
        var company = (await cluster.Resolver.ResolveCompaniesAsync([new(Domain: domain)]))[0];
        Assert.Equal((ResolutionStatus.Created, "work_email", 0.95), (person.Status, person.Evidence, person.Confidence));
        Assert.Equal(DeterministicIds.Person(new IdentityKey("email", $"jane.doe@{domain}")), person.PersonId);
        Assert.Equal((ResolutionStatus.Matched, person.CompanyId), (company.Status, company.CompanyId));
        var view = await cluster.Host.Grains.GetGrain<IPersonGrain>(person.PersonId!.Value).GetAsync();
        Assert.Equal(("Jane Doe", "Jane", "Doe", company.CompanyId), (view!.FullName, view.GivenName, view.FamilyName, view.CurrentCompanyId));
        Assert.Equal([$"jane.doe@{domain}"], view.Emails);
    }

    [Fact]
    public async Task ResolvePersons_GmailVariants_AreOnePerson()
    {
        var local = $"jane{Guid.NewGuid():N}";
        var results = await cluster.Resolver.ResolvePersonsAsync(
            [new(Email: $"{local}@gmail.com"), new(Email: $"{local[..2]}.{local[2..]}+news@googlemail.com"), new(Email: $"{local.ToUpperInvariant()}@GMail.com")]);

        Assert.Single(results.Select(r => r.PersonId).Distinct());
        Assert.All(results, r => Assert.Equal("personal_email", r.Evidence));
        Assert.All(results, r => Assert.Null(r.CompanyId));
    }

    [Fact]
    public async Task ResolvePersons_LinkedInFirst_ThenAttachesTheEmail()
    {
        var slug = $"jane-{Guid.NewGuid():N}";
        var email = $"jane@{IdentityCluster.NewDomain()}";
        var byEmail = (await cluster.Resolver.ResolvePersonsAsync([new(Email: email)]))[0];

        var both = (await cluster.Resolver.ResolvePersonsAsync([new(LinkedInUrl: $"https://www.linkedin.com/in/{slug}/", Email: email)]))[0];
        var bySlug = (await cluster.Resolver.ResolvePersonsAsync([new(LinkedInUrl: slug)]))[0];

        Assert.Equal((ResolutionStatus.Matched, byEmail.PersonId, "work_email"), (both.Status, both.PersonId, both.Evidence));
        Assert.Equal((ResolutionStatus.Matched, byEmail.PersonId, "linkedin"), (bySlug.Status, bySlug.PersonId, bySlug.Evidence));
        Assert.Equal(byEmail.PersonId, (await cluster.Resolver.FindPersonByLinkedInAsync($"linkedin.com/in/{slug}"))?.Id);
    }

    [Fact]
    public async Task ResolvePersons_ByNameAndCompany_MatchesOnlyWhenUnique()
    {
        var domain = IdentityCluster.NewDomain();
        var first = (await cluster.Resolver.ResolvePersonsAsync([new(Email: $"jsmith@{domain}", Name: "John Smith")]))[0];

        var unique = (await cluster.Resolver.ResolvePersonsAsync([new(Name: "Smith, John", CompanyDomain: $"www.{domain}")]))[0];
        await cluster.Resolver.ResolvePersonsAsync([new(Email: $"john.smith@{domain}", Name: "Mr John Smith")]);
        var ambiguous = (await cluster.Resolver.ResolvePersonsAsync([new(Name: "John Smith", CompanyDomain: domain)]))[0];
        var newName = (await cluster.Resolver.ResolvePersonsAsync([new(Name: "Ada Lovelace", CompanyDomain: domain)]))[0];

        Assert.Equal((ResolutionStatus.Matched, first.PersonId, "name+company"), (unique.Status, unique.PersonId, unique.Evidence));
        Assert.Equal(ResolutionStatus.Ambiguous, ambiguous.Status);
        Assert.Equal(2, ambiguous.Candidates.Count);
        Assert.Contains(first.PersonId!.Value, ambiguous.Candidates);
        Assert.Equal((ResolutionStatus.Created, first.CompanyId), (newName.Status, newName.CompanyId));
    }

    [Fact]
    public async Task ResolvePersons_RejectsRoleDisposableAndNameOnlyInputs_WithAReason()
    {
        PersonInput[] inputs =
        [
            new(Email: $"info@{IdentityCluster.NewDomain()}"),
            new(Email: "someone@mailinator.com"),
            new(Name: "Jane Doe"),
            new(Name: "Jane Doe", CompanyDomain: "gmail.com"),
            new(Email: new string('a', 10_240) + "@acme.com"),
            new(LinkedInUrl: "https://www.linkedin.com/company/acme"),
            new(Email: "not-an-email"),
            new(),
        ];

        var results = await cluster.Resolver.ResolvePersonsAsync(inputs);

        Assert.All(results, r => Assert.Equal(ResolutionStatus.Rejected, r.Status));
        Assert.Contains("role address", results[0].Reason);
        Assert.Contains("disposable", results[1].Reason);
        Assert.Contains("only together with", results[2].Reason);
        Assert.Contains("free-mail", results[3].Reason);
        Assert.Contains("longer than", results[4].Reason);
        Assert.Contains("/in/", results[5].Reason);
    }
}
