using System.Collections.Concurrent;

namespace Alavida.Grains.Platform;

/// <summary>
/// Batches calls per key (natural batching): while one call for a key is in flight, the items that arrive for that
/// key wait and go together in the next call. No timer, so a lone item goes at once and batches grow only as large
/// as the load makes them. When a batch of several fails, its items are sent again one by one, so one bad item
/// fails only its own caller; the batch calls must therefore be safe to retry (all or nothing, or idempotent).
/// </summary>
/// <typeparam name="TKey">What serialises the calls (a team).</typeparam>
/// <typeparam name="TItem">One request.</typeparam>
/// <typeparam name="TResult">Its answer; the batch call answers in the order of the items.</typeparam>
/// <param name="send">Sends one batch for a key.</param>
/// <param name="maxBatch">Items per call at most.</param>
public sealed class KeyedBatcher<TKey, TItem, TResult>(Func<TKey, IReadOnlyList<TItem>, Task<IReadOnlyList<TResult>>> send, int maxBatch)
    where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, KeyQueue> _queues = new();
    private readonly Func<TKey, IReadOnlyList<TItem>, Task<IReadOnlyList<TResult>>> _send = send;
    private readonly int _maxBatch = maxBatch > 0 ? maxBatch : throw new ArgumentOutOfRangeException(nameof(maxBatch));

    /// <summary>Sends <paramref name="item"/> with the other items waiting for <paramref name="key"/>; completes with its answer.</summary>
    public Task<TResult> SendAsync(TKey key, TItem item)
    {
        while (true)
        {
            var queue = _queues.GetOrAdd(key, k => new KeyQueue(this, k));
            if (queue.TryEnqueue(item, out var answer))
            {
                return answer;
            }
        }
    }

    /// <summary>One key's waiting items; it removes itself when it runs dry, so idle keys cost nothing.</summary>
    private sealed class KeyQueue(KeyedBatcher<TKey, TItem, TResult> owner, TKey key)
    {
        private readonly Lock _gate = new();
        private readonly List<(TItem Item, TaskCompletionSource<TResult> Answer)> _waiting = [];
        private bool _sending;
        private bool _closed;

        public bool TryEnqueue(TItem item, out Task<TResult> answer)
        {
            var completion = new TaskCompletionSource<TResult>(TaskCreationOptions.RunContinuationsAsynchronously);
            answer = completion.Task;
            bool start;
            lock (_gate)
            {
                if (_closed)
                {
                    return false;
                }

                _waiting.Add((item, completion));
                start = !_sending;
                _sending = true;
            }

            if (start)
            {
                // On the thread pool, not on the first caller's scheduler (a grain's), which the loop must outlive; and
                // without the first caller's execution context: a batch serves many callers, so it carries none's trace
                // or request context (else every later batch would be filed under the first caller's span).
                using (ExecutionContext.SuppressFlow())
                {
                    _ = Task.Run(SendLoopAsync);
                }
            }

            return true;
        }

        private async Task SendLoopAsync()
        {
            while (true)
            {
                List<(TItem Item, TaskCompletionSource<TResult> Answer)> batch;
                lock (_gate)
                {
                    if (_waiting.Count == 0)
                    {
                        _sending = false;
                        _closed = true;
                        owner._queues.TryRemove(new KeyValuePair<TKey, KeyQueue>(key, this));
                        return;
                    }

                    var take = Math.Min(_waiting.Count, owner._maxBatch);
                    batch = _waiting.GetRange(0, take);
                    _waiting.RemoveRange(0, take);
                }

                if (!await TrySendAsync(batch) && batch.Count > 1)
                {
                    foreach (var one in batch)
                    {
                        await TrySendAsync([one]);
                    }
                }
            }
        }

        private async Task<bool> TrySendAsync(List<(TItem Item, TaskCompletionSource<TResult> Answer)> batch)
        {
            try
            {
                var answers = await owner._send(key, [.. batch.Select(b => b.Item)]);
                for (var i = 0; i < batch.Count; i++)
                {
                    batch[i].Answer.TrySetResult(answers[i]);
                }

                return true;
            }
            catch (Exception ex)
            {
                if (batch.Count == 1)
                {
                    batch[0].Answer.TrySetException(ex);
                }

                return false;
            }
        }
    }

}
