using Alavida.Grains.Data;
using Npgsql;
using NpgsqlTypes;

namespace Alavida.Grains.Identity;

/// <summary>
/// Links the entities a team's job resolved to the team (<c>identity.team_entities</c>), which is what makes them
/// visible to it. A local service rather than a grain call: it only writes through the group commit, and skips the
/// links this silo has seen committed (<see cref="TeamLinks"/>), so a job over known companies links without a call or
/// a write.
/// </summary>
public sealed class IdentityLinker(GroupCommitter committer, TeamLinks links)
{
    // Positional: a job that resolves a new company runs it (see PositionalSql).
    private static readonly string LinkSql = PositionalSql.Of(
        """
        INSERT INTO identity.team_entities (team_id, kind, entity_id, job_id)
        SELECT @teamId, @kind, id, @jobId FROM unnest(@ids) AS id
        ON CONFLICT (team_id, kind, entity_id) DO NOTHING
        RETURNING entity_id
        """,
        "teamId", "kind", "jobId", "ids");

    /// <summary>Remembers that a team's job resolved these entities (idempotent); completes once they are committed.</summary>
    public async Task LinkAsync(Guid teamId, Guid? jobId, IdentityKind kind, IReadOnlyList<Guid> entityIds)
    {
        // Only links this silo has not seen committed; in key order, so concurrent commits that link overlapping
        // entities take their row locks in the same order.
        var ids = links.Unknown(teamId, kind, entityIds.Distinct().Order());
        if (ids.Length == 0)
        {
            return;
        }

        // Committed with other jobs' writes (group commit): one link per job would otherwise be one commit per job.
        NpgsqlBatchCommand Command() => PositionalSql.Command(LinkSql,
            PositionalSql.Value(teamId), PositionalSql.Value(IdentityKinds.Text(kind)), PositionalSql.OrNull(jobId, NpgsqlDbType.Uuid), PositionalSql.Value(ids));

        // The committer needs a result set per statement (RETURNING); the rows themselves are not needed.
        await committer.ExecuteAsync(() => [Command()], _ => Task.FromResult(0));
        links.Committed(teamId, kind, ids);
    }
}
