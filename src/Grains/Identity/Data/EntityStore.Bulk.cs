using Alavida.Grains.Identity.Rules;
using Npgsql;
using NpgsqlTypes;

namespace Alavida.Grains.Identity.Data;

/// <summary>A new entity to create in bulk: its deterministic id, canonical key and facts.</summary>
public sealed record NewEntity<TFacts>(Guid Id, IdentityKey Canonical, TFacts Facts);

/// <summary>One caller's bulk creation: its new entities and the provenance they record.</summary>
public sealed record BulkCreateCall<TFacts>(IReadOnlyList<NewEntity<TFacts>> Entities, string? Source, Guid? TeamId);

/// <summary>What bulk creation did for one new entity.</summary>
/// <param name="Owner">The owner of its canonical key: itself, or another entity that claimed the key first.</param>
/// <param name="Inserted">Whether this call inserted the row (false: a racing silo created it first).</param>
public readonly record struct BulkCreated(Guid Owner, bool Inserted);

public abstract partial class EntityStore<TFacts, TAttributes>
{
    private const string DeadlockDetected = "40P01";

    /// <summary>
    /// Creates many entities in one transaction (the cold path of a batch): rows, canonical key claims, then the other
    /// keys and names of the rows whose canonical key was won. Rows are written in id order and keys in key order, so
    /// silos creating overlapping batches wait for each other instead of deadlocking; a deadlock is retried anyway.
    /// Concurrent callers share a transaction: while one is in flight, the entities of the callers after it wait and
    /// are created together (many one-company jobs, one transaction). An entity two callers create at once is created
    /// once, by the first of them; the other finds it made (<see cref="BulkCreated.Inserted"/> false).
    /// </summary>
    public Task<IReadOnlyDictionary<Guid, BulkCreated>> BulkCreateAsync(
        IReadOnlyList<NewEntity<TFacts>> entities, string? source, Guid? teamId, CancellationToken cancellationToken = default) =>
        entities.Count == 0
            ? Task.FromResult<IReadOnlyDictionary<Guid, BulkCreated>>(new Dictionary<Guid, BulkCreated>())
            : LazyInitializer.EnsureInitialized(ref _creates, () => new((_, calls) => BulkCreateTogetherAsync(calls), MaxBatchedCalls))
                .SendAsync(0, new BulkCreateCall<TFacts>(entities, source, teamId));

    private async Task<IReadOnlyList<IReadOnlyDictionary<Guid, BulkCreated>>> BulkCreateTogetherAsync(IReadOnlyList<BulkCreateCall<TFacts>> calls)
    {
        // The first caller of an id creates it, with its source.
        var firstCaller = new Dictionary<Guid, int>();
        var entities = new List<(NewEntity<TFacts> Entity, string? Source, Guid? TeamId)>();
        for (var c = 0; c < calls.Count; c++)
        {
            foreach (var entity in calls[c].Entities)
            {
                if (firstCaller.TryAdd(entity.Id, c))
                {
                    entities.Add((entity, calls[c].Source, calls[c].TeamId));
                }
            }
        }

        var sorted = entities.OrderBy(e => e.Entity.Id).ToList();
        IReadOnlyDictionary<Guid, BulkCreated> created;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                created = await BulkCreateOnceAsync(sorted, CancellationToken.None);
                break;
            }
            catch (PostgresException ex) when (ex.SqlState == DeadlockDetected && attempt < 3)
            {
                // The other transaction committed or will; a retry sees its rows and matches them.
            }
        }

        return [.. calls.Select((call, c) => (IReadOnlyDictionary<Guid, BulkCreated>)call.Entities.DistinctBy(e => e.Id).ToDictionary(
            e => e.Id, e => firstCaller[e.Id] == c ? created[e.Id] : created[e.Id] with { Inserted = false }))];
    }

    private async Task<IReadOnlyDictionary<Guid, BulkCreated>> BulkCreateOnceAsync(
        List<(NewEntity<TFacts> Entity, string? Source, Guid? TeamId)> batch, CancellationToken cancellationToken)
    {
        var entities = batch.Select(b => b.Entity).ToList();
        var t = Tables;
        var columns = FactColumns;
        await using var connection = await _db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        var inserted = new HashSet<Guid>();
        var insert = $"""
            INSERT INTO {t.Entities} (id, canonical_key, sources{string.Concat(columns.Select(c => ", " + c.Name))})
            SELECT q.id, q.canonical_key, CASE WHEN q.source IS NULL THEN ARRAY[]::text[] ELSE ARRAY[q.source] END
                   {string.Concat(columns.Select((_, i) => $", q.p{i}"))}
            FROM unnest(@ids, @canonical, @sources{string.Concat(columns.Select((_, i) => $", @p{i}"))})
                 AS q(id, canonical_key, source{string.Concat(columns.Select((_, i) => $", p{i}"))})
            ORDER BY q.id
            ON CONFLICT DO NOTHING -- no target: a racing insert can trip the id or the canonical_key index first
            RETURNING id
            """;
        await using (var command = new NpgsqlCommand(insert, connection, transaction))
        {
            command.Parameters.AddWithValue("ids", entities.Select(e => e.Id).ToArray());
            command.Parameters.AddWithValue("canonical", entities.Select(e => e.Canonical.ToString()).ToArray());
            command.Parameters.Add(new NpgsqlParameter("sources", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = batch.Select(b => b.Source).ToArray() });
            for (var i = 0; i < columns.Count; i++)
            {
                command.Parameters.Add(ColumnArray($"p{i}", columns[i], entities));
            }

            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                inserted.Add(reader.GetGuid(0));
            }
        }

        var canonical = entities.Select(e => (e.Canonical, e.Id)).OrderBy(k => k.Canonical.Kind, StringComparer.Ordinal).ThenBy(k => k.Canonical.Value, StringComparer.Ordinal).ToList();
        await ExecuteKeysAsync(transaction, $"""
            INSERT INTO {t.Keys} (kind, value, {t.Owner}) SELECT * FROM unnest(@kinds, @values, @ids)
            ON CONFLICT (kind, value) DO NOTHING
            """, canonical, cancellationToken);
        var owners = await OwnersAsync(connection, transaction, canonical.Select(c => c.Canonical).ToList(), cancellationToken);

        var results = new Dictionary<Guid, BulkCreated>();
        var created = new List<NewEntity<TFacts>>();
        var lost = new List<Guid>();
        foreach (var entity in entities)
        {
            var owner = owners.GetValueOrDefault(entity.Canonical, entity.Id);
            var mine = inserted.Contains(entity.Id);
            results[entity.Id] = new BulkCreated(owner, mine && owner == entity.Id);
            if (mine)
            {
                if (owner == entity.Id)
                {
                    created.Add(entity);
                }

                if (owner != entity.Id)
                {
                    lost.Add(entity.Id);
                }
            }
        }

        await FinishBulkAsync(transaction, created, lost, cancellationToken);
        var createdIds = created.Select(e => e.Id).ToHashSet();
        await events.EmitManyAsync(transaction,
            [.. batch.Where(b => createdIds.Contains(b.Entity.Id)).Select(b => CreatedEvent(b.Entity, b.Source, b.TeamId)).OfType<(string, object)>()], cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return results;
    }

    /// <summary>Removes rows whose canonical key another entity won; claims the winners' other keys and names.</summary>
    private async Task FinishBulkAsync(NpgsqlTransaction transaction, List<NewEntity<TFacts>> created, List<Guid> lost, CancellationToken cancellationToken)
    {
        var t = Tables;
        var keys = created.SelectMany(e => KeysOf(e.Facts).Where(k => k != e.Canonical).Select(k => (Canonical: k, e.Id)))
            .OrderBy(k => k.Canonical.Kind, StringComparer.Ordinal).ThenBy(k => k.Canonical.Value, StringComparer.Ordinal).ToList();
        var names = created.Select(e => (Name: NameOf(e.Facts), e.Id)).Where(n => n.Name is not null).ToList();
        var sql = $"""
            DELETE FROM {t.Entities} WHERE id = ANY(@lost);
            INSERT INTO {t.Keys} (kind, value, {t.Owner}) SELECT * FROM unnest(@kinds, @values, @ids) ON CONFLICT (kind, value) DO NOTHING;
            INSERT INTO {t.Names} (normalized_name, scope, {t.Owner}) SELECT * FROM unnest(@names, @scopes, @name_ids) ON CONFLICT DO NOTHING;
            UPDATE {t.Entities} e SET linkedin_slug = k.value FROM {t.Keys} k
                WHERE k.{t.Owner} = e.id AND k.kind = 'linkedin' AND e.id = ANY(@created) AND e.linkedin_slug IS NULL;
            """;
        await using var command = new NpgsqlCommand(sql, transaction.Connection, transaction);
        command.Parameters.AddWithValue("lost", lost.ToArray());
        command.Parameters.AddWithValue("created", created.Select(e => e.Id).ToArray());
        command.Parameters.AddWithValue("kinds", keys.Select(k => k.Canonical.Kind).ToArray());
        command.Parameters.AddWithValue("values", keys.Select(k => k.Canonical.Value).ToArray());
        command.Parameters.AddWithValue("ids", keys.Select(k => k.Id).ToArray());
        command.Parameters.AddWithValue("names", names.Select(n => n.Name!.Value.Name).ToArray());
        command.Parameters.AddWithValue("scopes", names.Select(n => n.Name!.Value.Scope).ToArray());
        command.Parameters.AddWithValue("name_ids", names.Select(n => n.Id).ToArray());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task ExecuteKeysAsync(NpgsqlTransaction transaction, string sql, List<(IdentityKey Key, Guid Id)> keys, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, transaction.Connection, transaction);
        command.Parameters.AddWithValue("kinds", keys.Select(k => k.Key.Kind).ToArray());
        command.Parameters.AddWithValue("values", keys.Select(k => k.Key.Value).ToArray());
        command.Parameters.AddWithValue("ids", keys.Select(k => k.Id).ToArray());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static NpgsqlParameter ColumnArray(string name, FactColumn<TFacts, TAttributes> column, List<NewEntity<TFacts>> entities) =>
        column.Type == NpgsqlDbType.Uuid
            ? new NpgsqlParameter(name, NpgsqlDbType.Array | NpgsqlDbType.Uuid) { Value = entities.Select(e => (Guid?)column.Value(e.Facts)).ToArray() }
            : new NpgsqlParameter(name, NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = entities.Select(e => (string?)column.Value(e.Facts)).ToArray() };
}
