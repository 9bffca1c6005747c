using Npgsql;

namespace Alavida.Grains.Identity.Data;

public abstract partial class EntityStore<TFacts, TAttributes>
{
    /// <summary>
    /// Merges <paramref name="loserId"/> into <paramref name="survivorId"/> in one transaction: the loser becomes a
    /// tombstone (<c>merged_into</c>), its keys and names move to the survivor, earlier tombstones pointing at the loser
    /// are repointed, the survivor's empty attributes are filled from the loser, and the merge event is emitted.
    /// </summary>
    public async Task<MergeResult> MergeAsync(Guid survivorId, Guid loserId, string requestedBy, CancellationToken cancellationToken = default)
    {
        var t = Tables;
        await using var connection = await _db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var rows = new Dictionary<Guid, Guid?>();
        await using (var lockRows = new NpgsqlCommand($"SELECT id, merged_into FROM {t.Entities} WHERE id = ANY(@ids) ORDER BY id FOR UPDATE", connection, transaction))
        {
            lockRows.Parameters.AddWithValue("ids", new[] { survivorId, loserId });
            await using var reader = await lockRows.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                rows[reader.GetGuid(0)] = reader.IsDBNull(1) ? null : reader.GetGuid(1);
            }
        }

        if (Refusal(rows, survivorId, loserId) is { } refusal)
        {
            await transaction.RollbackAsync(cancellationToken);
            return refusal;
        }

        var fill = string.Join(", ", AttributeColumns.Select(c => $"{c} = COALESCE(s.{c}, l.{c})"));
        var sql = $"""
            UPDATE {t.Keys} SET {t.Owner} = @survivor WHERE {t.Owner} = @loser;
            INSERT INTO {t.Names} (normalized_name, scope, {t.Owner})
                SELECT normalized_name, scope, @survivor FROM {t.Names} WHERE {t.Owner} = @loser ON CONFLICT DO NOTHING;
            DELETE FROM {t.Names} WHERE {t.Owner} = @loser;
            UPDATE {t.Entities} SET merged_into = @survivor WHERE merged_into = @loser;
            UPDATE {t.Entities} s SET {fill},
                sources = ARRAY(SELECT DISTINCT unnest(s.sources || l.sources) ORDER BY 1), updated_at = now()
                FROM {t.Entities} l WHERE s.id = @survivor AND l.id = @loser;
            UPDATE {t.Entities} SET merged_into = @survivor, merged_at = now(), merged_by = @by, updated_at = now() WHERE id = @loser;
            """;
        await using (var merge = new NpgsqlCommand(sql, connection, transaction))
        {
            merge.Parameters.AddWithValue("survivor", survivorId);
            merge.Parameters.AddWithValue("loser", loserId);
            merge.Parameters.AddWithValue("by", requestedBy);
            await merge.ExecuteNonQueryAsync(cancellationToken);
        }

        await events.EmitAsync(transaction, t.MergedEvent, new EntityMerged(survivorId, loserId, requestedBy, IdentityRules.Version), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new MergeResult(MergeStatus.Merged, survivorId, loserId, null);
    }

    private static MergeResult? Refusal(Dictionary<Guid, Guid?> rows, Guid survivorId, Guid loserId)
    {
        MergeResult Reject(string reason) => new(MergeStatus.Rejected, survivorId, loserId, reason);
        if (survivorId == loserId)
        {
            return Reject("survivor and loser are the same entity");
        }

        if (!rows.TryGetValue(survivorId, out var survivorMergedInto))
        {
            return Reject("survivor does not exist");
        }

        if (!rows.TryGetValue(loserId, out var loserMergedInto))
        {
            return Reject("loser does not exist");
        }

        if (loserMergedInto == survivorId)
        {
            return new MergeResult(MergeStatus.AlreadyMerged, survivorId, loserId, null);
        }

        if (survivorMergedInto is { } survivorTarget)
        {
            return Reject($"survivor was merged into {survivorTarget}; merge into that entity");
        }

        return loserMergedInto is { } loserTarget ? Reject($"loser was already merged into {loserTarget}") : null;
    }
}
