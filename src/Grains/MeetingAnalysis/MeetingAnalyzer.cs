using System.Collections.Frozen;
using Alavida.Grains.Identity;
using Alavida.Grains.Prospect;
using Alavida.Grains.Prospect.Reasoning;
using Microsoft.Extensions.Options;

namespace Alavida.Grains.MeetingAnalysis;

/// <summary>What analysing one requested meeting did.</summary>
public enum AnalysisStatus
{
    /// <summary>Read and its mentions found: billed and announced.</summary>
    Analyzed,

    /// <summary>Analysed before at the same content: nothing written, free, no event.</summary>
    Unchanged,

    /// <summary>The team has no such meeting.</summary>
    NotFound,
}

/// <summary>
/// meeting-analysis' work, shared by the <c>analyze</c> job and the <c>meeting/transcript.added</c> function: load the
/// meetings, find the companies each is about (<see cref="MentionFinder"/>), resolve them through identity in batches
/// as the team sees them (its merges applied), drop the host side, read each company's intents, weigh its engagement.
/// Nothing is written here: <see cref="MentionCommitter"/> stores and announces once the work is paid for.
/// </summary>
public sealed class MeetingAnalyzer(
    IGrainFactory grains, AnalysisStore store, KnownNamesCache known, TeamMerges merges, IMentionReasoner reasoner, IntentRules rules,
    IOptions<MeetingAnalysisOptions> options, IOptions<ReasonerOptions> reasoning)
{
    public const string Quantum = MeetingAnalysisLimits.Quantum;

    private readonly FrozenSet<string> _ignored = options.Value.IgnoredDomains.Select(d => d.Trim().ToLowerInvariant()).ToFrozenSet(StringComparer.Ordinal);
    private readonly MentionBuilder _builder = new(options.Value.MaxSnippets, options.Value.MaxSnippetChars);

    /// <summary>One requested meeting's outcome and mentions (in the order of its companies' first appearance).</summary>
    public sealed record Outcome(Guid MeetingId, AnalysisStatus Status, AnalysisMeeting? Meeting, IReadOnlyList<Mention> Mentions);

    public async Task<IReadOnlyList<Outcome>> AnalyzeAsync(CascadeScope scope, IReadOnlyList<Guid> meetingIds, ReasoningLedger ledger, CancellationToken cancellationToken)
    {
        var loaded = (await store.LoadAsync(scope.TeamId, meetingIds)).ToDictionary(l => l.Meeting.MeetingId);
        // The same trace analysing again is this job or run after a fault: it redoes the work (same ids, same events).
        var due = loaded.Values.Where(l => l.AnalyzedHash != l.Meeting.ContentHash || l.AnalyzedTrace == scope.TraceId).Select(l => l.Meeting).ToList();
        var mentions = due.Count == 0 ? new Dictionary<Guid, IReadOnlyList<Mention>>() : await FindAsync(scope, due, ledger, cancellationToken);
        return [.. meetingIds.Select(id =>
            !loaded.TryGetValue(id, out var l) ? new Outcome(id, AnalysisStatus.NotFound, null, [])
            : mentions.TryGetValue(id, out var found) ? new Outcome(id, AnalysisStatus.Analyzed, l.Meeting, found)
            : new Outcome(id, AnalysisStatus.Unchanged, l.Meeting, []))];
    }

    private async Task<Dictionary<Guid, IReadOnlyList<Mention>>> FindAsync(CascadeScope scope, List<AnalysisMeeting> meetings, ReasoningLedger ledger, CancellationToken cancellationToken)
    {
        var overlay = await merges.OverlayAsync(scope.TeamId, IdentityKind.Company);
        var names = await known.GetAsync(scope.TeamId);
        var teamDomains = options.Value.TeamDomains.GetValueOrDefault(scope.TeamId.ToString()) ?? [];
        var found = meetings.Select(m => MentionFinder.Find(m, names, _ignored, teamDomains)).ToList();

        // Every candidate identity has not named yet, of every meeting, resolved in batches.
        var open = found.SelectMany(f => f.Candidates).Where(c => c.CompanyId is null).ToList();
        var resolver = grains.GetGrain<IIdentityResolverGrain>(0);
        var source = scope.JobId is { } job ? $"job:{job}" : $"run:{scope.RunId}";
        foreach (var chunk in open.Chunk(IdentityLimits.MaxBatchSize))
        {
            var results = await resolver.ResolveCompaniesForTeamAsync(
                scope.TeamId, [.. chunk.Select(c => c.Domain is { } d ? new CompanyInput(Domain: d) : new CompanyInput(Name: c.Name))], $"{source}:mention");
            foreach (var r in results)
            {
                chunk[r.Index].CompanyId = r.CompanyId; // ambiguous or rejected: stays null and is not reported
            }
        }

        var result = new Dictionary<Guid, IReadOnlyList<Mention>>();
        var drafts = new List<(AnalysisMeeting Meeting, MentionDraft Draft)>();
        foreach (var f in found)
        {
            var hosts = f.HostCompanyIds.Select(id => TeamMerges.Map(overlay, id)).ToHashSet();
            var intentCounts = new int?[f.Meeting.Segments.Count];
            int IntentsAt(int s) => intentCounts[s] ??= rules.Count(f.Meeting.Segments[s].Text);
            foreach (var group in f.Candidates.Where(c => c.CompanyId is not null).GroupBy(c => TeamMerges.Map(overlay, c.CompanyId!.Value)).Where(g => !hosts.Contains(g.Key)))
            {
                var employees = f.Meeting.Participants.Select((p, i) => (p, i))
                    .Where(x => !MentionFinder.IsHost(x.p) && x.p.CompanyId is { } c && TeamMerges.Map(overlay, c) == group.Key).Select(x => x.i);
                drafts.Add((f.Meeting, _builder.Build(f.Meeting, group.Key, [.. group], employees, IntentsAt)));
            }

            result[f.Meeting.MeetingId] = [];
        }

        var read = new MentionIntents[drafts.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, drafts.Count),
            new ParallelOptions { MaxDegreeOfParallelism = reasoning.Value.UsesModel ? reasoning.Value.MaxParallelCalls : 1, CancellationToken = cancellationToken },
            async (i, ct) => read[i] = await reasoner.ReadAsync(drafts[i].Draft, ledger, ct));

        foreach (var group in drafts.Select((d, i) => (d.Meeting, Mention: new Mention(
                     AnalysisStore.MentionId(scope.TeamId, d.Meeting.MeetingId, d.Draft.CompanyId), d.Draft, read[i], Engagement(read[i]), d.Meeting.StartedAt, d.Meeting.ContentHash)))
                     .GroupBy(x => x.Meeting.MeetingId))
        {
            result[group.Key] = [.. group.Select(x => x.Mention)];
        }

        return result;
    }

    /// <summary>The engagement strength of a mention: the base, plus each intent's weight, within 0.05–1.</summary>
    private double Engagement(MentionIntents intents) =>
        Math.Round(Math.Clamp(options.Value.BaseEngagement + intents.Intents.Sum(i => options.Value.IntentWeights.GetValueOrDefault(i)), 0.05, 1), 3);
}
