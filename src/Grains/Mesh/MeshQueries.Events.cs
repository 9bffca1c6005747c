using System.Text;
using Npgsql;

namespace Alavida.Grains.Mesh;

/// <summary>Reads of <c>mesh.events</c>. An event is identified by its id within its team (or among events without a team).</summary>
public sealed partial class MeshQueries
{
    public async Task<EventPage> QueryEventsAsync(EventQuery q)
    {
        var limit = Math.Clamp(q.Limit, 1, 500);
        var sql = new StringBuilder($"SELECT {EventColumns} FROM mesh.events e WHERE true");
        await using var cmd = dataSource.CreateCommand();
        Filter(cmd, sql, "e.team_id", "team", q.TeamId);
        Filter(cmd, sql, "e.name", "name", q.Name);
        if (q.Since is { } since)
        {
            sql.Append(" AND e.received_at >= @since");
            cmd.Parameters.AddWithValue("since", since);
        }

        // Two teams may send the same id in one batch (same received_at): the team breaks the tie. Team ids hold no
        // '|', so the key is "team|id" and the id keeps any '|' of its own.
        if (Cursor.TryParse(q.Cursor, out var at, out var key))
        {
            var (team, id) = key.Split('|', 2) is [var t, var i] ? (t, i) : throw new ArgumentException($"cursor: '{q.Cursor}' is not a cursor this API returned", "cursor");
            sql.Append(" AND (e.received_at, e.id, coalesce(e.team_id, '')) < (@cursor_at, @cursor_id, @cursor_team)");
            cmd.Parameters.AddWithValue("cursor_at", at);
            cmd.Parameters.AddWithValue("cursor_id", id);
            cmd.Parameters.AddWithValue("cursor_team", team);
        }

        sql.Append(" ORDER BY e.received_at DESC, e.id DESC, coalesce(e.team_id, '') DESC LIMIT @limit");
        cmd.Parameters.AddWithValue("limit", limit + 1);
        cmd.CommandText = sql.ToString();
        var items = new List<StoredEvent>();
        await using (var reader = await cmd.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                items.Add(ReadEvent(reader, 0));
            }
        }

        var next = items.Count > limit ? Cursor.Format(items[limit - 1].ReceivedAt, $"{items[limit - 1].Event.TeamId}|{items[limit - 1].Event.Id}") : null;
        return new EventPage(items.Take(limit).ToList(), next);
    }

    /// <summary>
    /// The events stored under <paramref name="eventId"/>, each with the runs it started: in <paramref name="teamId"/>'s
    /// namespace only (at most one), or with null (the platform admin) in every namespace that used the id.
    /// </summary>
    public async Task<IReadOnlyList<EventDetail>> FindEventsAsync(string eventId, string? teamId)
    {
        await using var cmd = dataSource.CreateCommand(
            $"SELECT {EventColumns} FROM mesh.events e WHERE e.id = @id AND (@team::text IS NULL OR e.team_id = @team) ORDER BY e.received_at DESC");
        cmd.Parameters.AddWithValue("id", eventId);
        cmd.Parameters.Add(new NpgsqlParameter("team", NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)teamId ?? DBNull.Value });
        var found = new List<StoredEvent>();
        await using (var reader = await cmd.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                found.Add(ReadEvent(reader, 0));
            }
        }

        var details = new List<EventDetail>(found.Count);
        foreach (var stored in found)
        {
            details.Add(new EventDetail(stored, await RunsOfAsync(EventKey.Of(stored.Event))));
        }

        return details;
    }

    /// <summary>The event <paramref name="key"/> names exactly (its team's namespace, or that of events without a team).</summary>
    public async Task<MeshEvent?> GetEventAsync(EventKey key)
    {
        await using var cmd = dataSource.CreateCommand($"SELECT {EventColumns} FROM mesh.events e WHERE e.id = @id AND e.team_id IS NOT DISTINCT FROM @team");
        cmd.Parameters.AddWithValue("id", key.Id);
        cmd.Parameters.Add(new NpgsqlParameter("team", NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)key.TeamId ?? DBNull.Value });
        await using var reader = await cmd.ExecuteReaderAsync();
        return await reader.ReadAsync() ? ReadEvent(reader, 0).Event : null;
    }

    private async Task<List<RunSummary>> RunsOfAsync(EventKey key)
    {
        await using var runs = dataSource.CreateCommand(
            $"SELECT {SummaryColumns} FROM mesh.runs r WHERE r.event_id = @id AND r.team_id IS NOT DISTINCT FROM @team ORDER BY r.created_at");
        runs.Parameters.AddWithValue("id", key.Id);
        runs.Parameters.Add(new NpgsqlParameter("team", NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)key.TeamId ?? DBNull.Value });
        return await ReadRunsAsync(runs);
    }
}
