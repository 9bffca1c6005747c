namespace Alavida.Grains.Platform;

/// <summary>
/// Hands finished jobs to their team's grain in batches, as the gateway does acceptances: the settlements of a team that
/// arrive while its previous call is in flight go together in the next one, which the grain commits as one.
/// </summary>
public sealed class TeamSettlementBatcher(IGrainFactory grains)
{
    /// <summary>Settlements per grain call at most.</summary>
    public const int MaxBatch = 64;

    private readonly KeyedBatcher<Guid, JobSettlement, Settlement> _batcher =
        new((teamId, batch) => grains.GrainOf<ITeamGrain>(teamId).SettleJobsAsync(batch), MaxBatch);

    /// <summary>Settles the job through its team's grain, batched with the team's other finishing jobs.</summary>
    public Task<Settlement> SettleAsync(Guid teamId, JobSettlement settlement) => _batcher.SendAsync(teamId, settlement);
}
