using Npgsql;
using NpgsqlTypes;

namespace Alavida.Grains.Mesh;

/// <summary>
/// The mesh's write statements, set-based (<c>unnest</c>) and sent together as one <see cref="NpgsqlBatch"/>, so a
/// batch of writes costs one round trip plus the commit. A finished run or a completed step is never changed back,
/// which makes the order of concurrent batches irrelevant.
/// </summary>
internal static class MeshSql
{
    // The pieces the batch statements share: runs inserted from the run arrays (paused when their function is, so the
    // caller can put a JOIN between the two halves), and waits inserted from the wait arrays.
    private const string RunsInsert = """
        INSERT INTO mesh.runs (run_id, function_id, event_id, status, trace_id, team_id, created_at, parent_run_id, parent_step_id)
        SELECT n.run_id, n.function_id, n.event_id, CASE WHEN f.paused THEN 'paused' ELSE 'queued' END,
               n.trace_id, n.team_id, n.created_at, n.parent_run_id, n.parent_step_id
        FROM unnest(@run_ids, @run_fns, @run_events, @run_traces, @run_teams, @run_created, @run_parents, @run_parent_steps)
             AS n(run_id, function_id, event_id, trace_id, team_id, created_at, parent_run_id, parent_step_id)
        """;

    private const string RunsInsertEnd = """
        LEFT JOIN mesh.functions f ON f.function_id = n.function_id
        ON CONFLICT (run_id) DO NOTHING
        RETURNING run_id, status
        """;

    private const string WaitsInsert = """
        INSERT INTO mesh.waits (run_id, team_id, step_id, kind, event_name, match_path, match_value, expires_at)
        SELECT w.run_id, w.team_id, w.step_id, w.kind, w.event_name, string_to_array(w.match_path, '.'), w.match_value, w.expires_at
        FROM unnest(@w_runs, @w_teams, @w_steps, @w_kinds, @w_names, @w_paths, @w_values, @w_expires)
             AS w(run_id, team_id, step_id, kind, event_name, match_path, match_value, expires_at)
        """;

    /// <summary>The writer's planner settings (<see cref="MeshDatabase"/>) for the rest of a transaction on another pool.</summary>
    public static readonly IReadOnlyList<string> WriterPlannerSettings =
        ["SET LOCAL enable_seqscan = off", "SET LOCAL enable_hashjoin = off", "SET LOCAL enable_mergejoin = off"];

    /// <summary>
    /// Accepts events in one statement: inserts them (a duplicate id from the same team, or among events without a
    /// team, is accepted again only once the stored one is older than 24 h; ids of different teams never meet),
    /// removes the waits they satisfy (waits of runs of the event's own team only; a satisfied WaitForEvent gets the
    /// event as its memo), inserts the runs of accepted events (paused when their function is) and their cancelOn
    /// waits. Rows: ('e', id, …, team_id), ('r', run_id, status), ('w', run_id, step_id, kind, event_id, event's
    /// team_id). New cancelOn waits never see their own event: every part of the statement reads the same snapshot.
    /// The team is compared twice: <c>IS NOT DISTINCT FROM</c> is the rule (no team matches no team), and the
    /// equality on <c>coalesce(team_id, '')</c> lets the index <c>waits_event_team</c> find only that team's waits.
    /// </summary>
    public static NpgsqlBatchCommand Accept(IReadOnlyList<MeshEvent> events, DateTimeOffset now, IReadOnlyList<RunRow> runs, IReadOnlyList<WaitRow> waits)
    {
        const string sql = $"""
            WITH u AS (
                SELECT * FROM unnest(@ids, @names, @data, @users, @ts, @vs, @traces, @teams) AS u(id, name, data, usr, ts, v, trace_id, team_id)),
            ev AS (
                INSERT INTO mesh.events (id, name, data, "user", ts, v, trace_id, team_id, received_at)
                SELECT id, name, data::jsonb, usr::jsonb, ts, v, trace_id, team_id, @now FROM u
                ON CONFLICT (id, team_id) DO UPDATE SET name = excluded.name, data = excluded.data, "user" = excluded."user", ts = excluded.ts,
                    v = excluded.v, trace_id = excluded.trace_id, received_at = excluded.received_at
                WHERE mesh.events.received_at < excluded.received_at - interval '24 hours'
                RETURNING id, team_id),
            e AS (
                SELECT u.id, u.team_id, u.name, jsonb_build_object('id', u.id, 'name', u.name, 'data', u.data::jsonb, 'user', u.usr::jsonb,
                       'ts', u.ts, 'trace_id', u.trace_id, 'team_id', u.team_id) AS payload
                FROM u WHERE EXISTS (SELECT FROM ev WHERE ev.id = u.id AND ev.team_id IS NOT DISTINCT FROM u.team_id)
                  AND u.name IN (SELECT event_name FROM mesh.waits)),
            d AS (
                DELETE FROM mesh.waits w USING e
                WHERE w.kind IN ('wait', 'cancel') AND w.event_name = e.name
                  AND coalesce(w.team_id, '') = coalesce(e.team_id, '') AND w.team_id IS NOT DISTINCT FROM e.team_id
                  AND (w.match_path IS NULL OR e.payload #>> w.match_path = w.match_value)
                RETURNING w.run_id, w.step_id, w.kind, e.id AS event_id, e.team_id AS event_team_id, e.payload),
            s AS (
                UPDATE mesh.steps st SET status = 'completed', ended_at = @now, wake_at = NULL, output = d.payload
                FROM d WHERE d.kind = 'wait' AND st.run_id = d.run_id AND st.step_id = d.step_id),
            r AS (
                {RunsInsert}
                JOIN ev ON ev.id = n.event_id AND ev.team_id IS NOT DISTINCT FROM n.team_id
                {RunsInsertEnd}),
            cw AS (
                {WaitsInsert}
                JOIN r ON r.run_id = w.run_id
                ON CONFLICT (run_id, step_id) DO NOTHING)
            SELECT 'e', id, NULL, NULL, NULL, team_id FROM ev
            UNION ALL SELECT 'r', run_id::text, status, NULL, NULL, NULL FROM r
            UNION ALL SELECT 'w', run_id::text, step_id, kind, event_id, event_team_id FROM d
            """;
        var cmd = new NpgsqlBatchCommand(sql);
        var p = cmd.Parameters;
        p.AddWithValue("now", now);
        p.AddWithValue("ids", events.Select(e => e.Id).ToArray());
        p.AddWithValue("names", events.Select(e => e.Name).ToArray());
        p.AddWithValue("data", events.Select(e => e.DataJson).ToArray());
        p.Add(Text("users", events.Select(e => e.UserJson)));
        p.AddWithValue("ts", events.Select(e => e.Ts).ToArray());
        p.Add(Text("vs", events.Select(e => e.V)));
        p.AddWithValue("traces", events.Select(e => e.TraceId ?? e.Id).ToArray());
        p.Add(Text("teams", events.Select(e => e.TeamId)));
        AddRunParameters(p, runs);
        AddWaitParameters(p, "w_", waits);
        return cmd;
    }

    /// <summary>Reads the rows of <see cref="Accept"/>.</summary>
    public static async Task<(HashSet<EventKey> Accepted, List<(Guid RunId, string Status)> Runs, List<MatchedWait> Matched)> ReadAcceptAsync(NpgsqlDataReader reader)
    {
        var accepted = new HashSet<EventKey>();
        var runs = new List<(Guid, string)>();
        var matched = new List<MatchedWait>();
        while (await reader.ReadAsync())
        {
            switch (reader.GetString(0))
            {
                case "e":
                    accepted.Add(new EventKey(reader.GetString(1), reader.IsDBNull(5) ? null : reader.GetString(5)));
                    break;
                case "r":
                    runs.Add((Guid.Parse(reader.GetString(1)), reader.GetString(2)));
                    break;
                default:
                    matched.Add(new MatchedWait(Guid.Parse(reader.GetString(1)), reader.GetString(2), reader.GetString(3),
                        new EventKey(reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5))));
                    break;
            }
        }

        return (accepted, runs, matched);
    }

    /// <summary>
    /// Claims a run's idempotency key within its team for 24 h; false when another run of the team holds it. An expired
    /// claim (of any team: it no longer means anything) is removed first, then the insert does nothing on a conflict
    /// with any key: the per-team one, and until the contract (mesh/0006) also the platform-wide one the previous
    /// release names in its ON CONFLICT (while it exists, a key still suppresses other teams' runs, as before). Two
    /// statements, one round trip.
    /// </summary>
    public static async Task<bool> ClaimIdempotencyAsync(NpgsqlConnection c, NpgsqlTransaction tx, RunRow run)
    {
        const string sql = """
            DELETE FROM mesh.idempotency WHERE function_id = @fn AND key = @key AND expires_at <= @now;
            INSERT INTO mesh.idempotency (function_id, key, team_id, run_id, expires_at) VALUES (@fn, @key, @team, @run, @expires)
            ON CONFLICT DO NOTHING
            RETURNING run_id
            """;
        await using var cmd = new NpgsqlCommand(sql, c, tx);
        cmd.Parameters.AddWithValue("fn", run.FunctionId);
        cmd.Parameters.AddWithValue("key", run.IdempotencyKey!);
        cmd.Parameters.Add(new NpgsqlParameter("team", NpgsqlDbType.Text) { Value = (object?)run.TeamId ?? DBNull.Value });
        cmd.Parameters.AddWithValue("run", run.RunId);
        cmd.Parameters.AddWithValue("now", run.CreatedAt);
        cmd.Parameters.AddWithValue("expires", run.CreatedAt.AddHours(24));
        return await cmd.ExecuteScalarAsync() is not null;
    }

    /// <summary>Inserts runs of already stored events (idempotent runs, replays) with their cancelOn waits.</summary>
    public static async Task<IReadOnlyList<(Guid RunId, string Status)>> InsertRunsAsync(NpgsqlConnection c, NpgsqlTransaction tx, IReadOnlyList<RunRow> runs, IReadOnlyList<WaitRow> waits)
    {
        const string sql = $"""
            WITH r AS (
                {RunsInsert}
                {RunsInsertEnd}),
            cw AS (
                {WaitsInsert}
                JOIN r ON r.run_id = w.run_id
                ON CONFLICT (run_id, step_id) DO NOTHING)
            SELECT run_id, status FROM r
            """;
        await using var cmd = new NpgsqlCommand(sql, c, tx);
        AddRunParameters(cmd.Parameters, runs);
        AddWaitParameters(cmd.Parameters, "w_", waits);
        var inserted = new List<(Guid, string)>(runs.Count);
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            inserted.Add((reader.GetGuid(0), reader.GetString(1)));
        }

        return inserted;
    }

    public static NpgsqlBatchCommand InsertWaits(IReadOnlyList<WaitRow> waits)
    {
        const string sql = $"""
            {WaitsInsert}
            ON CONFLICT (run_id, step_id) DO NOTHING
            """;
        var cmd = new NpgsqlBatchCommand(sql);
        AddWaitParameters(cmd.Parameters, "w_", waits);
        return cmd;
    }

    public static NpgsqlBatchCommand UpsertSteps(IReadOnlyList<StepRow> steps)
    {
        const string sql = """
            INSERT INTO mesh.steps (run_id, step_id, name, status, attempts, started_at, ended_at, wake_at, output, error)
            SELECT u.run_id, u.step_id, u.name, u.status, u.attempts, u.started_at, u.ended_at, u.wake_at, u.output::jsonb, u.error
            FROM unnest(@s_runs, @s_steps, @s_names, @s_statuses, @s_attempts, @s_started, @s_ended, @s_wake, @s_outputs, @s_errors)
                 AS u(run_id, step_id, name, status, attempts, started_at, ended_at, wake_at, output, error)
            ON CONFLICT (run_id, step_id) DO UPDATE SET status = excluded.status, attempts = excluded.attempts, ended_at = excluded.ended_at,
                wake_at = excluded.wake_at, output = excluded.output, error = excluded.error
            WHERE mesh.steps.status <> 'completed'
            """;
        var cmd = new NpgsqlBatchCommand(sql);
        var p = cmd.Parameters;
        p.AddWithValue("s_runs", steps.Select(s => s.RunId).ToArray());
        p.AddWithValue("s_steps", steps.Select(s => s.StepId).ToArray());
        p.AddWithValue("s_names", steps.Select(s => s.Name).ToArray());
        p.AddWithValue("s_statuses", steps.Select(s => s.Status).ToArray());
        p.AddWithValue("s_attempts", steps.Select(s => s.Attempts).ToArray());
        p.AddWithValue("s_started", steps.Select(s => s.StartedAt.UtcDateTime).ToArray());
        p.Add(Times("s_ended", steps.Select(s => s.EndedAt)));
        p.Add(Times("s_wake", steps.Select(s => s.WakeAt)));
        p.Add(Text("s_outputs", steps.Select(s => s.Output)));
        p.Add(Text("s_errors", steps.Select(s => s.Error)));
        return cmd;
    }

    /// <summary>Applies run updates; a finished run is never changed again, and its waits go.</summary>
    public static NpgsqlBatchCommand UpdateRuns(IReadOnlyList<RunUpdate> updates)
    {
        const string sql = """
            WITH u AS (
                SELECT * FROM unnest(@u_runs, @u_statuses, @u_attempts, @u_started, @u_ended, @u_wake, @u_outputs, @u_errors)
                    AS u(run_id, status, attempts, started_at, ended_at, wake_at, output, error)),
            changed AS (
                UPDATE mesh.runs r SET status = u.status, attempts = u.attempts, started_at = coalesce(r.started_at, u.started_at),
                    ended_at = u.ended_at, wake_at = u.wake_at, output = u.output::jsonb, error = u.error
                FROM u WHERE r.run_id = u.run_id AND r.status NOT IN ('completed', 'failed', 'cancelled', 'skipped')
                RETURNING r.run_id, r.status)
            DELETE FROM mesh.waits w USING changed
            WHERE w.run_id = changed.run_id AND changed.status IN ('completed', 'failed', 'cancelled', 'skipped')
            """;
        var cmd = new NpgsqlBatchCommand(sql);
        var p = cmd.Parameters;
        p.AddWithValue("u_runs", updates.Select(u => u.RunId).ToArray());
        p.AddWithValue("u_statuses", updates.Select(u => u.Status).ToArray());
        p.AddWithValue("u_attempts", updates.Select(u => u.Attempts).ToArray());
        p.Add(Times("u_started", updates.Select(u => u.StartedAt)));
        p.Add(Times("u_ended", updates.Select(u => u.EndedAt)));
        p.Add(Times("u_wake", updates.Select(u => u.WakeAt)));
        p.Add(Text("u_outputs", updates.Select(u => u.Output)));
        p.Add(Text("u_errors", updates.Select(u => u.Error)));
        return cmd;
    }

    /// <summary>
    /// Runs <paramref name="commands"/> in one round trip, inside <paramref name="tx"/> when given (else as one implicit
    /// transaction); hands the reader of the first to <paramref name="readFirst"/>.
    /// The statements are prepared: the same few texts run thousands of times a second, and planning the accept
    /// statement costs more server CPU than executing it for a handful of rows. Npgsql keeps a statement prepared on
    /// its pooled connection, so this costs a round trip only the first time a connection sees a text.
    /// </summary>
    public static async Task ExecuteAsync(NpgsqlConnection c, NpgsqlTransaction? tx, IReadOnlyList<NpgsqlBatchCommand> commands, Func<NpgsqlDataReader, Task>? readFirst = null)
    {
        await using var batch = new NpgsqlBatch(c, tx);
        foreach (var command in commands)
        {
            batch.BatchCommands.Add(command);
        }

        await batch.PrepareAsync();
        await using var reader = await batch.ExecuteReaderAsync();
        if (readFirst is not null)
        {
            await readFirst(reader);
        }

        while (await reader.NextResultAsync())
        {
        }
    }

    private static void AddRunParameters(NpgsqlParameterCollection p, IReadOnlyList<RunRow> runs)
    {
        p.AddWithValue("run_ids", runs.Select(r => r.RunId).ToArray());
        p.AddWithValue("run_fns", runs.Select(r => r.FunctionId).ToArray());
        p.AddWithValue("run_events", runs.Select(r => r.EventId).ToArray());
        p.AddWithValue("run_traces", runs.Select(r => r.TraceId).ToArray());
        p.Add(Text("run_teams", runs.Select(r => r.TeamId)));
        p.AddWithValue("run_created", runs.Select(r => r.CreatedAt.UtcDateTime).ToArray());
        p.Add(new NpgsqlParameter("run_parents", NpgsqlDbType.Array | NpgsqlDbType.Uuid) { Value = runs.Select(r => r.ParentRunId).ToArray() });
        p.Add(Text("run_parent_steps", runs.Select(r => r.ParentStepId)));
    }

    private static void AddWaitParameters(NpgsqlParameterCollection p, string prefix, IReadOnlyList<WaitRow> waits)
    {
        p.AddWithValue($"{prefix}runs", waits.Select(w => w.RunId).ToArray());
        p.Add(Text($"{prefix}teams", waits.Select(w => w.TeamId)));
        p.AddWithValue($"{prefix}steps", waits.Select(w => w.StepId).ToArray());
        p.AddWithValue($"{prefix}kinds", waits.Select(w => w.Kind).ToArray());
        p.AddWithValue($"{prefix}names", waits.Select(w => w.EventName).ToArray());
        p.Add(Text($"{prefix}paths", waits.Select(w => w.MatchPath is null ? null : string.Join('.', w.MatchPath))));
        p.Add(Text($"{prefix}values", waits.Select(w => w.MatchValue)));
        p.Add(Times($"{prefix}expires", waits.Select(w => w.ExpiresAt)));
    }

    private static NpgsqlParameter Text(string name, IEnumerable<string?> values) =>
        new(name, NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = values.ToArray() };

    private static NpgsqlParameter Times(string name, IEnumerable<DateTimeOffset?> values) =>
        new(name, NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { Value = values.Select(v => v?.UtcDateTime).ToArray() };
}
