using System.Collections.Concurrent;

namespace Alavida.Grains;

/// <summary>
/// Grain references for the hot paths (every <c>/run</c> and every job). <c>IGrainFactory.GetGrain&lt;T&gt;</c> resolves
/// the interface's <see cref="GrainInterfaceType"/> on each call by reading its attributes (5 % of the silo's CPU under
/// the gateway benchmark); these resolve it, and the grain type implementing it, once per interface and build the same
/// <see cref="GrainId"/> Orleans would.
/// </summary>
public static class GrainReferences
{
    private static readonly ConcurrentDictionary<Type, (GrainType Grain, GrainInterfaceType Interface)> Types = new();

    /// <summary>Same as <c>GetGrain&lt;T&gt;(Guid)</c>.</summary>
    public static T GrainOf<T>(this IGrainFactory factory, Guid key) where T : IGrainWithGuidKey =>
        Create<T>(factory, GrainIdKeyExtensions.CreateGuidKey(key));

    /// <summary>Same as <c>GetGrain&lt;T&gt;(long)</c>.</summary>
    public static T GrainOf<T>(this IGrainFactory factory, long key) where T : IGrainWithIntegerKey =>
        Create<T>(factory, GrainIdKeyExtensions.CreateIntegerKey(key));

    /// <summary>Same as <c>GetGrain&lt;T&gt;(string)</c>.</summary>
    public static T GrainOf<T>(this IGrainFactory factory, string key) where T : IGrainWithStringKey =>
        Create<T>(factory, IdSpan.Create(key));

    private static T Create<T>(IGrainFactory factory, IdSpan key)
    {
        var (grainType, interfaceType) = Types.GetOrAdd(typeof(T), static (type, f) =>
        {
            // Once per interface, the slow way: both types are on any reference to it.
            var sample = (GrainReference)(typeof(IGrainWithGuidKey).IsAssignableFrom(type) ? f.GetGrain(type, Guid.Empty)
                : typeof(IGrainWithIntegerKey).IsAssignableFrom(type) ? f.GetGrain(type, 0L)
                : f.GetGrain(type, "-"));
            return (sample.GrainId.Type, sample.InterfaceType);
        }, factory);
        return (T)factory.GetGrain(GrainId.Create(grainType, key), interfaceType);
    }
}
