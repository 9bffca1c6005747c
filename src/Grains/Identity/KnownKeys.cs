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

    public void Add(char entity, IdentityKey key)
    {
        if (_keys.Count >= Capacity)
        {
            _keys.Clear();
        }

        _keys.TryAdd((entity, key), 0);
    }
}
