using Alavida.Grains.Identity.Data;
using Alavida.Grains.Identity.Rules;

namespace Alavida.Grains.Identity;

public sealed partial class IdentityResolver
{
    private const char CompanyEntity = 'c';
    private const char PersonEntity = 'p';

    // A merge points at a live survivor and keys move with merges, so real chains are one or two hops long.
    private const int MaxRedirects = 8;

    /// <summary>One input of a batch to resolve by a canonical key.</summary>
    private sealed record KeyItem<TFacts>(int Index, TFacts Facts, IdentityKey Key);

    /// <summary>
    /// Resolves a batch's keyed inputs. Keys this silo knows are owned go to their grains (warm, cached). The rest
    /// cost one owner query; inputs with any owned key go to the grains too (they match, enrich or redirect), and the
    /// truly new ones are created in one bulk transaction (cold). Returns input index → outcome.
    /// </summary>
    private async Task<IReadOnlyList<(int Index, (ResolutionStatus Status, Guid Id, string Evidence) Outcome)>> ResolveByKeysAsync<TFacts, TAttributes>(
        char entity,
        EntityStore<TFacts, TAttributes> store,
        IReadOnlyList<KeyItem<TFacts>> items,
        Func<TFacts, IReadOnlyList<IdentityKey>> strongKeys,
        Func<IdentityKey, Guid> idOf,
        Func<Guid, TFacts, IdentityKey, Task<KeyOutcome>> ask,
        Func<IdentityKey, TFacts, string> evidenceOf,
        string? source,
        Guid? teamId)
        where TFacts : class
    {
        var results = new List<(int, (ResolutionStatus, Guid, string))>(items.Count);
        var (viaGrains, unknown) = knownKeys.Split(entity, items, i => i.Key);
        if (unknown.Count > 0)
        {
            var owners = await store.FindOwnersAsync(unknown.SelectMany(i => strongKeys(i.Facts).Append(i.Key)).Distinct().ToList());
            var fresh = unknown.Where(i => !strongKeys(i.Facts).Append(i.Key).Any(owners.ContainsKey)).ToList();
            var firsts = fresh.GroupBy(i => i.Key).Select(g => g.First()).ToList();
            // Known owners, and later inputs of a key this batch creates, are matched (and enriched) by the grains.
            viaGrains.AddRange(unknown.Except(firsts));
            var created = await store.BulkCreateAsync([.. firsts.Select(i => new NewEntity<TFacts>(idOf(i.Key), i.Key, i.Facts))], source, teamId);
            foreach (var item in firsts)
            {
                var outcome = created[idOf(item.Key)];
                knownKeys.Add(entity, item.Key);
                results.Add((item.Index, (outcome.Inserted ? ResolutionStatus.Created : ResolutionStatus.Matched, outcome.Owner, evidenceOf(item.Key, item.Facts))));
            }
        }

        var answers = await Task.WhenAll(viaGrains.Select(async item => (item.Index, await FollowAsync(idOf(item.Key), id => ask(id, item.Facts, item.Key)))));
        foreach (var item in viaGrains)
        {
            knownKeys.Add(entity, item.Key);
        }

        results.AddRange(answers);
        return results;
    }

    /// <summary>Asks the grain of <paramref name="id"/>, then whichever grain it redirects to, until one answers.</summary>
    private static async Task<(ResolutionStatus Status, Guid Id, string Evidence)> FollowAsync(Guid id, Func<Guid, Task<KeyOutcome>> ask)
    {
        string? evidence = null;
        for (var hop = 0; hop < MaxRedirects; hop++)
        {
            var outcome = await ask(id);
            evidence ??= outcome.Evidence;
            if (outcome.RedirectTo is not { } next)
            {
                return (outcome.Status, id, evidence);
            }

            id = next;
        }

        throw new InvalidOperationException($"Identity redirect chain longer than {MaxRedirects} hops at {id}.");
    }
}
