using System.Collections.Concurrent;
using Alavida.Grains.Identity.Data;
using Alavida.Grains.Platform;
using Dapper;
using Npgsql;

namespace Alavida.Grains.Identity;

/// <summary>
/// The merges a team decided (<c>identity.team_merges</c>): an overlay on the shared identities that changes what
/// that team sees — its resolutions, its reads — and nobody else's (ADR 0006). Resolution reads a team's overlay from a
/// silo-local copy at most <see cref="FreshFor"/> old, so a job costs no extra query: a merge shows at once on the silo
/// that made it and within that time on the others. Most teams have none, and their copy is an empty map.
/// </summary>
public sealed class TeamMerges(IdentityDatabase database, IIdentityEvents events, TimeProvider time)
{
    /// <summary>How old a silo's copy of a team's overlay may be before it is read again.</summary>
    public static readonly TimeSpan FreshFor = TimeSpan.FromSeconds(1);

    private static readonly IReadOnlyDictionary<Guid, Guid> None = new Dictionary<Guid, Guid>();
    private readonly NpgsqlDataSource _db = database.DataSource;
    private readonly ConcurrentDictionary<(Guid Team, IdentityKind Kind), Overlay> _overlays = new();

    /// <summary>The team's merges of <paramref name="kind"/>: loser id → survivor id.</summary>
    public async Task<IReadOnlyDictionary<Guid, Guid>> OverlayAsync(Guid teamId, IdentityKind kind)
    {
        var key = (teamId, kind);
        var now = time.GetUtcNow();
        if (_overlays.TryGetValue(key, out var cached) && now - cached.ReadAt < FreshFor)
        {
            return cached.Survivors;
        }

        await using var connection = await _db.OpenConnectionAsync();
        var rows = await connection.QueryAsync<(Guid Loser, Guid Survivor)>(
            "SELECT loser_id, survivor_id FROM identity.team_merges WHERE team_id = @teamId AND kind = @kind",
            new { teamId, kind = IdentityKinds.Text(kind) });
        var survivors = rows.ToDictionary(r => r.Loser, r => r.Survivor);
        var overlay = new Overlay(survivors.Count == 0 ? None : survivors, now);
        _overlays[key] = overlay;
        return overlay.Survivors;
    }

    /// <summary>
    /// Merges <paramref name="loserId"/> into <paramref name="survivorId"/> for the team (both the global survivors of
    /// what the team asked for; the caller checked the team may see them). Refused: the same entity, a survivor the team
    /// merged into another, a loser the team merged elsewhere; a repeat is <see cref="MergeStatus.AlreadyMerged"/>.
    /// Losers the team had merged into the loser now point at the survivor. Emits <c>identity/{kind}.merged</c> for the
    /// team in the same transaction.
    /// </summary>
    public async Task<MergeResult> MergeAsync(Guid teamId, IdentityKind kind, Guid survivorId, Guid loserId, string requestedBy)
    {
        if (survivorId == loserId)
        {
            return new MergeResult(MergeStatus.Rejected, survivorId, loserId, "survivor and loser are the same entity");
        }

        var text = IdentityKinds.Text(kind);
        var result = await _db.InTransactionAsync(async (connection, tx) =>
        {
            // One team's merges of one kind at a time: two crossing merges could otherwise make a cycle.
            await connection.ExecuteAsync("SELECT pg_advisory_xact_lock(hashtextextended(@lock, 0))", new { @lock = $"team-merges|{teamId}|{text}" }, tx);
            var existing = (await connection.QueryAsync<(Guid Loser, Guid Survivor)>(
                "SELECT loser_id, survivor_id FROM identity.team_merges WHERE team_id = @teamId AND kind = @text AND loser_id = ANY(@ids)",
                new { teamId, text, ids = new[] { survivorId, loserId } }, tx)).ToDictionary(r => r.Loser, r => r.Survivor);
            if (existing.TryGetValue(loserId, out var already))
            {
                return already == survivorId
                    ? new MergeResult(MergeStatus.AlreadyMerged, survivorId, loserId, null)
                    : new MergeResult(MergeStatus.Rejected, survivorId, loserId, $"your team already merged {loserId} into {already}");
            }

            if (existing.TryGetValue(survivorId, out var survivorOfSurvivor))
            {
                return new MergeResult(MergeStatus.Rejected, survivorId, loserId, $"your team merged {survivorId} into {survivorOfSurvivor}; merge into {survivorOfSurvivor}");
            }

            await connection.ExecuteAsync(
                """
                INSERT INTO identity.team_merges (team_id, kind, loser_id, survivor_id, requested_by) VALUES (@teamId, @text, @loserId, @survivorId, @requestedBy);
                UPDATE identity.team_merges SET survivor_id = @survivorId WHERE team_id = @teamId AND kind = @text AND survivor_id = @loserId;
                """,
                new { teamId, text, loserId, survivorId, requestedBy }, tx);
            await events.EmitAsync(tx, $"identity/{text}.merged", new TeamEntityMerged(survivorId, loserId, requestedBy, IdentityRules.Version, teamId));
            return new MergeResult(MergeStatus.Merged, survivorId, loserId, null);
        });

        if (result.Status == MergeStatus.Merged)
        {
            _overlays.TryRemove((teamId, kind), out _); // this silo sees it at once
        }

        return result;
    }

    /// <summary>The survivor of <paramref name="id"/> as the team sees it (the id itself unless the team merged it away).</summary>
    public async Task<Guid> SurvivorAsync(Guid teamId, IdentityKind kind, Guid id) => Map(await OverlayAsync(teamId, kind), id);

    /// <summary>The survivor of <paramref name="id"/> in <paramref name="overlay"/>, or the id itself.</summary>
    public static Guid Map(IReadOnlyDictionary<Guid, Guid> overlay, Guid id) => overlay.TryGetValue(id, out var survivor) ? survivor : id;

    private sealed record Overlay(IReadOnlyDictionary<Guid, Guid> Survivors, DateTimeOffset ReadAt);
}
