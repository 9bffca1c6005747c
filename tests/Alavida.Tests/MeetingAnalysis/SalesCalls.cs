using System.Collections.Frozen;
using Alavida.Grains.MeetingAnalysis;
using Alavida.Grains.Meetings;

namespace Alavida.Tests.MeetingAnalysis;

/// <summary>Realistic sales calls for the mention finder: each with the exact companies it is about.</summary>
public static class SalesCalls
{
    public static readonly Guid HostCompany = new("00000000-0000-4000-8000-0000000000b1");
    public static readonly Guid Zendesk = new("00000000-0000-4000-8000-0000000000c1");
    public static readonly Guid Northwind = new("00000000-0000-4000-8000-0000000000c2");

    public static readonly FrozenSet<string> Ignored = new MeetingAnalysisOptions().IgnoredDomains.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>The team's companies: two common words, two distinctive names, and the host's own company.</summary>
    public static readonly KnownNames Known = new([
        new(new Guid("00000000-0000-4000-8000-0000000000a1"), "apple", "Apple"),
        new(new Guid("00000000-0000-4000-8000-0000000000a2"), "signal", "Signal"),
        new(Zendesk, "zendesk", "Zendesk"),
        new(Northwind, "northwind traders", "Northwind Traders"),
        new(HostCompany, "brightwave", "Brightwave"),
    ]);

    private static TranscriptSegment S(string speaker, double start, string text) => new(speaker, text, start, start + 5);

    private static MeetingParticipant P(string name, string? email, string? role = null, Guid? companyId = null, string? company = null) =>
        new(name, email, null, company, role) { CompanyId = companyId };

    /// <summary>Discovery call: a prospect named by domain, legal name and URL; competitors in passing; host, free mail, file names.</summary>
    public static readonly AnalysisMeeting Discovery = new(Guid.NewGuid(), "h1", DateTimeOffset.Parse("2026-03-04T15:00:00Z"), "maya@brightwave.io",
        [P("Maya Chen", "maya@brightwave.io", "host", HostCompany), P("Tom Becker", "tom.becker@acme-robotics.io", "guest"),
         P("Priya Nair", "priya@acme-robotics.io", "guest"), P("Leo Free", "leo.free77@gmail.com", "guest")],
        [
            S("Maya Chen", 0, "Thanks for joining. Before we start, the deck.pdf and our v2.0 notes are in notes.md, and the invite is on zoom.us as usual."),
            S("Tom Becker", 12, "Sure. So at Acme Robotics GmbH we run twelve warehouses, and honestly the manual process for slotting is a bottleneck."),
            S("Tom Becker", 31, "We currently use Kardex Systems AG for the shuttles, and we looked at Stackwise Inc. last year."),
            S("Priya Nair", 48, "Our pricing page is https://www.acme-robotics.io/pricing if you need the tiers, and our parent is Nordlicht Holding S.à r.l. in Luxembourg."),
            S("Maya Chen", 70, "Brightwave can integrate in about six weeks. What budget do you have for this?"),
            S("Tom", 84, "We have budget approved for Q3, and we want to go live by September. Send the proposal to procurement."),
            S("Leo Free", 101, "I'm an independent consultant; I worked with Lumen Analytics Ltd before."),
            S("Maya Chen", 115, "Great. I'll follow up with a pilot plan. Inc. is not a name, and The Ltd is nothing either."),
        ]);

    public static readonly string[] DiscoveryCompanies =
        ["acme-robotics.io", "Kardex Systems AG", "Stackwise Inc.", "Nordlicht Holding S.à r.l.", "Lumen Analytics Ltd"];

    /// <summary>Support-tool call: known names (and common words that must not match), domains in text, free mail in text, a German legal form with dots and ampersands.</summary>
    public static readonly AnalysisMeeting Helpdesk = new(Guid.NewGuid(), "h2", DateTimeOffset.Parse("2026-03-05T09:00:00Z"), "sam@brightwave.io",
        [P("Sam Ortiz", "sam@brightwave.io", "host", HostCompany), P("Ana Silva", "ana@contoso.co.uk", "guest")],
        [
            S("Ana Silva", 3, "We buy apple juice for the office, and signal strength is bad in the warehouse."),
            S("Ana Silva", 9, "Apple laptops are fine. Signal is what my team chats on."),
            S("Ana Silva", 15, "Our helpdesk runs on Zendesk today, and northwind traders is our distributor."),
            S("Ana Silva", 26, "You can see the catalogue at acme.co.uk and the status page at status.contoso.co.uk."),
            S("Sam Ortiz", 40, "Brightwave pricing starts per seat. Links like example.com or ASP.NET docs don't count, nor does Node.js."),
            S("Ana Silva", 55, "We compared Freshdesk vs Zendesk, and talked to Müller & Söhne GmbH & Co. KG about the rollout."),
            S("Ana Silva", 70, "Email me at ana@contoso.co.uk or my colleague at j.doe@gmail.com."),
        ]);

    public static readonly string[] HelpdeskCompanies = ["contoso.co.uk", "acme.co.uk", "Zendesk", "Northwind Traders", "Müller & Söhne GmbH & Co. KG"];

    /// <summary>Partner call in one long segment: legal forms of many countries, with slashes, dots and spaces.</summary>
    public static readonly AnalysisMeeting Partners = new(Guid.NewGuid(), "h3", DateTimeOffset.Parse("2026-03-06T09:00:00Z"), "lisa@brightwave.io",
        [P("Lisa Berg", "lisa@brightwave.io"), P("Bob Kramer", "bob@globex-freight.de")],
        [
            S("Bob Kramer", 5, "We partner with Danske Fragt A/S in Copenhagen, Tehnika d.o.o. in Ljubljana, Kowalski Sp. z o.o. in Warsaw, Ferretti S.p.A., " +
                               "Sakura Trading K.K., Booking Partners B.V. and Atlas Mining Pty Ltd."),
            S("Bob Kramer", 30, "Yesterday Globex Freight GmbH signed, and Brightwave GmbH sent the contract. We use it AS IS, as agreed."),
        ]);

    public static readonly string[] PartnersCompanies =
        ["globex-freight.de", "Danske Fragt A/S", "Tehnika d.o.o.", "Kowalski Sp. z o.o.", "Ferretti S.p.A.", "Sakura Trading K.K.", "Booking Partners B.V.", "Atlas Mining Pty Ltd."];
}
