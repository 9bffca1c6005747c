using System.Collections.Concurrent;
using Alavida.Grains.Platform;

namespace Alavida.Api.Endpoints;

/// <summary>
/// The registry components the quantum routes look up, kept by the gateway process for a few seconds: every
/// <c>/run</c> needs its component's actions and schemas, which change only when a version is published, and reading
/// them from the registry grain each time was one grain call per request. Unknown slugs are not kept (any text can be
/// asked for); they are looked up each time.
/// </summary>
public sealed class RegistryLookup(IGrainFactory grains, TimeProvider time)
{
    /// <summary>How long a component is served from this process (on top of the registry grain's own cache).</summary>
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, (ComponentDescriptor Component, DateTimeOffset LoadedAt)> _components = new(StringComparer.Ordinal);

    /// <summary>The component with this slug, or null when the registry has none.</summary>
    public async ValueTask<ComponentDescriptor?> GetAsync(string slug)
    {
        var now = time.GetUtcNow();
        if (_components.TryGetValue(slug, out var cached) && now - cached.LoadedAt < CacheFor)
        {
            return cached.Component;
        }

        var component = await grains.GetGrain<IRegistryGrain>(0).GetAsync(slug);
        if (component is null)
        {
            _components.TryRemove(slug, out _);
            return null;
        }

        _components[slug] = (component, now);
        return component;
    }
}
