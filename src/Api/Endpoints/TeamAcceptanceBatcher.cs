using Alavida.Grains;
using Alavida.Grains.Platform;

namespace Alavida.Api.Endpoints;

/// <summary>
/// Hands <c>/run</c> submissions to their team's grain in batches: those that arrive while the team's previous call
/// is in flight go together in the next one, which the grain commits as one (see <see cref="KeyedBatcher{TKey, TItem, TResult}"/>).
/// </summary>
public sealed class TeamAcceptanceBatcher(IGrainFactory grains)
{
    /// <summary>Submissions per grain call at most (one round trip to PostgreSQL carries them all).</summary>
    public const int MaxBatch = 64;

    private readonly KeyedBatcher<Guid, JobSubmission, JobAcceptance> _batcher =
        new((teamId, batch) => grains.GrainOf<ITeamGrain>(teamId).AcceptJobsAsync(batch), MaxBatch);

    /// <summary>Accepts the submission through its team's grain, batched with the team's other waiting submissions.</summary>
    public Task<JobAcceptance> AcceptAsync(JobSubmission submission) => _batcher.SendAsync(submission.TeamId, submission);
}
