using Alavida.Grains.Identity;
using Alavida.Grains.Mesh;
using Alavida.Grains.Prospect;

namespace Alavida.Grains.MeetingAnalysis;

/// <summary>
/// Stores what <see cref="MeetingAnalyzer"/> found and hands it on: the mentions (replacing the meeting's earlier ones),
/// the companies linked to the team, their participants as lead-discovery people (source <c>meeting</c>), one
/// <c>engagement</c> signal per mention for buying-signals, and the <c>meeting/company.mentioned</c> events.
/// </summary>
public sealed class MentionCommitter(AnalysisStore store, ProspectStore prospect, IdentityLinker linker)
{
    /// <summary>Evidence text kept on a signal.</summary>
    private const int MaxEvidenceChars = 500;

    public async Task<IReadOnlyList<MeshEvent>> CommitAsync(CascadeScope scope, IReadOnlyList<MeetingAnalyzer.Outcome> outcomes)
    {
        var analysed = outcomes.Where(o => o.Status == AnalysisStatus.Analyzed).ToList();
        if (analysed.Count == 0)
        {
            return [];
        }

        var mentions = analysed.SelectMany(o => o.Mentions).ToList();
        var reasoner = mentions.Select(m => m.Intents.Reasoner).FirstOrDefault(r => r != IntentRules.Name) ?? IntentRules.Name;
        await store.SaveAsync(scope, [.. analysed.Select(o => o.Meeting!)], mentions, reasoner);
        await linker.LinkAsync(scope.TeamId, scope.JobId, IdentityKind.Company, [.. mentions.Select(m => m.Draft.CompanyId).Distinct()]);

        var people = mentions.SelectMany(m => m.Draft.Participants.Where(p => p.PersonId is not null).Select(p => (m.Draft.CompanyId, Person: p))).ToList();
        foreach (var company in people.GroupBy(x => x.CompanyId))
        {
            await prospect.UpsertPeopleAsync(scope.TeamId, company.Key, scope.JobId, [.. company.Select(x =>
                new PersonCandidate(x.Person.PersonId!.Value, "meeting", null, x.Person.Name, x.Person.Title, x.Person.Email, null, null, null))]);
        }

        if (people.Count > 0)
        {
            await linker.LinkAsync(scope.TeamId, scope.JobId, IdentityKind.Person, [.. people.Select(x => x.Person.PersonId!.Value).Distinct()]);
        }

        await prospect.SaveSignalsAsync(scope, [.. mentions.Select(m => new ProspectStore.NewSignal(
            m.Draft.CompanyId, "engagement", m.MeetingStartedAt, m.Engagement, null, Evidence(m)))]);
        return [.. mentions.Select(m => Event(scope, m))];
    }

    /// <summary>The best snippet: the one showing most intents (the first of them), as "speaker: text".</summary>
    public static string Evidence(Mention m)
    {
        if (m.Draft.Snippets.Count == 0)
        {
            return $"{m.Draft.Name ?? m.Draft.Domain} took part in the meeting";
        }

        var best = m.Intents.Evidence.GroupBy(e => e.Snippet).OrderByDescending(g => g.Count()).ThenBy(g => g.Key).Select(g => g.Key).FirstOrDefault();
        var s = m.Draft.Snippets[best];
        var text = $"{s.Speaker}: {s.Text}";
        return text.Length <= MaxEvidenceChars ? text : text[..(MaxEvidenceChars - 1)] + "…";
    }

    /// <summary>The company's <c>meeting/company.mentioned</c>; its id stable per team, meeting, company and meeting content.</summary>
    public static MeshEvent Event(CascadeScope scope, Mention m) => MeshEvents.Create(
        MentionEvents.CompanyMentioned,
        new Dictionary<string, object?>
        {
            ["company_id"] = m.Draft.CompanyId,
            ["name"] = m.Draft.Name,
            ["domain"] = m.Draft.Domain,
            ["intents"] = Json.Array(m.Intents.Intents),
            ["participants"] = MentionJson.Participants(m.Draft.Participants),
            ["meeting_id"] = m.Draft.MeetingId,
            ["mention_id"] = m.Id,
            ["sources"] = Json.Array(m.Draft.Sources),
            ["job_id"] = scope.JobId,
        },
        teamId: scope.TeamId.ToString(),
        id: $"mention-{scope.TeamId:N}-{m.Draft.MeetingId:N}-{m.Draft.CompanyId:N}-{m.ContentHash[..16]}",
        traceId: scope.TraceId);
}

/// <summary>meeting-analysis' event names (PRODUCT.md §5).</summary>
public static class MentionEvents
{
    /// <summary>A company discussed in a meeting: <c>{company_id, name, domain, intents, participants, meeting_id, mention_id, sources}</c>.</summary>
    public const string CompanyMentioned = ProspectEvents.CompanyMentioned;
}
