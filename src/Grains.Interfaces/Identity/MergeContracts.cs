namespace Alavida.Grains.Identity;

/// <summary>A request to join two entities: the loser becomes a tombstone pointing at the survivor.</summary>
/// <param name="SurvivorId">The entity that remains.</param>
/// <param name="LoserId">The entity that is merged away; its id keeps resolving to the survivor.</param>
/// <param name="RequestedBy">Who asked (admin or owner team id), recorded with the merge. Authorisation is the caller's job.</param>
[GenerateSerializer, Immutable, Alias("Alavida.Identity.MergeRequest")]
public sealed record MergeRequest(
    [property: Id(0)] Guid SurvivorId,
    [property: Id(1)] Guid LoserId,
    [property: Id(2)] string RequestedBy);

/// <summary>The outcome of a merge.</summary>
public enum MergeStatus
{
    /// <summary>The loser was merged into the survivor just now.</summary>
    Merged = 0,

    /// <summary>The loser was already merged into the survivor (a repeated request changes nothing).</summary>
    AlreadyMerged = 1,

    /// <summary>The merge was refused; see the reason.</summary>
    Rejected = 2,
}

/// <summary>The result of a merge request.</summary>
/// <param name="Status">Merged, already merged, or rejected.</param>
/// <param name="SurvivorId">The surviving entity's id.</param>
/// <param name="LoserId">The merged-away entity's id.</param>
/// <param name="Reason">Why the merge was rejected; null otherwise.</param>
[GenerateSerializer, Immutable, Alias("Alavida.Identity.MergeResult")]
public sealed record MergeResult(
    [property: Id(0)] MergeStatus Status,
    [property: Id(1)] Guid SurvivorId,
    [property: Id(2)] Guid LoserId,
    [property: Id(3)] string? Reason);
