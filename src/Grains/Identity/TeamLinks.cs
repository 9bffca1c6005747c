using System.Collections.Concurrent;

namespace Alavida.Grains.Identity;

/// <summary>
/// The team links (<c>identity.team_entities</c>) this silo has seen committed. Links are only ever inserted, never
/// changed or removed, so a link seen once is there for good, and linking it again is a no-op the silo can skip: a
/// team that resolves the same companies job after job then writes nothing for them. Bounded: past
/// <see cref="Capacity"/> links it forgets them all and learns again (a forgotten link costs one idempotent insert).
/// </summary>
public sealed class TeamLinks
{
    /// <summary>Links remembered at most (about 100 bytes each).</summary>
    public const int Capacity = 100_000;

    private readonly ConcurrentDictionary<(Guid Team, IdentityKind Kind, Guid Entity), byte> _linked = new();

    /// <summary>The ids of <paramref name="entityIds"/> not known to be linked to the team already.</summary>
    public Guid[] Unknown(Guid teamId, IdentityKind kind, IEnumerable<Guid> entityIds) =>
        entityIds.Where(id => !_linked.ContainsKey((teamId, kind, id))).ToArray();

    /// <summary>Records links that are committed.</summary>
    public void Committed(Guid teamId, IdentityKind kind, IEnumerable<Guid> entityIds)
    {
        if (_linked.Count >= Capacity)
        {
            _linked.Clear();
        }

        foreach (var id in entityIds)
        {
            _linked.TryAdd((teamId, kind, id), 0);
        }
    }
}
