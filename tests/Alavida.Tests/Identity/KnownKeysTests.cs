using Alavida.Grains.Identity;
using Alavida.Grains.Identity.Rules;

namespace Alavida.Tests.Identity;

public sealed class KnownKeysTests
{
    [Fact]
    public void Split_WhenAnotherBatchAddsAKeyBetweenLooks_StillPlacesEveryItemInExactlyOneList()
    {
        // The resolver is a reentrant stateless worker with one KnownKeys per silo: batches on other activations add
        // keys while this one splits its items. Here every key is added by "another batch" right after the split first
        // looks at it; a split that looked twice (once per list) would place those items in neither list, and they
        // would get no answer (a NullReferenceException in meeting-sync's ingest under load, found by the meetings bench).
        var known = new KnownKeys();
        var keys = Enumerable.Range(0, 50).Select(i => new IdentityKey("domain", $"k{i}.example")).ToArray();
        known.Add('c', keys[0]);
        var looks = new List<IdentityKey>();

        var (knownItems, unknownItems) = known.Split('c', keys, key =>
        {
            if (looks.Contains(key))
            {
                known.Add('c', key); // added meanwhile, between this look and the next
            }

            looks.Add(key);
            return key;
        });

        Assert.Equal([keys[0]], knownItems);
        Assert.Equal(keys[1..], unknownItems);
        Assert.Equal(keys, looks); // one look per item
    }
}
