using Alavida.Grains.Identity.Rules;
using Alavida.Grains.Platform;
using Npgsql;
using NpgsqlTypes;

namespace Alavida.Grains.Identity.Data;

/// <summary>
/// Rows of one entity type (companies or persons): load, create by claiming a canonical key, enrich with new keys and
/// attributes, match names, merge. Every claim is an <c>INSERT … ON CONFLICT DO NOTHING</c> on a key's primary key, so
/// silos racing on the same key agree on one owner.
/// </summary>
public abstract partial class EntityStore<TFacts, TAttributes>(IdentityDatabase database, IIdentityEvents events)
    where TFacts : class
{
    /// <summary>
    /// Provenance kept per entity: the first sources that created or enriched it. Past that, a resolution that only
    /// names a new source writes nothing (teams see their entities through their own links, not through this list), so
    /// a company resolved by thousands of jobs costs the same to match as a new one.
    /// </summary>
    public const int MaxSources = 16;

    private readonly NpgsqlDataSource _db = database.DataSource;
    private KeyedBatcher<int, IReadOnlyCollection<IdentityKey>, IReadOnlyDictionary<IdentityKey, Guid>>? _ownerLookups;
    private KeyedBatcher<int, BulkCreateCall<TFacts>, IReadOnlyDictionary<Guid, BulkCreated>>? _creates;

    /// <summary>Callers whose lookups or creations go in one query or transaction at most.</summary>
    private const int MaxBatchedCalls = 64;

    protected abstract EntityTables Tables { get; }

    /// <summary>The attribute columns, in the order <see cref="ReadAttributes"/> reads them.</summary>
    protected abstract IReadOnlyList<string> AttributeColumns { get; }

    /// <summary>Columns set from facts on create and enrich.</summary>
    protected abstract IReadOnlyList<FactColumn<TFacts, TAttributes>> FactColumns { get; }

    protected abstract TAttributes ReadAttributes(NpgsqlDataReader reader, int first);

    protected static string? Text(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    protected abstract IReadOnlyList<IdentityKey> KeysOf(TFacts facts);

    /// <summary>The event announcing a new entity (written with it), or null when this kind announces none.</summary>
    protected virtual (string Name, object Data)? CreatedEvent(NewEntity<TFacts> entity, string? source, Guid? teamId) => null;

    /// <summary>The name index entry (<c>normalized name</c>, <c>scope</c>) the facts assert, if any.</summary>
    protected abstract (string Name, string Scope)? NameOf(TFacts facts);

    /// <summary>The entity with its keys and names, or null when no row has this id.</summary>
    public async Task<EntityRecord<TAttributes>?> LoadAsync(Guid id, CancellationToken cancellationToken = default)
    {
        var t = Tables;
        var sql = $"""
            SELECT e.sources, e.created_at, e.updated_at, e.merged_into,
                   ARRAY(SELECT k.kind || ':' || k.value FROM {t.Keys} k WHERE k.{t.Owner} = e.id),
                   ARRAY(SELECT n.normalized_name || '|' || n.scope FROM {t.Names} n WHERE n.{t.Owner} = e.id),
                   {string.Join(", ", AttributeColumns.Select(c => "e." + c))}
            FROM {t.Entities} e WHERE e.id = @id
            """;
        await using var command = _db.CreateCommand(sql);
        command.Parameters.AddWithValue("id", id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return new EntityRecord<TAttributes>(
            id,
            ReadAttributes(reader, 6),
            reader.GetFieldValue<string[]>(4),
            reader.GetFieldValue<string[]>(5),
            reader.GetFieldValue<string[]>(0),
            reader.GetFieldValue<DateTimeOffset>(1),
            reader.GetFieldValue<DateTimeOffset>(2),
            reader.IsDBNull(3) ? null : reader.GetGuid(3));
    }

    /// <summary>The owner of the first of <paramref name="keys"/> (in the given priority order) that has one.</summary>
    public async Task<(Guid Owner, IdentityKey Key)?> FindOwnerAsync(IReadOnlyList<IdentityKey> keys, CancellationToken cancellationToken = default)
    {
        var owners = await FindOwnersAsync(keys, cancellationToken);
        foreach (var key in keys)
        {
            if (owners.TryGetValue(key, out var owner))
            {
                return (owner, key);
            }
        }

        return null;
    }

    /// <summary>
    /// The owners of those of <paramref name="keys"/> that have one. Concurrent callers share a query: while one is in
    /// flight, the keys of the callers after it wait and are looked up together (many one-company jobs, one query).
    /// </summary>
    public async Task<IReadOnlyDictionary<IdentityKey, Guid>> FindOwnersAsync(IReadOnlyCollection<IdentityKey> keys, CancellationToken cancellationToken = default)
    {
        if (keys.Count == 0)
        {
            return new Dictionary<IdentityKey, Guid>();
        }

        // Owner lookups of concurrent callers go together (one key: one query at a time).
        var lookups = LazyInitializer.EnsureInitialized(ref _ownerLookups, () => new((_, calls) => FindOwnersTogetherAsync(calls), MaxBatchedCalls));
        var owners = await lookups.SendAsync(0, keys);
        return keys.Where(owners.ContainsKey).Distinct().ToDictionary(k => k, k => owners[k]);
    }

    private async Task<IReadOnlyList<IReadOnlyDictionary<IdentityKey, Guid>>> FindOwnersTogetherAsync(IReadOnlyList<IReadOnlyCollection<IdentityKey>> calls)
    {
        await using var connection = await _db.OpenConnectionAsync();
        var owners = await OwnersAsync(connection, null, calls.SelectMany(c => c).Distinct().ToList(), CancellationToken.None);
        return [.. calls.Select(_ => owners)];
    }

    private async Task<Dictionary<IdentityKey, Guid>> OwnersAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, IReadOnlyCollection<IdentityKey> keys, CancellationToken cancellationToken)
    {
        var sql = $"""
            SELECT k.kind, k.value, k.{Tables.Owner}
            FROM {Tables.Keys} k JOIN unnest(@kinds, @values) AS q(kind, value) ON k.kind = q.kind AND k.value = q.value
            """;
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        command.Parameters.AddWithValue("kinds", keys.Select(k => k.Kind).ToArray());
        command.Parameters.AddWithValue("values", keys.Select(k => k.Value).ToArray());
        var owners = new Dictionary<IdentityKey, Guid>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            owners[new IdentityKey(reader.GetString(0), reader.GetString(1))] = reader.GetGuid(2);
        }

        return owners;
    }

    /// <summary>
    /// Creates entity <paramref name="id"/> owning <paramref name="canonical"/> and, where still free, the facts' other
    /// keys. Returns the canonical key's owner — another entity means nothing was written — and whether this call
    /// inserted the row (false when a racing silo of another cluster created the same id first).
    /// </summary>
    public async Task<(Guid Owner, bool Inserted)> TryCreateAsync(
        Guid id, IdentityKey canonical, TFacts facts, string? source, Guid? teamId, CancellationToken cancellationToken = default)
    {
        var t = Tables;
        var columns = FactColumns;
        await using var connection = await _db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        bool inserted;
        var insert = $"""
            INSERT INTO {t.Entities} (id, canonical_key, sources{string.Concat(columns.Select(c => ", " + c.Name))})
            VALUES (@id, @canonical, @sources{string.Concat(columns.Select((_, i) => $", @p{i}"))})
            ON CONFLICT DO NOTHING -- no target: a racing insert can trip the id or the canonical_key index first
            """;
        await using (var command = new NpgsqlCommand(insert, connection, transaction))
        {
            command.Parameters.AddWithValue("id", id);
            command.Parameters.AddWithValue("canonical", canonical.ToString());
            command.Parameters.AddWithValue("sources", source is null ? Array.Empty<string>() : [source]);
            AddFactParameters(command, facts);
            inserted = await command.ExecuteNonQueryAsync(cancellationToken) == 1;
        }

        var owner = await ClaimAsync(transaction, id, canonical, cancellationToken);
        if (owner != id)
        {
            await transaction.RollbackAsync(cancellationToken);
            return (owner, false);
        }

        await ClaimFactsAsync(transaction, id, facts, cancellationToken);
        if (inserted && CreatedEvent(new NewEntity<TFacts>(id, canonical, facts), source, teamId) is { } created)
        {
            await events.EmitAsync(transaction, created.Name, created.Data, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return (id, inserted);
    }

    /// <summary>
    /// Adds what the facts say that <paramref name="current"/> lacks (free keys, a new name, empty attributes, the
    /// source); returns the reloaded entity, or <paramref name="current"/> itself when there was nothing to add.
    /// <paramref name="foreignKeys"/> (<c>kind:value</c>) are known to belong to other entities: not worth another claim.
    /// </summary>
    public async Task<EntityRecord<TAttributes>> EnrichAsync(
        EntityRecord<TAttributes> current, TFacts facts, string? source, IReadOnlyCollection<string> foreignKeys, CancellationToken cancellationToken = default)
    {
        var newKeys = KeysOf(facts).Select(k => k.ToString()).Any(k => !current.Keys.Contains(k) && !foreignKeys.Contains(k));
        var newName = NameOf(facts) is { } name && !current.Names.Contains($"{name.Name}|{name.Scope}");
        var newSource = source is not null && current.Sources.Count < MaxSources && !current.Sources.Contains(source);
        var changed = FactColumns.Any(c => c.Changes(facts, current.Attributes));
        if (!newKeys && !newName && !newSource && !changed)
        {
            return current;
        }

        var t = Tables;
        await using (var connection = await _db.OpenConnectionAsync(cancellationToken))
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            await ClaimFactsAsync(transaction, current.Id, facts, cancellationToken);
            var sets = FactColumns.Select((c, i) => c.Overwrite ? $"{c.Name} = COALESCE(@p{i}, {c.Name})" : $"{c.Name} = COALESCE({c.Name}, @p{i})");
            var update = $"""
                UPDATE {t.Entities} SET {string.Join(", ", sets)},
                    sources = CASE WHEN @source::text IS NULL OR @source::text = ANY(sources) OR cardinality(sources) >= {MaxSources} THEN sources
                                   ELSE array_append(sources, @source::text) END,
                    updated_at = now()
                WHERE id = @id
                """;
            await using var command = new NpgsqlCommand(update, connection, transaction);
            command.Parameters.AddWithValue("id", current.Id);
            command.Parameters.Add(new NpgsqlParameter("source", NpgsqlDbType.Text) { Value = (object?)source ?? DBNull.Value });
            AddFactParameters(command, facts);
            await command.ExecuteNonQueryAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        return await LoadAsync(current.Id, cancellationToken) ?? current;
    }

    /// <summary>
    /// Entities by normalized name: for each requested (name, scope) the distinct owners, where a null scope matches
    /// every scope and an empty one (scope unknown) matches any request. Merged entities' names belong to their
    /// survivors, so no tombstone is returned.
    /// </summary>
    public async Task<IReadOnlyDictionary<(string Name, string? Scope), IReadOnlyList<Guid>>> FindByNamesAsync(
        IReadOnlyCollection<(string Name, string? Scope)> requests, CancellationToken cancellationToken = default)
    {
        var rows = new List<(string Name, string Scope, Guid Owner)>();
        if (requests.Count > 0)
        {
            var sql = $"SELECT normalized_name, scope, {Tables.Owner} FROM {Tables.Names} WHERE normalized_name = ANY(@names)";
            await using var command = _db.CreateCommand(sql);
            command.Parameters.AddWithValue("names", requests.Select(r => r.Name).Distinct().ToArray());
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add((reader.GetString(0), reader.GetString(1), reader.GetGuid(2)));
            }
        }

        return requests.Distinct().ToDictionary(
            r => r,
            r => (IReadOnlyList<Guid>)[.. rows.Where(x => x.Name == r.Name && (r.Scope is null || x.Scope == r.Scope || x.Scope.Length == 0)).Select(x => x.Owner).Distinct().Order()]);
    }

    private void AddFactParameters(NpgsqlCommand command, TFacts facts)
    {
        var columns = FactColumns;
        for (var i = 0; i < columns.Count; i++)
        {
            command.Parameters.Add(new NpgsqlParameter($"p{i}", columns[i].Value(facts) ?? DBNull.Value));
        }
    }

    /// <summary>Claims the key for <paramref name="id"/> unless taken; returns its owner either way.</summary>
    private async Task<Guid> ClaimAsync(NpgsqlTransaction transaction, Guid id, IdentityKey key, CancellationToken cancellationToken)
    {
        var t = Tables;
        var claim = $"""
            INSERT INTO {t.Keys} (kind, value, {t.Owner}) VALUES (@kind, @value, @id)
            ON CONFLICT (kind, value) DO NOTHING RETURNING {t.Owner}
            """;
        if (await ScalarAsync(transaction, claim, id, key, cancellationToken) is Guid claimed)
        {
            return claimed;
        }

        // Taken: a new statement sees the winner's committed row (the conflict waited for it to commit).
        var owner = $"SELECT {t.Owner} FROM {t.Keys} WHERE kind = @kind AND value = @value";
        return (Guid)(await ScalarAsync(transaction, owner, id, key, cancellationToken))!;
    }

    private static async Task<object?> ScalarAsync(NpgsqlTransaction transaction, string sql, Guid id, IdentityKey key, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, transaction.Connection, transaction);
        command.Parameters.AddWithValue("kind", key.Kind);
        command.Parameters.AddWithValue("value", key.Value);
        command.Parameters.AddWithValue("id", id);
        return await command.ExecuteScalarAsync(cancellationToken);
    }

    /// <summary>Claims the facts' free keys and indexes their name for <paramref name="id"/>.</summary>
    private async Task ClaimFactsAsync(NpgsqlTransaction transaction, Guid id, TFacts facts, CancellationToken cancellationToken)
    {
        var t = Tables;
        var keys = KeysOf(facts);
        var sql = $"""
            INSERT INTO {t.Keys} (kind, value, {t.Owner}) SELECT kind, value, @id FROM unnest(@kinds, @values) AS q(kind, value)
            ON CONFLICT (kind, value) DO NOTHING;
            INSERT INTO {t.Names} (normalized_name, scope, {t.Owner}) SELECT @name, @scope, @id WHERE @name::text IS NOT NULL
            ON CONFLICT DO NOTHING;
            UPDATE {t.Entities} SET linkedin_slug = (SELECT min(k.value) FROM {t.Keys} k WHERE k.{t.Owner} = @id AND k.kind = 'linkedin')
            WHERE id = @id AND linkedin_slug IS NULL AND 'linkedin' = ANY(@kinds);
            """;
        await using var command = new NpgsqlCommand(sql, transaction.Connection, transaction);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("kinds", keys.Select(k => k.Kind).ToArray());
        command.Parameters.AddWithValue("values", keys.Select(k => k.Value).ToArray());
        var name = NameOf(facts);
        command.Parameters.Add(new NpgsqlParameter("name", NpgsqlDbType.Text) { Value = (object?)name?.Name ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("scope", NpgsqlDbType.Text) { Value = (object?)name?.Scope ?? DBNull.Value });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
