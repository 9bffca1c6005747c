using System.Collections.Frozen;
using Alavida.Grains.Identity.Rules;
using Alavida.Grains.Meetings;

namespace Alavida.Grains.MeetingAnalysis;

/// <summary>A stored meeting as the analysis reads it.</summary>
public sealed record AnalysisMeeting(
    Guid MeetingId, string ContentHash, DateTimeOffset StartedAt, string? OrganizerEmail, IReadOnlyList<MeetingParticipant> Participants,
    IReadOnlyList<TranscriptSegment> Segments);

/// <summary>Where a company was named: the segment, and the span of the name in its text.</summary>
public readonly record struct Place(int Segment, int Start, int Length);

/// <summary>A company found in one meeting before identity has resolved it, with everything that points at it.</summary>
public sealed class Candidate
{
    public string? Domain { get; set; }

    public string? Name { get; set; }

    public string? NameKey { get; set; }

    /// <summary>Known without resolving: a known company's id, or the id identity gave a participant at ingest.</summary>
    public Guid? CompanyId { get; set; }

    public SortedSet<string> Sources { get; } = new(StringComparer.Ordinal);

    public List<Place> Places { get; } = [];

    /// <summary>Positions of the meeting's participants who work there.</summary>
    public SortedSet<int> Participants { get; } = [];

    /// <summary>Takes in what <paramref name="other"/> found.</summary>
    public void Absorb(Candidate other)
    {
        Domain ??= other.Domain;
        (Name, NameKey) = Name is null || other.Sources.Contains(MentionSources.LegalName) && !Sources.Contains(MentionSources.LegalName)
            ? (other.Name ?? Name, other.NameKey ?? NameKey) : (Name, NameKey);
        CompanyId ??= other.CompanyId;
        Sources.UnionWith(other.Sources);
        Places.AddRange(other.Places);
        Participants.UnionWith(other.Participants);
    }
}

/// <summary>What one meeting is about: the companies found, and its host side (never reported).</summary>
public sealed record FoundCompanies(AnalysisMeeting Meeting, IReadOnlyList<Candidate> Candidates, IReadOnlySet<Guid> HostCompanyIds);

/// <summary>
/// Finds the companies a meeting is about: the work-email domains of its external participants, and what
/// <see cref="TextScanner"/> finds in its segments; minus free mail and the host side (the organizer's domain, the
/// participants with role <c>host</c> and their domains, the team's own domains). Candidates naming the same domain or
/// the same name are one; a name whose letters are a domain's first label ("Acme Robotics GmbH", acme-robotics.io) is
/// that domain's company.
/// </summary>
public static class MentionFinder
{
    public static FoundCompanies Find(AnalysisMeeting meeting, KnownNames known, FrozenSet<string> ignoredDomains, IReadOnlyCollection<string> teamDomains)
    {
        var hostDomains = new HashSet<string>(teamDomains.Select(d => Registrable(d) ?? d), StringComparer.Ordinal);
        if (EmailDomain(meeting.OrganizerEmail) is { } organizer && !DomainRules.IsFreeMail(organizer))
        {
            hostDomains.Add(organizer);
        }

        var participants = meeting.Participants;
        foreach (var p in participants.Where(IsHost))
        {
            if (EmailDomain(p.Email) is { } d && !DomainRules.IsFreeMail(d))
            {
                hostDomains.Add(d);
            }
        }

        var hostIds = participants.Where(p => IsHost(p) || EmailDomain(p.Email) is { } d && hostDomains.Contains(d))
            .Where(p => p.CompanyId is not null).Select(p => p.CompanyId!.Value).ToHashSet();
        var byKey = new Dictionary<string, Candidate>(StringComparer.Ordinal);

        for (var i = 0; i < participants.Count; i++)
        {
            var p = participants[i];
            if (IsHost(p) || EmailDomain(p.Email) is not { } domain || hostDomains.Contains(domain) || DomainRules.IsFreeMail(domain) || ignoredDomains.Contains(domain))
            {
                continue;
            }

            var c = Get(byKey, "d:" + domain, () => new Candidate { Domain = domain, CompanyId = p.CompanyId });
            c.Sources.Add(MentionSources.EmailDomain);
            c.Participants.Add(i);
            if (p.Company is { } company && CompanyNameRules.Normalize(company).Value is { } n && c.Name is null)
            {
                (c.Name, c.NameKey) = (company, n.Key);
            }
        }

        for (var s = 0; s < meeting.Segments.Count; s++)
        {
            foreach (var hit in TextScanner.Scan(meeting.Segments[s].Text, known, ignoredDomains))
            {
                if (hit.Domain is { } d && hostDomains.Contains(d) || hit.KnownCompanyId is { } id && hostIds.Contains(id))
                {
                    continue;
                }

                var key = hit.Domain is { } domain ? "d:" + domain : hit.KnownCompanyId is { } knownId ? "k:" + knownId : "n:" + hit.NameKey;
                var c = Get(byKey, key, () => new Candidate { Domain = hit.Domain, Name = hit.Name, NameKey = hit.NameKey, CompanyId = hit.KnownCompanyId });
                c.Sources.Add(hit.Source);
                c.Places.Add(new Place(s, hit.Start, hit.Length));
            }
        }

        return new FoundCompanies(meeting, Merge(byKey.Values, hostDomains), hostIds);
    }

    /// <summary>Names that are a domain's company join it; names of the host side go.</summary>
    private static List<Candidate> Merge(IEnumerable<Candidate> candidates, HashSet<string> hostDomains)
    {
        var all = candidates.ToList();
        var byLabel = all.Where(c => c.Domain is not null).GroupBy(c => Compact(Label(c.Domain!))).ToDictionary(g => g.Key, g => g.First());
        var hostLabels = hostDomains.Select(d => Compact(Label(d))).ToHashSet(StringComparer.Ordinal);
        var byName = new Dictionary<string, Candidate>(StringComparer.Ordinal);
        var result = new List<Candidate>();
        foreach (var c in all.OrderBy(c => c.Domain is null ? 1 : 0))
        {
            if (c.Domain is null && c.NameKey is { } key)
            {
                var compact = Compact(key);
                if (hostLabels.Contains(compact) || LeadingWords(key).Any(hostLabels.Contains))
                {
                    continue; // the host's own company named in the call
                }

                if ((byLabel.GetValueOrDefault(compact) ?? byName.GetValueOrDefault(compact) ?? DomainOfLeadingWords(key, byLabel)) is { } owner)
                {
                    owner.Absorb(c);
                    continue;
                }
            }

            if (c.NameKey is { } nameKey)
            {
                byName.TryAdd(Compact(nameKey), c);
            }

            result.Add(c);
        }

        return result;
    }

    /// <summary>
    /// The domain's company whose first label is the name's first words ("Van der Berg Distributie B.V." and
    /// vanderberg.nl), when that label is not an ordinary word ("Global Freight GmbH" is not global.com's).
    /// </summary>
    private static Candidate? DomainOfLeadingWords(string nameKey, Dictionary<string, Candidate> byLabel) =>
        LeadingWords(nameKey).Select(p => byLabel.GetValueOrDefault(p)).FirstOrDefault(c => c is not null);

    /// <summary>The compacted first words of a name key, shorter than the whole: "van", "vander", "vanderberg" of "van der berg distributie".</summary>
    private static IEnumerable<string> LeadingWords(string nameKey)
    {
        var words = nameKey.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var prefix = "";
        for (var i = 0; i < words.Length - 1; i++)
        {
            prefix += Compact(words[i]);
            if (prefix.Length >= 4 && !LegalForms.IsEnglishWord(prefix))
            {
                yield return prefix;
            }
        }
    }

    public static bool IsHost(MeetingParticipant p) => string.Equals(p.Role, "host", StringComparison.OrdinalIgnoreCase);

    /// <summary>The registrable domain of an email address, or null.</summary>
    public static string? EmailDomain(string? email) =>
        email is not null && email.LastIndexOf('@') is var at and > 0 ? Registrable(email[(at + 1)..]) : null;

    private static string? Registrable(string host) =>
        DomainRules.Host(host) is { IsValid: true, Value: { } h } && DomainRules.Registrable(h) is { IsValid: true, Value: { } r } ? r : null;

    private static string Label(string registrable) => registrable[..registrable.IndexOf('.')];

    private static string Compact(string text) => string.Concat(text.Where(char.IsLetterOrDigit)).ToLowerInvariant();

    private static Candidate Get(Dictionary<string, Candidate> map, string key, Func<Candidate> create)
    {
        if (!map.TryGetValue(key, out var c))
        {
            map[key] = c = create();
        }

        return c;
    }
}
