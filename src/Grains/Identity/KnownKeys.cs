using System.Collections.Concurrent;
using Alavida.Grains.Identity.Rules;

namespace Alavida.Grains.Identity;

/// <summary>
/// Keys this silo has seen owned, so a batch sends them straight to their grains (the warm path) and only asks the
/// database about the rest. Safe because a key, once owned, stays owned: merges move keys and never delete them; the
/// grains, not this set, say who owns a key now. Bounded: when full it starts over.
/// </summary>
public sealed class KnownKeys
{
    /// <summary>Keys remembered at most (a key costs ~100 bytes).</summary>
    public const int Capacity = 1_000_000;

    private readonly ConcurrentDictionary<(char Entity, IdentityKey Key), byte> _keys = new();

    public bool Contains(char entity, IdentityKey key) => _keys.ContainsKey((entity, key));

    /// <summary>
    /// <paramref name="items"/> split into those whose key is known and the rest, each item looked at once: other
    /// batches add keys meanwhile, and an item that two looks placed in neither list would get no answer at all.
    /// </summary>
    public (List<T> Known, List<T> Unknown) Split<T>(char entity, IReadOnlyList<T> items, Func<T, IdentityKey> keyOf)
    {
        var known = new List<T>(items.Count);
        var unknown = new List<T>(items.Count);
        foreach (var item in items)
        {
            (Contains(entity, keyOf(item)) ? known : unknown).Add(item);
        }

        return (known, unknown);
    }

    public void Add(char entity, IdentityKey key)
    {
        if (_keys.Count >= Capacity)
        {
            _keys.Clear();
        }

        _keys.TryAdd((entity, key), 0);
    }
}
