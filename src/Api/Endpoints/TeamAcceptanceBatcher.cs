using System.Collections.Concurrent;
using Alavida.Grains.Platform;

namespace Alavida.Api.Endpoints;

/// <summary>
/// Hands <c>/run</c> submissions to their team's grain in batches. While one call for a team is in flight, the
/// submissions that arrive for that team wait, and go together in the next call, which the grain commits as one. No
/// timer: a lone request goes at once, and batches grow only as large as the load makes them.
/// </summary>
public sealed class TeamAcceptanceBatcher(IGrainFactory grains)
{
    /// <summary>Submissions per grain call at most (one round trip to PostgreSQL carries them all).</summary>
    public const int MaxBatch = 64;

    private readonly IGrainFactory _grains = grains;
    private readonly ConcurrentDictionary<Guid, TeamQueue> _teams = new();

    /// <summary>Accepts the submission through its team's grain, batched with the team's other waiting submissions.</summary>
    public Task<JobAcceptance> AcceptAsync(JobSubmission submission)
    {
        while (true)
        {
            var queue = _teams.GetOrAdd(submission.TeamId, id => new TeamQueue(this, id));
            if (queue.TryEnqueue(submission, out var answer))
            {
                return answer;
            }
        }
    }

    /// <summary>One team's waiting submissions; it removes itself when it runs dry, so idle teams cost nothing.</summary>
    private sealed class TeamQueue(TeamAcceptanceBatcher owner, Guid teamId)
    {
        private readonly Lock _gate = new();
        private readonly List<(JobSubmission Submission, TaskCompletionSource<JobAcceptance> Answer)> _waiting = [];
        private bool _sending;
        private bool _closed;

        public bool TryEnqueue(JobSubmission submission, out Task<JobAcceptance> answer)
        {
            var completion = new TaskCompletionSource<JobAcceptance>(TaskCreationOptions.RunContinuationsAsynchronously);
            answer = completion.Task;
            bool start;
            lock (_gate)
            {
                if (_closed)
                {
                    return false;
                }

                _waiting.Add((submission, completion));
                start = !_sending;
                _sending = true;
            }

            if (start)
            {
                _ = SendAsync();
            }

            return true;
        }

        private async Task SendAsync()
        {
            var grain = owner._grains.GetGrain<ITeamGrain>(teamId);
            while (true)
            {
                List<(JobSubmission Submission, TaskCompletionSource<JobAcceptance> Answer)> batch;
                lock (_gate)
                {
                    if (_waiting.Count == 0)
                    {
                        _sending = false;
                        _closed = true;
                        owner._teams.TryRemove(new KeyValuePair<Guid, TeamQueue>(teamId, this));
                        return;
                    }

                    var take = Math.Min(_waiting.Count, MaxBatch);
                    batch = _waiting.GetRange(0, take);
                    _waiting.RemoveRange(0, take);
                }

                try
                {
                    var answers = await grain.AcceptJobsAsync([.. batch.Select(b => b.Submission)]);
                    for (var i = 0; i < batch.Count; i++)
                    {
                        batch[i].Answer.TrySetResult(answers[i]);
                    }
                }
                catch (Exception ex)
                {
                    // The batch is one transaction: none of it was accepted, and every caller in it learns so.
                    foreach (var (_, answer) in batch)
                    {
                        answer.TrySetException(ex);
                    }
                }
            }
        }
    }
}
