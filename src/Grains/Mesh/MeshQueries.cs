using System.Text;
using Npgsql;

namespace Alavida.Grains.Mesh;

/// <summary>Reads of the mesh tables (visibility, loading runs) and the few writes that must not wait for a batch.</summary>
public sealed partial class MeshQueries(NpgsqlDataSource dataSource)
{
    private const string SummaryColumns = "r.run_id, r.function_id, r.status, r.event_id, r.trace_id, r.team_id, r.attempts, r.created_at, r.started_at, r.ended_at, r.error";
    private const string EventColumns = """e.id, e.name, e.data::text, e."user"::text, e.ts, e.v, e.trace_id, e.team_id, e.received_at""";

    /// <summary>Runs, newest first; <paramref name="functionIds"/> (when given) replaces <see cref="RunQuery.FunctionId"/> with the ids it stands for.</summary>
    public async Task<RunPage> QueryRunsAsync(RunQuery q, IReadOnlyList<string>? functionIds = null)
    {
        var limit = Math.Clamp(q.Limit, 1, 500);
        var sql = new StringBuilder($"SELECT {SummaryColumns} FROM mesh.runs r WHERE true");
        await using var cmd = dataSource.CreateCommand();
        Filter(cmd, sql, "r.team_id", "team", q.TeamId);
        if (functionIds is { Count: > 1 })
        {
            sql.Append(" AND r.function_id = ANY(@fns)");
            cmd.Parameters.AddWithValue("fns", functionIds.ToArray());
        }
        else
        {
            // One id stays an equality: its index then yields the rows already in page order.
            Filter(cmd, sql, "r.function_id", "fn", functionIds is [var only] ? only : q.FunctionId);
        }

        Filter(cmd, sql, "r.status", "status", q.Status);
        Filter(cmd, sql, "r.trace_id", "trace", q.TraceId);
        if (q.Since is { } since)
        {
            sql.Append(" AND r.created_at >= @since");
            cmd.Parameters.AddWithValue("since", since);
        }

        if (Cursor.TryParse(q.Cursor, out var at, out var key))
        {
            sql.Append(" AND (r.created_at, r.run_id) < (@cursor_at, @cursor_id)");
            cmd.Parameters.AddWithValue("cursor_at", at);
            cmd.Parameters.AddWithValue("cursor_id", Guid.Parse(key));
        }

        sql.Append(" ORDER BY r.created_at DESC, r.run_id DESC LIMIT @limit");
        cmd.Parameters.AddWithValue("limit", limit + 1);
        cmd.CommandText = sql.ToString();
        var items = await ReadRunsAsync(cmd);
        var next = items.Count > limit ? Cursor.Format(items[limit - 1].CreatedAt, items[limit - 1].RunId.ToString()) : null;
        return new RunPage(items.Take(limit).ToList(), next);
    }

    public async Task<RunSummary?> GetRunSummaryAsync(Guid runId, string? teamId)
    {
        await using var cmd = dataSource.CreateCommand($"SELECT {SummaryColumns} FROM mesh.runs r WHERE r.run_id = @id AND (@team::text IS NULL OR r.team_id = @team)");
        cmd.Parameters.AddWithValue("id", runId);
        cmd.Parameters.Add(new NpgsqlParameter("team", NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)teamId ?? DBNull.Value });
        return (await ReadRunsAsync(cmd)).FirstOrDefault();
    }

    public async Task<RunDetail?> GetRunAsync(Guid runId, string? teamId)
    {
        var summary = await GetRunSummaryAsync(runId, teamId);
        if (summary is null)
        {
            return null;
        }

        await using var cmd = dataSource.CreateCommand("SELECT output::text, error FROM mesh.runs WHERE run_id = @id");
        cmd.Parameters.AddWithValue("id", runId);
        string? output = null, error = null;
        await using (var reader = await cmd.ExecuteReaderAsync())
        {
            if (await reader.ReadAsync())
            {
                output = reader.IsDBNull(0) ? null : reader.GetString(0);
                error = reader.IsDBNull(1) ? null : reader.GetString(1);
            }
        }

        var steps = (await LoadStepsAsync(runId)).OrderBy(s => s.StartedAt).ThenBy(s => s.StepId, StringComparer.Ordinal)
            .Select(s => new StepView(s.StepId, s.Name, s.Status, s.Attempts, s.StartedAt, s.EndedAt, s.Output, s.Error)).ToList();
        return new RunDetail(summary, output, error, steps);
    }

    public async Task<LoadedRun?> LoadRunAsync(Guid runId)
    {
        await using var cmd = dataSource.CreateCommand($"""
            SELECT r.function_id, r.status, r.attempts, r.created_at, r.started_at, r.parent_run_id, r.parent_step_id, {EventColumns}
            FROM mesh.runs r JOIN mesh.events e ON e.id = r.event_id AND e.team_id IS NOT DISTINCT FROM r.team_id WHERE r.run_id = @id
            """);
        cmd.Parameters.AddWithValue("id", runId);
        LoadedRun? run = null;
        // The reader is disposed once, before the steps query: a reader of a data-source command belongs to a pooled
        // connector that another caller may hold as soon as it is released, so it must not be touched again.
        await using (var reader = await cmd.ExecuteReaderAsync())
        {
            if (await reader.ReadAsync())
            {
                run = new LoadedRun(runId, reader.GetString(0), reader.GetString(1), reader.GetInt32(2), reader.GetFieldValue<DateTimeOffset>(3),
                    NullableTime(reader, 4), reader.IsDBNull(5) ? null : reader.GetGuid(5), reader.IsDBNull(6) ? null : reader.GetString(6),
                    ReadEvent(reader, 7).Event, []);
            }
        }

        return run is null ? null : run with { Steps = await LoadStepsAsync(runId) };
    }

    /// <summary>Unfinished runs (not paused) with their events, for reconciliation.</summary>
    public async Task<IReadOnlyList<(Guid RunId, string FunctionId, string Status, DateTimeOffset CreatedAt, MeshEvent Event)>> UnfinishedRunsAsync(TimeSpan minimumAge)
    {
        await using var cmd = dataSource.CreateCommand($"""
            SELECT r.run_id, r.function_id, r.status, r.created_at, {EventColumns}
            FROM mesh.runs r JOIN mesh.events e ON e.id = r.event_id AND e.team_id IS NOT DISTINCT FROM r.team_id
            WHERE r.status IN ('queued', 'running', 'sleeping', 'waiting') AND r.created_at <= now() - @age ORDER BY r.created_at
            """);
        cmd.Parameters.AddWithValue("age", minimumAge);
        var runs = new List<(Guid, string, string, DateTimeOffset, MeshEvent)>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            runs.Add((reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3), ReadEvent(reader, 4).Event));
        }

        return runs;
    }

    /// <summary>Registers a WaitForEvent wait and its step in one commit, so a matching event finds it.</summary>
    public async Task RegisterWaitAsync(WaitRow wait, IReadOnlyList<StepRow> steps)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await MeshSql.ExecuteAsync(connection, tx, [MeshSql.InsertWaits([wait]), MeshSql.UpsertSteps(steps)]);
        await tx.CommitAsync();
    }

    /// <summary>Times a wait out unless an event matched it first; returns the step as it now stands.</summary>
    public async Task<StepRow?> ExpireWaitAsync(Guid runId, string stepId, DateTimeOffset now)
    {
        await using var cmd = dataSource.CreateCommand("""
            WITH d AS (DELETE FROM mesh.waits WHERE run_id = @run AND step_id = @step RETURNING run_id, step_id)
            UPDATE mesh.steps s SET status = 'completed', ended_at = @now, output = NULL FROM d
            WHERE s.run_id = d.run_id AND s.step_id = d.step_id
            """);
        cmd.Parameters.AddWithValue("run", runId);
        cmd.Parameters.AddWithValue("step", stepId);
        cmd.Parameters.AddWithValue("now", now);
        await cmd.ExecuteNonQueryAsync();
        return (await LoadStepsAsync(runId)).FirstOrDefault(s => s.StepId == stepId);
    }

    /// <summary>Inserts runs of stored events (replays) with their cancelOn waits; returns them with their status.</summary>
    public async Task<IReadOnlyList<(Guid RunId, string Status)>> InsertRunsAsync(IReadOnlyList<RunRow> runs, IReadOnlyList<WaitRow> cancelWaits)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        var inserted = await MeshSql.InsertRunsAsync(connection, tx, runs, cancelWaits);
        await tx.CommitAsync();
        return inserted;
    }

    public async Task<HashSet<string>> PausedFunctionsAsync()
    {
        await using var cmd = dataSource.CreateCommand("SELECT function_id FROM mesh.functions WHERE paused");
        var paused = new HashSet<string>(StringComparer.Ordinal);
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            paused.Add(reader.GetString(0));
        }

        return paused;
    }

    public async Task SetPausedAsync(string functionId, bool paused, DateTimeOffset now)
    {
        await using var cmd = dataSource.CreateCommand("""
            INSERT INTO mesh.functions (function_id, paused, updated_at) VALUES (@fn, @paused, @now)
            ON CONFLICT (function_id) DO UPDATE SET paused = excluded.paused, updated_at = excluded.updated_at
            """);
        cmd.Parameters.AddWithValue("fn", functionId);
        cmd.Parameters.AddWithValue("paused", paused);
        cmd.Parameters.AddWithValue("now", now);
        await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>Moves a resumed function's paused runs back to queued; returns them to dispatch.</summary>
    public async Task<IReadOnlyList<(Guid RunId, DateTimeOffset CreatedAt, MeshEvent Event)>> UnpauseRunsAsync(string functionId)
    {
        await using var cmd = dataSource.CreateCommand($"""
            WITH u AS (UPDATE mesh.runs SET status = 'queued' WHERE function_id = @fn AND status = 'paused' RETURNING run_id, created_at, event_id, team_id)
            SELECT u.run_id, u.created_at, {EventColumns} FROM u JOIN mesh.events e ON e.id = u.event_id AND e.team_id IS NOT DISTINCT FROM u.team_id
            ORDER BY u.created_at
            """);
        cmd.Parameters.AddWithValue("fn", functionId);
        var runs = new List<(Guid, DateTimeOffset, MeshEvent)>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            runs.Add((reader.GetGuid(0), reader.GetFieldValue<DateTimeOffset>(1), ReadEvent(reader, 2).Event));
        }

        return runs;
    }

    private async Task<List<StepRow>> LoadStepsAsync(Guid runId)
    {
        await using var cmd = dataSource.CreateCommand(
            "SELECT step_id, name, status, attempts, started_at, ended_at, wake_at, output::text, error FROM mesh.steps WHERE run_id = @id");
        cmd.Parameters.AddWithValue("id", runId);
        var steps = new List<StepRow>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            steps.Add(new StepRow(runId, reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3), reader.GetFieldValue<DateTimeOffset>(4),
                NullableTime(reader, 5), NullableTime(reader, 6), reader.IsDBNull(7) ? null : reader.GetString(7), reader.IsDBNull(8) ? null : reader.GetString(8)));
        }

        return steps;
    }

    private static async Task<List<RunSummary>> ReadRunsAsync(NpgsqlCommand cmd)
    {
        var items = new List<RunSummary>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            items.Add(new RunSummary(reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5), reader.GetInt32(6), reader.GetFieldValue<DateTimeOffset>(7), NullableTime(reader, 8), NullableTime(reader, 9),
                reader.IsDBNull(10) ? null : reader.GetString(10)));
        }

        return items;
    }

    private static StoredEvent ReadEvent(NpgsqlDataReader r, int i) => new(
        new MeshEvent(r.GetString(i), r.GetString(i + 1), r.GetString(i + 2), r.IsDBNull(i + 3) ? null : r.GetString(i + 3), r.GetInt64(i + 4),
            r.IsDBNull(i + 5) ? null : r.GetString(i + 5), r.GetString(i + 6), r.IsDBNull(i + 7) ? null : r.GetString(i + 7)),
        r.GetFieldValue<DateTimeOffset>(i + 8));

    private static DateTimeOffset? NullableTime(NpgsqlDataReader reader, int i) => reader.IsDBNull(i) ? null : reader.GetFieldValue<DateTimeOffset>(i);

    private static void Filter(NpgsqlCommand cmd, StringBuilder sql, string column, string name, string? value)
    {
        if (value is not null)
        {
            sql.Append($" AND {column} = @{name}");
            cmd.Parameters.AddWithValue(name, value);
        }
    }

    /// <summary>Opaque keyset cursors: base64 of "ticks|key".</summary>
    private static class Cursor
    {
        public static string Format(DateTimeOffset at, string key) =>
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{at.UtcTicks}|{key}"));

        public static bool TryParse(string? cursor, out DateTimeOffset at, out string key)
        {
            at = default;
            key = "";
            if (string.IsNullOrEmpty(cursor))
            {
                return false;
            }

            try
            {
                var parts = Encoding.UTF8.GetString(Convert.FromBase64String(cursor)).Split('|', 2);
                at = new DateTimeOffset(long.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture), TimeSpan.Zero);
                key = parts[1];
                return true;
            }
            catch (Exception ex) when (ex is FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
            {
                throw new ArgumentException($"cursor: '{cursor}' is not a cursor this API returned", nameof(cursor), ex);
            }
        }
    }
}
