using System.Collections.Frozen;
using Alavida.Grains.MeetingAnalysis;
using Alavida.Grains.Meetings;

namespace Alavida.Tests.MeetingAnalysis;

/// <summary>
/// A second set of sales calls, written apart from the finder (by another engineer, after it was built): mention
/// precision and recall over all of them, and the exact set of each, so a change that trades one call for another shows.
/// </summary>
public sealed class MentionQualityTests
{
    private static readonly FrozenSet<string> Ignored = new MeetingAnalysisOptions().IgnoredDomains.ToFrozenSet(StringComparer.Ordinal);
    private static readonly Guid Host = new("00000000-0000-4000-8000-0000000000d1");
    private static readonly Guid Datadog = new("00000000-0000-4000-8000-0000000000d2");
    private static readonly Guid Wolt = new("00000000-0000-4000-8000-0000000000d3");

    /// <summary>Companies the team already resolved: one distinctive, one short, one a common word, the host's own.</summary>
    private static readonly KnownNames Known = new([
        new(Datadog, "datadog", "Datadog"),
        new(Wolt, "wolt enterprises", "Wolt Enterprises"),
        new(new Guid("00000000-0000-4000-8000-0000000000d4"), "amazon", "Amazon"),
        new(new Guid("00000000-0000-4000-8000-0000000000d5"), "target", "Target"),
        new(Host, "quillpoint", "Quillpoint"),
    ]);

    private static TranscriptSegment S(string speaker, double start, string text) => new(speaker, text, start, start + 8);

    private static MeetingParticipant P(string name, string? email, string? role = null, Guid? companyId = null, string? company = null) =>
        new(name, email, null, company, role) { CompanyId = companyId };

    private static readonly Dictionary<string, (AnalysisMeeting Meeting, string[] Expected)> Corpus = new()
    {
        // A logistics discovery call: the prospect by email and website, its subsidiaries by legal form, a competitor by URL.
        ["logistics"] = (new(Guid.NewGuid(), "q1", DateTimeOffset.Parse("2026-05-12T14:00:00Z"), "irene@quillpoint.com",
            [P("Irene Vogt", "irene@quillpoint.com", "host", Host), P("Marco Bianchi", "m.bianchi@trasporti-rapidi.it", "guest"),
             P("Giulia Romano", "giulia.romano@trasporti-rapidi.it", "guest"), P("Karl Huber", "karl@quillpoint.com")],
            [
                S("Irene Vogt", 0, "Good afternoon everyone. Karl from our solutions team is on as well. Can you hear me OK?"),
                S("Marco Bianchi", 9, "Yes, fine. So, Trasporti Rapidi S.r.l. runs about four hundred trucks, mostly in the north of Italy."),
                S("Marco Bianchi", 24, "Our Swiss arm, Rapidi Logistik AG in Lugano, has its own dispatch, and that's where the pain is."),
                S("Giulia Romano", 41, "We trialled a tool from routeplanr.com last spring, but the pricing was per vehicle, which killed it for us."),
                S("Irene Vogt", 60, "That's helpful. Quillpoint prices per depot. Did you look at anyone else, e.g. the big TMS vendors?"),
                S("Giulia Romano", 75, "Our auditors at Ernst Partners LLP suggested Oracle, but it's overkill. Budget is about 80k for next year."),
                S("Karl Huber", 92, "Understood. I'll send a pilot plan by Thursday, around 10 a.m. your time."),
            ]),
            ["trasporti-rapidi.it", "Rapidi Logistik AG", "routeplanr.com", "Ernst Partners LLP"]),

        // A renewal call with an APAC customer: Japanese, Korean, Australian and Indian legal forms; known names; traps.
        ["renewal"] = (new(Guid.NewGuid(), "q2", DateTimeOffset.Parse("2026-06-02T01:00:00Z"), "tom@quillpoint.com",
            [P("Tom Hale", "tom@quillpoint.com", "host", Host), P("Aiko Tanaka", "a-tanaka@hoshino-denki.co.jp", "guest"),
             P("Raj Mehta", "raj.mehta@outlook.com", "guest", company: "Mehta Advisory")],
            [
                S("Tom Hale", 0, "Thanks for staying late, Aiko. Raj, good to have you as well."),
                S("Aiko Tanaka", 6, "No problem. Hoshino Denki Co., Ltd. renews in July, and our Korean partner Daehan Parts Co., Ltd. wants seats too."),
                S("Aiko Tanaka", 22, "We also moved monitoring to Datadog this year, so the integration matters."),
                S("Raj Mehta", 38, "From the Indian side, Sundaram Textiles Private Limited and Kaveri Foods Pvt. Ltd. are on the same contract."),
                S("Tom Hale", 55, "Got it. And the Australian entity, Southern Cross Mining Pty. Ltd., stays on the old plan?"),
                S("Aiko Tanaka", 67, "Yes. We hit our target for Q2, so the budget is fine. Please send the quote."),
                S("Tom Hale", 80, "Will do. The agenda is in agenda.docx and the recording goes to our S3 bucket, files like call-0602.mp4."),
            ]),
            ["hoshino-denki.co.jp", "Daehan Parts Co., Ltd.", "Datadog", "Sundaram Textiles Private Limited", "Kaveri Foods Pvt. Ltd.", "Southern Cross Mining Pty. Ltd."]),

        // A partner-channel call in a VTT-like style: Nordic, Dutch, French, Spanish, Brazilian and US forms, a web address
        // without a scheme and with a path, emails spoken in text, the host's company named with its legal form.
        ["channel"] = (new(Guid.NewGuid(), "q3", DateTimeOffset.Parse("2026-06-10T08:30:00Z"), "sofia@quillpoint.com",
            [P("Sofia Lind", "sofia@quillpoint.com", "host", Host), P("Pieter de Vries", "pieter@vanderberg.nl", "guest"),
             P("Ana Costa", "ana.costa@gmail.com", "guest")],
            [
                S("Sofia Lind", 0, "Welcome. For the record, Quillpoint Inc. is the contracting party on our side."),
                S("Pieter de Vries", 7, "Van der Berg Distributie B.V. resells in Benelux; in the Nordics we work with Nordkraft Oy and Fjellvind AS."),
                S("Pieter de Vries", 25, "In France it's Atelier Lumière SAS, and in Spain Hermanos García S.L. handles the installs."),
                S("Ana Costa", 44, "In Brazil I consult for Pedra Azul Mineração Ltda., and their tender is on pedraazul.com.br/licitacoes until March."),
                S("Ana Costa", 60, "For the US, Bluegrass Analytics, LLC asked for a demo; write to procurement@bluegrass-analytics.com."),
                S("Sofia Lind", 78, "Perfect. We evaluate partners on pipeline, so next step is a joint account plan. Our terms are at quillpoint.com/partners."),
            ]),
            ["vanderberg.nl", "Nordkraft Oy", "Fjellvind AS", "Atelier Lumière SAS", "Hermanos García S.L.", "pedraazul.com.br",
             "bluegrass-analytics.com"]),

        // A noisy technical call: version numbers, file names, abbreviations with dots, tool domains that are ignored,
        // and names a common word shares with a known company.
        ["technical"] = (new(Guid.NewGuid(), "q4", DateTimeOffset.Parse("2026-07-01T16:00:00Z"), "dev@quillpoint.com",
            [P("Dev Patel", "dev@quillpoint.com", "host", Host), P("Lena Fischer", "lena.fischer@kronberg-bank.de", "guest"),
             P("Ole Jensen", "ole@kronberg-bank.de", "guest")],
            [
                S("Lena Fischer", 0, "We're on version 3.2.1 of the SDK, i.e. the one before the breaking change, and Node.js 20 on the workers."),
                S("Ole Jensen", 15, "The config lives in settings.json and the runbook in README.md; the U.S. team uses ASP.NET, not us."),
                S("Lena Fischer", 30, "Logs go to Datadog and traces too. Wolt Enterprises had the same setup, Dr. Weber told us."),
                S("Dev Patel", 48, "Makes sense. Our docs are on docs.google.com for now, and the invite was on zoom.us. Any concerns on security?"),
                S("Ole Jensen", 60, "Our regulator BaFin will ask, and our parent Kronberg Holding AG has to approve vendors. That's the main objection."),
                S("Lena Fischer", 75, "We'll need a DPA. Send it to legal@kronberg-bank.de, please, before the steering meeting at 9 a.m. Monday."),
            ]),
            ["kronberg-bank.de", "Datadog", "Wolt Enterprises", "Kronberg Holding AG"]),
    };

    public static readonly TheoryData<string> Calls = new(Corpus.Keys); // after Corpus: static fields start in order

    [Theory]
    [MemberData(nameof(Calls))]
    public void EachCall_GivesExactlyItsCompanies(string call)
    {
        var (meeting, expected) = Corpus[call];

        Assert.Equal(expected.Order(StringComparer.Ordinal), Labels(meeting).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void OverTheSet_PrecisionAndRecall_AreAtLeast90Percent()
    {
        var (found, right, expected) = (0, 0, 0);
        foreach (var (meeting, wanted) in Corpus.Values)
        {
            var labels = Labels(meeting);
            found += labels.Count;
            right += labels.Intersect(wanted, StringComparer.Ordinal).Count();
            expected += wanted.Length;
        }

        Assert.True(right >= 0.9 * found, $"precision {right}/{found}");
        Assert.True(right >= 0.9 * expected, $"recall {right}/{expected}");
    }

    private static List<string> Labels(AnalysisMeeting meeting) =>
        [.. MentionFinder.Find(meeting, Known, Ignored, []).Candidates.Select(c => c.Domain ?? c.Name!)];
}
