using Alavida.Grains.Identity.Data;
using Alavida.Grains.Identity.Rules;

namespace Alavida.Grains.Identity;

/// <summary>
/// What company and person grains share: the row cached from the <c>identity</c> tables (the tables are the state, so
/// no second copy goes to grain storage), key resolution with create-by-claim, enrichment, merge and tombstones.
/// Not reentrant: resolutions of one key queue, which is what makes "create if absent" safe within a silo; across
/// silos the key claim in PostgreSQL decides.
/// </summary>
public abstract class EntityGrain<TFacts, TAttributes>(EntityStore<TFacts, TAttributes> store) : Grain, IEntityKeyGrain<TFacts>
    where TFacts : class
{
    private EntityRecord<TAttributes>? _record;
    private readonly List<string> _foreignKeys = [];
    private Guid? _alias;

    /// <summary>The cached row; a grain that found none looks again (a batch may have created it in bulk since).</summary>
    protected async Task<EntityRecord<TAttributes>?> CurrentAsync() => _record ??= await store.LoadAsync(this.GetPrimaryKey());

    public override async Task OnActivateAsync(CancellationToken cancellationToken) =>
        _record = await store.LoadAsync(this.GetPrimaryKey(), cancellationToken);

    /// <summary>
    /// The entity's view, or null for an unknown id. A tombstone answers with its survivor's view marked as merged
    /// (survivors never call their losers, so the chain cannot deadlock).
    /// </summary>
    protected async Task<TView?> ViewAsync<TView>(
        Func<EntityRecord<TAttributes>, TView> map, Func<Guid, Task<TView?>> survivorView, Func<TView, Guid, TView> asMerged)
        where TView : class
    {
        if (await CurrentAsync() is not { } record)
        {
            return null;
        }

        if (record.MergedInto is not { } survivor)
        {
            return map(record);
        }

        return await survivorView(survivor) is { } view ? asMerged(view, record.Id) : null;
    }

    /// <summary>The evidence reported when this entity was found through <paramref name="key"/>.</summary>
    protected abstract string EvidenceOf(IdentityKey key, TFacts facts);

    protected abstract IReadOnlyList<IdentityKey> KeysOf(TFacts facts);

    public async Task<KeyOutcome> ResolveAsync(TFacts facts, IdentityKey key, string? source, Guid? teamId)
    {
        if (_record is { MergedInto: { } survivor })
        {
            return new KeyOutcome(ResolutionStatus.Matched, EvidenceOf(key, facts), survivor);
        }

        if (_record is not null)
        {
            _record = await store.EnrichAsync(_record, facts, source, _foreignKeys);
            // Keys the facts name that are still not ours belong to other entities: remember, so we stop claiming them.
            _foreignKeys.AddRange(KeysOf(facts).Select(k => k.ToString()).Where(k => !_record.Keys.Contains(k) && !_foreignKeys.Contains(k)));
            return new KeyOutcome(ResolutionStatus.Matched, EvidenceOf(key, facts), null);
        }

        if (_alias is { } alias)
        {
            return new KeyOutcome(ResolutionStatus.Matched, EvidenceOf(key, facts), alias);
        }

        var id = this.GetPrimaryKey();
        // Another entity may already own this key or one of the input's other keys (strongest first).
        if (await store.FindOwnerAsync([key, .. KeysOf(facts).Where(k => k != key)]) is { } found && found.Owner != id)
        {
            _alias = found.Key == key ? found.Owner : null;
            return new KeyOutcome(ResolutionStatus.Matched, EvidenceOf(found.Key, facts), found.Owner);
        }

        var (owner, inserted) = await store.TryCreateAsync(id, key, facts, source, teamId);
        if (owner != id)
        {
            _alias = owner;
            return new KeyOutcome(ResolutionStatus.Matched, EvidenceOf(key, facts), owner);
        }

        _record = await store.LoadAsync(id);
        return new KeyOutcome(inserted ? ResolutionStatus.Created : ResolutionStatus.Matched, EvidenceOf(key, facts), null);
    }

    public async Task<MergeResult> AbsorbAsync(Guid loserId, string requestedBy)
    {
        var result = await store.MergeAsync(this.GetPrimaryKey(), loserId, requestedBy);
        _record = await store.LoadAsync(this.GetPrimaryKey());
        return result;
    }

    public async Task ReloadAsync()
    {
        _alias = null;
        _foreignKeys.Clear();
        _record = await store.LoadAsync(this.GetPrimaryKey());
    }
}
