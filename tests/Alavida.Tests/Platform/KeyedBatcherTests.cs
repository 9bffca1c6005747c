using Alavida.Grains.Platform;

namespace Alavida.Tests.Platform;

public sealed class KeyedBatcherTests
{
    [Fact]
    public async Task Send_WhileACallIsInFlight_SendsTheWaitingItemsAsOneBatch_AndABadItemFailsAlone()
    {
        var calls = new List<int[]>();
        var firstCallStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var releaseFirstCall = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var batcher = new KeyedBatcher<string, int, int>(async (_, items) =>
        {
            int callNumber;
            lock (calls)
            {
                calls.Add([.. items]);
                callNumber = calls.Count;
            }

            if (callNumber == 1)
            {
                firstCallStarted.SetResult();
                await releaseFirstCall.Task;
            }

            return items.Contains(13) ? throw new InvalidOperationException("bad item") : [.. items.Select(i => i * 2)];
        }, maxBatch: 64);

        var first = batcher.SendAsync("team", 1);
        await firstCallStarted.Task;
        var waiting = new[] { 2, 13, 4 }.Select(i => batcher.SendAsync("team", i)).ToArray();
        releaseFirstCall.SetResult();

        Assert.Equal(2, await first);
        Assert.Equal(4, await waiting[0]);
        await Assert.ThrowsAsync<InvalidOperationException>(() => waiting[1]);
        Assert.Equal(8, await waiting[2]);
        Assert.Equal([[1], [2, 13, 4], [2], [13], [4]], calls);
    }

    [Fact]
    public async Task Send_ForDifferentKeys_NeverBatchesThemTogether()
    {
        var batches = new List<(string Key, int[] Items)>();
        var batcher = new KeyedBatcher<string, int, int>((key, items) =>
        {
            lock (batches)
            {
                batches.Add((key, [.. items]));
            }

            return Task.FromResult<IReadOnlyList<int>>([.. items]);
        }, maxBatch: 64);

        var answers = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => batcher.SendAsync(i % 2 == 0 ? "a" : "b", i)));

        Assert.Equal(Enumerable.Range(0, 50), answers);
        Assert.All(batches, b => Assert.All(b.Items, i => Assert.Equal(b.Key == "a" ? 0 : 1, i % 2)));
        Assert.Equal(50, batches.Sum(b => b.Items.Length));
    }
}
