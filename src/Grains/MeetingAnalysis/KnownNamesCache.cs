using System.Collections.Concurrent;
using Alavida.Grains.Identity;

namespace Alavida.Grains.MeetingAnalysis;

/// <summary>
/// Each team's <see cref="KnownNames"/>, read once per <see cref="FreshFor"/> per silo: a burst of meetings of one team
/// reads its companies once, not once per meeting. A company resolved within that window is found by name from the next
/// read on (by domain or legal form at once).
/// </summary>
public sealed class KnownNamesCache(AnalysisStore store, TeamMerges merges, TimeProvider time)
{
    public static readonly TimeSpan FreshFor = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<Guid, (DateTimeOffset At, Lazy<Task<KnownNames>> Names)> _teams = new();

    public Task<KnownNames> GetAsync(Guid teamId)
    {
        var now = time.GetUtcNow();
        var entry = _teams.AddOrUpdate(
            teamId,
            _ => (now, new Lazy<Task<KnownNames>>(() => LoadAsync(teamId))),
            (_, old) => now - old.At < FreshFor && !old.Names.Value.IsFaulted ? old : (now, new Lazy<Task<KnownNames>>(() => LoadAsync(teamId))));
        if (_teams.Count > MaxTeams && now - _swept >= FreshFor)
        {
            // Bounded, and swept at most once a window (not on every call): teams not read within it go, to be read
            // again at their next meeting.
            _swept = now;
            foreach (var (team, stale) in _teams.Where(t => now - t.Value.At >= FreshFor))
            {
                _teams.TryRemove(new KeyValuePair<Guid, (DateTimeOffset, Lazy<Task<KnownNames>>)>(team, stale));
            }
        }

        return entry.Names.Value;
    }

    private const int MaxTeams = 256;

    private DateTimeOffset _swept;

    private async Task<KnownNames> LoadAsync(Guid teamId)
    {
        var overlay = await merges.OverlayAsync(teamId, IdentityKind.Company);
        var companies = await store.KnownCompaniesAsync(teamId);
        return new KnownNames(companies.Select(c => c with { CompanyId = TeamMerges.Map(overlay, c.CompanyId) }));
    }
}
