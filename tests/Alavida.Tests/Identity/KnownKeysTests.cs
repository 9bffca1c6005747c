using Alavida.Grains.Identity;
using Alavida.Grains.Identity.Rules;

namespace Alavida.Tests.Identity;

public sealed class KnownKeysTests
{
    [Fact]
    public async Task Split_WhileAnotherBatchAddsTheSameKeys_PlacesEveryItemInExactlyOneList()
    {
        // The resolver is a reentrant stateless worker with one KnownKeys per silo: batches on other activations add
        // keys while this one splits its items. An item looked at twice (once per list) could land in neither and get
        // no answer (a NullReferenceException in meeting-sync's ingest under load, found by the meetings bench).
        var keys = Enumerable.Range(0, 2_000).Select(i => new IdentityKey("domain", $"k{i}.example")).ToArray();
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var known = new KnownKeys();
            var split = Task.Run(() => known.Split('c', keys, k => k));
            foreach (var key in keys)
            {
                known.Add('c', key);
            }

            var (knownItems, unknownItems) = await split;
            Assert.Equal(keys.Length, knownItems.Count + unknownItems.Count);
            Assert.Equal(keys.ToHashSet(), knownItems.Concat(unknownItems).ToHashSet());
        }
    }
}
