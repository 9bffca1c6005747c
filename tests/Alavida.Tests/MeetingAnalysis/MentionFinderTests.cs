using Alavida.Grains.MeetingAnalysis;
using Microsoft.Extensions.Options;

namespace Alavida.Tests.MeetingAnalysis;

/// <summary>The mention finder on realistic calls: the exact companies, how each was found, and what must not count.</summary>
public sealed class MentionFinderTests
{
    [Fact]
    public void Discovery_FindsTheProspectByDomainNameAndUrl_TheCompaniesNamedWithLegalForms_AndNothingOfTheHostSide()
    {
        var found = MentionFinder.Find(SalesCalls.Discovery, SalesCalls.Known, SalesCalls.Ignored, []);

        Assert.Equal(SalesCalls.DiscoveryCompanies.Order(), Labels(found).Order());
        var acme = found.Candidates.Single(c => c.Domain == "acme-robotics.io");
        Assert.Equal(["email_domain", "legal_name", "url"], acme.Sources);
        Assert.Equal([1, 2], acme.Participants);
        Assert.Equal("Acme Robotics GmbH", acme.Name);
        Assert.Contains(SalesCalls.HostCompany, found.HostCompanyIds);
    }

    [Fact]
    public void Helpdesk_MatchesKnownNamesOnlyWhenDistinctive_AndDomainsOnlyWhenTheyAreSites()
    {
        var found = MentionFinder.Find(SalesCalls.Helpdesk, SalesCalls.Known, SalesCalls.Ignored, []);

        Assert.Equal(SalesCalls.HelpdeskCompanies.Order(), Labels(found).Order());
        Assert.Equal(["email_domain", "text_domain"], found.Candidates.Single(c => c.Domain == "contoso.co.uk").Sources);
        Assert.Equal(SalesCalls.Zendesk, found.Candidates.Single(c => c.Name == "Zendesk").CompanyId);
        Assert.Equal(["known_company"], found.Candidates.Single(c => c.CompanyId == SalesCalls.Northwind).Sources);
    }

    [Fact]
    public void Partners_ReadLegalFormsOfManyCountries_AndDropTheOrganizersCompanyNamedInText()
    {
        var found = MentionFinder.Find(SalesCalls.Partners, SalesCalls.Known, SalesCalls.Ignored, []);

        Assert.Equal(SalesCalls.PartnersCompanies.Order(), Labels(found).Order());
        Assert.Equal(["email_domain", "legal_name"], found.Candidates.Single(c => c.Domain == "globex-freight.de").Sources);
    }

    [Fact]
    public void TeamDomains_AreTheHostSide()
    {
        var found = MentionFinder.Find(SalesCalls.Helpdesk, KnownNames.Empty, SalesCalls.Ignored, ["acme.co.uk"]);

        Assert.DoesNotContain("acme.co.uk", Labels(found));
        Assert.Contains("contoso.co.uk", Labels(found));
    }

    [Theory]
    [InlineData("We met the team from Acme GmbH.", "Acme GmbH")]
    [InlineData("Yesterday Acme Robotics Ltd called us back.", "Acme Robotics Ltd")]
    [InlineData("Their parent, Orbis Group Holdings, Inc., owns it.", "Orbis Group Holdings, Inc.")]
    [InlineData("Bank of Lisbon S.A. is the lender.", "Bank of Lisbon S.A.")]
    [InlineData("We signed with Studio 54 GmbH yesterday.", "Studio 54 GmbH")]
    [InlineData("In 2024 Ltd. was a word, not a name.", null)]
    [InlineData("check https://www.acme-robotics.io/pricing today", "acme-robotics.io")]
    [InlineData("the site is shop.acme.co.uk/en.", "acme.co.uk")]
    [InlineData("Inc. and Ltd. alone are not companies.", null)]
    [InlineData("we do it as usual, se habla español, ab initio", null)]
    [InlineData("see deck.pdf, notes.md, release v2.0, main.py and VB.NET", null)]
    [InlineData("the answer is AS IS", null)]
    public void OneSentence_GivesExactlyTheCompanyItNames(string text, string? company)
    {
        var meeting = SalesCalls.Discovery with
        {
            Participants = [], OrganizerEmail = null,
            Segments = [new Grains.Meetings.TranscriptSegment("Ana", text, 0, 1)],
        };

        var labels = Labels(MentionFinder.Find(meeting, KnownNames.Empty, SalesCalls.Ignored, []));

        Assert.Equal(company is null ? [] : [company], labels);
    }

    [Fact]
    public void Intents_NameTheirPhraseAndSnippet()
    {
        var rules = new IntentRules(Options.Create(new MeetingAnalysisOptions()));
        var snippets = new[]
        {
            new Snippet("Tom", 12, "Honestly the manual process for slotting is a bottleneck."),
            new Snippet("Tom", 84, "We have budget approved for Q3, and we want to go live by September. Send the proposal to procurement."),
        };

        var intents = rules.Detect(snippets);

        Assert.Equal(["pain", "timeline", "budget", "next_step"], intents.Select(i => i.Intent));
        Assert.Equal(("manual process", 0), (intents[0].Phrase, intents[0].Snippet));
        Assert.Equal(("send the proposal", 1), (intents[3].Phrase, intents[3].Snippet));
        Assert.Empty(rules.Detect([new Snippet("Ana", 1, "No problem, see you then.")]));
    }

    private static List<string> Labels(FoundCompanies found) => [.. found.Candidates.Select(c => c.Domain ?? c.Name!)];
}
