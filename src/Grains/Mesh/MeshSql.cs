using Npgsql;
using NpgsqlTypes;

namespace Alavida.Grains.Mesh;

/// <summary>The mesh's write statements, set-based (<c>unnest</c>) so a batch costs a handful of statements.</summary>
internal static class MeshSql
{
    public static async Task<HashSet<string>> InsertEventsAsync(NpgsqlConnection c, NpgsqlTransaction tx, IReadOnlyList<MeshEvent> events, DateTimeOffset receivedAt)
    {
        // A duplicate id is accepted again only once the stored one is older than 24 h (it then replaces it).
        const string sql = """
            INSERT INTO mesh.events (id, name, data, "user", ts, v, trace_id, team_id, received_at)
            SELECT u.id, u.name, u.data::jsonb, u.usr::jsonb, u.ts, u.v, u.trace_id, u.team_id, @received
            FROM unnest(@ids, @names, @data, @users, @ts, @vs, @traces, @teams) AS u(id, name, data, usr, ts, v, trace_id, team_id)
            ON CONFLICT (id) DO UPDATE SET name = excluded.name, data = excluded.data, "user" = excluded."user", ts = excluded.ts,
                v = excluded.v, trace_id = excluded.trace_id, team_id = excluded.team_id, received_at = excluded.received_at
            WHERE mesh.events.received_at < excluded.received_at - interval '24 hours'
            RETURNING id
            """;
        await using var cmd = new NpgsqlCommand(sql, c, tx);
        cmd.Parameters.AddWithValue("received", receivedAt);
        cmd.Parameters.AddWithValue("ids", events.Select(e => e.Id).ToArray());
        cmd.Parameters.AddWithValue("names", events.Select(e => e.Name).ToArray());
        cmd.Parameters.AddWithValue("data", events.Select(e => e.DataJson).ToArray());
        cmd.Parameters.Add(Text("users", events.Select(e => e.UserJson)));
        cmd.Parameters.AddWithValue("ts", events.Select(e => e.Ts).ToArray());
        cmd.Parameters.Add(Text("vs", events.Select(e => e.V)));
        cmd.Parameters.AddWithValue("traces", events.Select(e => e.TraceId ?? e.Id).ToArray());
        cmd.Parameters.Add(Text("teams", events.Select(e => e.TeamId)));
        var accepted = new HashSet<string>(StringComparer.Ordinal);
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            accepted.Add(reader.GetString(0));
        }

        return accepted;
    }

    /// <summary>Removes the waits these events satisfy; a satisfied WaitForEvent gets its memo (the event) in the same transaction.</summary>
    public static async Task<IReadOnlyList<MatchedWait>> MatchWaitsAsync(NpgsqlConnection c, NpgsqlTransaction tx, IReadOnlyList<MeshEvent> events, DateTimeOffset now)
    {
        const string sql = """
            WITH e AS (
                SELECT u.id, u.name, jsonb_build_object('id', u.id, 'name', u.name, 'data', u.data::jsonb, 'user', u.usr::jsonb,
                       'ts', u.ts, 'trace_id', u.trace_id, 'team_id', u.team_id) AS payload
                FROM unnest(@ids, @names, @data, @users, @ts, @traces, @teams) AS u(id, name, data, usr, ts, trace_id, team_id)
                WHERE u.name IN (SELECT event_name FROM mesh.waits)),
            d AS (
                DELETE FROM mesh.waits w USING e
                WHERE w.kind IN ('wait', 'cancel') AND w.event_name = e.name
                  AND (w.match_path IS NULL OR e.payload #>> w.match_path = w.match_value)
                RETURNING w.run_id, w.step_id, w.kind, e.id AS event_id, e.payload),
            s AS (
                UPDATE mesh.steps st SET status = 'completed', ended_at = @now, wake_at = NULL, output = d.payload
                FROM d WHERE d.kind = 'wait' AND st.run_id = d.run_id AND st.step_id = d.step_id)
            SELECT run_id, step_id, kind, event_id FROM d
            """;
        await using var cmd = new NpgsqlCommand(sql, c, tx);
        cmd.Parameters.AddWithValue("now", now);
        cmd.Parameters.AddWithValue("ids", events.Select(e => e.Id).ToArray());
        cmd.Parameters.AddWithValue("names", events.Select(e => e.Name).ToArray());
        cmd.Parameters.AddWithValue("data", events.Select(e => e.DataJson).ToArray());
        cmd.Parameters.Add(Text("users", events.Select(e => e.UserJson)));
        cmd.Parameters.AddWithValue("ts", events.Select(e => e.Ts).ToArray());
        cmd.Parameters.AddWithValue("traces", events.Select(e => e.TraceId ?? e.Id).ToArray());
        cmd.Parameters.Add(Text("teams", events.Select(e => e.TeamId)));
        var matched = new List<MatchedWait>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            matched.Add(new MatchedWait(reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetString(3)));
        }

        return matched;
    }

    public static async Task<bool> ClaimIdempotencyAsync(NpgsqlConnection c, NpgsqlTransaction tx, RunRow run)
    {
        const string sql = """
            INSERT INTO mesh.idempotency (function_id, key, run_id, expires_at) VALUES (@fn, @key, @run, @expires)
            ON CONFLICT (function_id, key) DO UPDATE SET run_id = excluded.run_id, expires_at = excluded.expires_at
            WHERE mesh.idempotency.expires_at <= @now
            RETURNING run_id
            """;
        await using var cmd = new NpgsqlCommand(sql, c, tx);
        cmd.Parameters.AddWithValue("fn", run.FunctionId);
        cmd.Parameters.AddWithValue("key", run.IdempotencyKey!);
        cmd.Parameters.AddWithValue("run", run.RunId);
        cmd.Parameters.AddWithValue("now", run.CreatedAt);
        cmd.Parameters.AddWithValue("expires", run.CreatedAt.AddHours(24));
        return await cmd.ExecuteScalarAsync() is not null;
    }

    /// <summary>Inserts runs as queued, or paused when their function is paused; returns each run with its status.</summary>
    public static async Task<IReadOnlyList<(Guid RunId, string Status)>> InsertRunsAsync(NpgsqlConnection c, NpgsqlTransaction tx, IReadOnlyList<RunRow> runs)
    {
        const string sql = """
            INSERT INTO mesh.runs (run_id, function_id, event_id, status, trace_id, team_id, created_at, parent_run_id, parent_step_id)
            SELECT u.run_id, u.function_id, u.event_id, CASE WHEN f.paused THEN 'paused' ELSE 'queued' END,
                   u.trace_id, u.team_id, u.created_at, u.parent_run_id, u.parent_step_id
            FROM unnest(@runs, @fns, @events, @traces, @teams, @created, @parents, @parent_steps)
                 AS u(run_id, function_id, event_id, trace_id, team_id, created_at, parent_run_id, parent_step_id)
            LEFT JOIN mesh.functions f ON f.function_id = u.function_id
            ON CONFLICT (run_id) DO NOTHING
            RETURNING run_id, status
            """;
        await using var cmd = new NpgsqlCommand(sql, c, tx);
        cmd.Parameters.AddWithValue("runs", runs.Select(r => r.RunId).ToArray());
        cmd.Parameters.AddWithValue("fns", runs.Select(r => r.FunctionId).ToArray());
        cmd.Parameters.AddWithValue("events", runs.Select(r => r.EventId).ToArray());
        cmd.Parameters.AddWithValue("traces", runs.Select(r => r.TraceId).ToArray());
        cmd.Parameters.Add(Text("teams", runs.Select(r => r.TeamId)));
        cmd.Parameters.AddWithValue("created", runs.Select(r => r.CreatedAt.UtcDateTime).ToArray());
        cmd.Parameters.Add(new NpgsqlParameter("parents", NpgsqlDbType.Array | NpgsqlDbType.Uuid) { Value = runs.Select(r => r.ParentRunId).ToArray() });
        cmd.Parameters.Add(Text("parent_steps", runs.Select(r => r.ParentStepId)));
        var inserted = new List<(Guid, string)>(runs.Count);
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            inserted.Add((reader.GetGuid(0), reader.GetString(1)));
        }

        return inserted;
    }

    public static async Task InsertWaitsAsync(NpgsqlConnection c, NpgsqlTransaction? tx, IReadOnlyList<WaitRow> waits)
    {
        const string sql = """
            INSERT INTO mesh.waits (run_id, step_id, kind, event_name, match_path, match_value, expires_at)
            SELECT u.run_id, u.step_id, u.kind, u.event_name, CASE WHEN u.match_path IS NULL THEN NULL ELSE string_to_array(u.match_path, '.') END,
                   u.match_value, u.expires_at
            FROM unnest(@runs, @steps, @kinds, @names, @paths, @values, @expires) AS u(run_id, step_id, kind, event_name, match_path, match_value, expires_at)
            ON CONFLICT (run_id, step_id) DO NOTHING
            """;
        await using var cmd = new NpgsqlCommand(sql, c, tx);
        cmd.Parameters.AddWithValue("runs", waits.Select(w => w.RunId).ToArray());
        cmd.Parameters.AddWithValue("steps", waits.Select(w => w.StepId).ToArray());
        cmd.Parameters.AddWithValue("kinds", waits.Select(w => w.Kind).ToArray());
        cmd.Parameters.AddWithValue("names", waits.Select(w => w.EventName).ToArray());
        cmd.Parameters.Add(Text("paths", waits.Select(w => w.MatchPath is null ? null : string.Join('.', w.MatchPath))));
        cmd.Parameters.Add(Text("values", waits.Select(w => w.MatchValue)));
        cmd.Parameters.Add(Times("expires", waits.Select(w => w.ExpiresAt)));
        await cmd.ExecuteNonQueryAsync();
    }

    public static async Task UpsertStepsAsync(NpgsqlConnection c, NpgsqlTransaction tx, IReadOnlyList<StepRow> steps)
    {
        const string sql = """
            INSERT INTO mesh.steps (run_id, step_id, name, status, attempts, started_at, ended_at, wake_at, output, error)
            SELECT u.run_id, u.step_id, u.name, u.status, u.attempts, u.started_at, u.ended_at, u.wake_at, u.output::jsonb, u.error
            FROM unnest(@runs, @steps, @names, @statuses, @attempts, @started, @ended, @wake, @outputs, @errors)
                 AS u(run_id, step_id, name, status, attempts, started_at, ended_at, wake_at, output, error)
            ON CONFLICT (run_id, step_id) DO UPDATE SET status = excluded.status, attempts = excluded.attempts, ended_at = excluded.ended_at,
                wake_at = excluded.wake_at, output = excluded.output, error = excluded.error
            WHERE mesh.steps.status <> 'completed'
            """;
        await using var cmd = new NpgsqlCommand(sql, c, tx);
        cmd.Parameters.AddWithValue("runs", steps.Select(s => s.RunId).ToArray());
        cmd.Parameters.AddWithValue("steps", steps.Select(s => s.StepId).ToArray());
        cmd.Parameters.AddWithValue("names", steps.Select(s => s.Name).ToArray());
        cmd.Parameters.AddWithValue("statuses", steps.Select(s => s.Status).ToArray());
        cmd.Parameters.AddWithValue("attempts", steps.Select(s => s.Attempts).ToArray());
        cmd.Parameters.AddWithValue("started", steps.Select(s => s.StartedAt.UtcDateTime).ToArray());
        cmd.Parameters.Add(Times("ended", steps.Select(s => s.EndedAt)));
        cmd.Parameters.Add(Times("wake", steps.Select(s => s.WakeAt)));
        cmd.Parameters.Add(Text("outputs", steps.Select(s => s.Output)));
        cmd.Parameters.Add(Text("errors", steps.Select(s => s.Error)));
        await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>Applies run updates; a finished run is never changed again, and its cancelOn waits go.</summary>
    public static async Task UpdateRunsAsync(NpgsqlConnection c, NpgsqlTransaction tx, IReadOnlyList<RunUpdate> updates)
    {
        const string sql = """
            WITH u AS (
                SELECT * FROM unnest(@runs, @statuses, @attempts, @started, @ended, @wake, @outputs, @errors)
                    AS u(run_id, status, attempts, started_at, ended_at, wake_at, output, error)),
            changed AS (
                UPDATE mesh.runs r SET status = u.status, attempts = u.attempts, started_at = coalesce(r.started_at, u.started_at),
                    ended_at = u.ended_at, wake_at = u.wake_at, output = u.output::jsonb, error = u.error
                FROM u WHERE r.run_id = u.run_id AND r.status NOT IN ('completed', 'failed', 'cancelled', 'skipped')
                RETURNING r.run_id, r.status)
            DELETE FROM mesh.waits w USING changed
            WHERE w.run_id = changed.run_id AND changed.status IN ('completed', 'failed', 'cancelled', 'skipped')
            """;
        await using var cmd = new NpgsqlCommand(sql, c, tx);
        cmd.Parameters.AddWithValue("runs", updates.Select(u => u.RunId).ToArray());
        cmd.Parameters.AddWithValue("statuses", updates.Select(u => u.Status).ToArray());
        cmd.Parameters.AddWithValue("attempts", updates.Select(u => u.Attempts).ToArray());
        cmd.Parameters.Add(Times("started", updates.Select(u => u.StartedAt)));
        cmd.Parameters.Add(Times("ended", updates.Select(u => u.EndedAt)));
        cmd.Parameters.Add(Times("wake", updates.Select(u => u.WakeAt)));
        cmd.Parameters.Add(Text("outputs", updates.Select(u => u.Output)));
        cmd.Parameters.Add(Text("errors", updates.Select(u => u.Error)));
        await cmd.ExecuteNonQueryAsync();
    }

    public static NpgsqlParameter Text(string name, IEnumerable<string?> values) =>
        new(name, NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = values.ToArray() };

    public static NpgsqlParameter Times(string name, IEnumerable<DateTimeOffset?> values) =>
        new(name, NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { Value = values.Select(v => v?.UtcDateTime).ToArray() };
}
