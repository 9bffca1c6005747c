using Alavida.Grains.Identity.Rules;

namespace Alavida.Tests.Identity;

/// <summary>Golden vectors: emails and LinkedIn URLs to their canonical keys.</summary>
public sealed class EmailAndLinkedInRulesTests
{
    [Theory]
    [InlineData("Jane.Doe@Acme.com", "jane.doe@acme.com", true, "acme.com")]
    [InlineData("jane.doe+news@acme.com", "jane.doe+news@acme.com", true, "acme.com")]
    [InlineData("jane@mail.acme.co.uk", "jane@mail.acme.co.uk", true, "acme.co.uk")]
    [InlineData("J.a.n.e.Doe+promo@gmail.com", "janedoe@gmail.com", false, null)]
    [InlineData("janedoe@googlemail.com", "janedoe@gmail.com", false, null)]
    [InlineData("JaneDoe@GMAIL.COM", "janedoe@gmail.com", false, null)]
    [InlineData("jane.doe+x@outlook.com", "jane.doe@outlook.com", false, null)]
    [InlineData("jane.doe+x@icloud.com", "jane.doe@icloud.com", false, null)]
    [InlineData("jane.doe-x@yahoo.com", "jane.doe-x@yahoo.com", false, null)]
    [InlineData("mailto:jane@acme.com", "jane@acme.com", true, "acme.com")]
    [InlineData("jane@bücher.de", "jane@xn--bcher-kva.de", true, "xn--bcher-kva.de")]
    [InlineData("someone@linkedin.com", "someone@linkedin.com", true, null)]
    public void Email_IsNormalized_PerProvider(string input, string address, bool isWork, string? companyDomain)
    {
        var result = EmailRules.Normalize(input).Value!;

        Assert.Equal(address, result.Address);
        Assert.Equal(isWork, result.IsWork);
        Assert.Equal(companyDomain, result.CompanyDomain);
    }

    [Theory]
    [InlineData("info@acme.com", "role address")]
    [InlineData("Sales@acme.com", "role address")]
    [InlineData("no-reply@acme.com", "role address")]
    [InlineData("support+ticket@acme.com", "role address")]
    [InlineData("jane@mailinator.com", "disposable")]
    [InlineData("jane@10minutemail.com", "disposable")]
    [InlineData("jane", "not a valid address")]
    [InlineData("jane@@acme.com", "not a valid address")]
    [InlineData("@acme.com", "not a valid address")]
    [InlineData("jane..doe@acme.com", "invalid local part")]
    [InlineData("jane@acme", "invalid domain")]
    [InlineData("jane@acme.com/x", "invalid domain")]
    [InlineData("джейн@", "not a valid address")]
    public void Email_IsRejectedWithAReason(string input, string reason) =>
        Assert.Contains(reason, EmailRules.Normalize(input).Rejection);

    [Theory]
    [InlineData("https://www.linkedin.com/company/acme-inc/", "acme-inc")]
    [InlineData("http://linkedin.com/company/Acme-Inc/about/?trk=x", "acme-inc")]
    [InlineData("uk.linkedin.com/company/acme", "acme")]
    [InlineData("https://www.linkedin.com/company/acme%C3%A9", "acmeé")]
    [InlineData("/company/acme", "acme")]
    [InlineData("acme-inc", "acme-inc")]
    public void LinkedInCompany_IsTheSlug(string input, string slug) =>
        Assert.Equal(slug, LinkedInRules.CompanySlug(input).Value);

    [Theory]
    [InlineData("https://www.linkedin.com/in/jane-doe-123/", "jane-doe-123")]
    [InlineData("linkedin.com/in/Jane-Doe", "jane-doe")]
    [InlineData("https://de.linkedin.com/in/jane-doe?originalSubdomain=de", "jane-doe")]
    [InlineData("https://www.linkedin.com/in/jane-doe/details/experience/", "jane-doe")]
    [InlineData("jane-doe", "jane-doe")]
    public void LinkedInProfile_IsTheSlug(string input, string slug)
    {
        Assert.Equal(slug, LinkedInRules.PersonSlug(input).Value);
        Assert.Equal($"https://www.linkedin.com/in/{slug}", LinkedInRules.PersonUrl(slug));
    }

    [Theory]
    [InlineData("https://www.linkedin.com/in/jane-doe", "/company/")]
    [InlineData("https://twitter.com/company/acme", "not a linkedin.com URL")]
    [InlineData("https://www.linkedin.com/company/", "/company/")]
    [InlineData("https://www.linkedin.com/company/a b", "no valid LinkedIn slug")]
    [InlineData("acme inc!", "no valid LinkedIn slug")]
    public void LinkedInCompany_IsRejectedWithAReason(string input, string reason) =>
        Assert.Contains(reason, LinkedInRules.CompanySlug(input).Rejection);

    [Fact]
    public void DeterministicIds_AreUuidV5_AndStable()
    {
        // RFC 9562 test vector: UUIDv5 of "www.example.com" in the DNS namespace.
        var dns = new Guid("6ba7b810-9dad-11d1-80b4-00c04fd430c8");
        Assert.Equal(new Guid("2ed6657d-e927-568b-95e1-2665a8aea6a2"), DeterministicIds.Create(dns, "www.example.com"));
        Assert.Equal(DeterministicIds.Company(new IdentityKey("domain", "acme.com")), DeterministicIds.Company(new IdentityKey("domain", "acme.com")));
        Assert.NotEqual(DeterministicIds.Company(new IdentityKey("domain", "acme.com")), DeterministicIds.Person(new IdentityKey("domain", "acme.com")));
    }
}
