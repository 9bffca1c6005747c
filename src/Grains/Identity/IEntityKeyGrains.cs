using Alavida.Grains.Identity.Rules;

namespace Alavida.Grains.Identity;

// Internal to the identity quantum (the resolver's view of the entity grains), so declared here rather than in the
// public contract: other quantums call IIdentityResolverGrain, ICompanyGrain and IPersonGrain only.

/// <summary>What an entity grain answered to one resolution.</summary>
/// <param name="Status">Matched or created (only when <paramref name="RedirectTo"/> is null).</param>
/// <param name="Evidence">The kind of key that identified the entity.</param>
/// <param name="RedirectTo">The entity to ask instead: the owner of this grain's key, or the survivor of a merge.</param>
[GenerateSerializer, Immutable, Alias("Alavida.Identity.Internal.KeyOutcome")]
public sealed record KeyOutcome(
    [property: Id(0)] ResolutionStatus Status,
    [property: Id(1)] string Evidence,
    [property: Id(2)] Guid? RedirectTo);

/// <summary>
/// A company or person grain as the resolver drives it: keyed by the UUIDv5 of a canonical key, or by an entity id.
/// </summary>
[Alias("Alavida.Identity.Internal.IEntityKeyGrain`1")]
public interface IEntityKeyGrain<TFacts> : IGrainWithGuidKey
    where TFacts : class
{
    /// <summary>Matches, creates (claiming <paramref name="key"/>) or redirects; enriches an existing entity.</summary>
    [Alias("Resolve")]
    Task<KeyOutcome> ResolveAsync(TFacts facts, IdentityKey key, string? source, Guid? teamId);

    /// <summary>Merges <paramref name="loserId"/> into this entity.</summary>
    [Alias("Absorb")]
    Task<MergeResult> AbsorbAsync(Guid loserId, string requestedBy);

    /// <summary>Drops the cached row (after a merge changed it elsewhere).</summary>
    [Alias("Reload")]
    Task ReloadAsync();
}
