using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Alavida.Grains.Mesh;

/// <summary>
/// What a function body gets: the triggering event and the durable step API. Every step has an id; a step that
/// completed is never executed again (its memoized result is returned), so a run that retries or resumes on another
/// silo continues from its last completed step. Repeated ids get a stable <c>:n</c> suffix. Do not catch exceptions
/// around step calls: Sleep/WaitForEvent/Invoke suspend the run by throwing.
/// </summary>
public sealed class MeshContext
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly RunExecution _x;
    private readonly Dictionary<string, int> _seen = new(StringComparer.Ordinal);

    internal MeshContext(RunExecution execution)
    {
        _x = execution;
        Data = JsonDocument.Parse(execution.Event.DataJson).RootElement.Clone();
    }

    /// <summary>The event that triggered the run (for invoked runs: the payload event).</summary>
    public MeshEvent Event => _x.Event;

    /// <summary>The event's <c>data</c>.</summary>
    public JsonElement Data { get; }

    public Guid RunId => _x.RunId;

    public string FunctionId => _x.FunctionId;

    /// <summary>1 on the first attempt.</summary>
    public int Attempt => _x.Attempt;

    public string TraceId => _x.Event.TraceId ?? _x.Event.Id;

    public string? TeamId => _x.Event.TeamId;

    /// <summary>Cancelled when the run is cancelled (request, cancelOn, timeout).</summary>
    public CancellationToken CancellationToken => _x.Cancellation;

    /// <summary>The silo's services.</summary>
    public IServiceProvider Services => _x.Services;

    /// <summary>Deserialises the event's data.</summary>
    public T DataAs<T>() => Data.Deserialize<T>(Json)!;

    /// <summary>Runs <paramref name="body"/> once; its result is memoized durably before the run continues.</summary>
    public Task<T> Run<T>(string id, Func<Task<T>> body) => StepAsync<T>(id, async frame =>
    {
        var value = await body();
        // The memo's commit overlaps the next step (deferred: it usually rides with the run's next write); the run's
        // next durable write (send, wait, sleep, status) carries it again, so nothing after this step is acknowledged
        // before the memo is durable.
        var row = frame.Complete(value);
        var returned = Stopwatch.GetTimestamp();
        var write = _x.Store.SaveStepsAsync([row], defer: true);
        _x.Pending.Add(row, write);
        _ = write.ContinueWith(
            t => _x.Monitor.StepOverhead.Record(Stopwatch.GetElapsedTime(returned).TotalMilliseconds),
            CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
        return value;
    });

    /// <summary>
    /// Runs <paramref name="body"/> once inside a transaction on the platform's PostgreSQL that also commits the step's
    /// memo and the events the body sends (<see cref="MeshTransaction.SendEvent"/>): the body's SQL, the memo and the
    /// events become durable together or not at all, so a database step is exactly-once (after a crash or a failed
    /// attempt it either finds its memo or finds nothing of its work). Only for SQL on that database: other side
    /// effects in the body are at least once, as in <see cref="Run{T}(string, Func{Task{T}})"/>.
    /// Concurrent database steps share commits (<see cref="MeshStepGroups"/>): the body may run in a transaction with
    /// other runs' steps, after theirs, and runs again on its own when one of them fails; keep it to SQL on
    /// <see cref="MeshTransaction.Connection"/>, and call no other step from it.
    /// </summary>
    public Task<T> RunInTransaction<T>(string id, Func<MeshTransaction, Task<T>> body) => StepAsync<T>(id, async frame =>
    {
        var returned = 0L;
        var pending = _x.Pending.With(); // read here, on the run's scheduler: the body runs elsewhere
        var result = await _x.Steps.RunAsync(
            async scope => await body(scope),
            (value, scope) =>
            {
                returned = Stopwatch.GetTimestamp();
                return new DatabaseStepWrites([frame.Complete((T)value!), .. pending], Stamp(frame.StepId, scope.Events));
            },
            _x.Cancellation);
        if (result.Errors.Count > 0)
        {
            throw new NonRetriableException($"RunInTransaction '{id}': {string.Join("; ", result.Errors.Select(e => $"{e.Field}: {e.Message}"))}");
        }

        _x.Monitor.StepOverhead.Record(Stopwatch.GetElapsedTime(returned).TotalMilliseconds);
        return (T)result.Value!;
    });

    /// <summary>Runs <paramref name="body"/> once (no result).</summary>
    public Task Run(string id, Func<Task> body) => Run<object?>(id, async () =>
    {
        await body();
        return null;
    });

    /// <summary>A durable sleep: the run suspends and resumes after <paramref name="duration"/>, on any silo.</summary>
    public Task Sleep(string id, TimeSpan duration) => SleepCoreAsync(id, now => now + duration);

    /// <summary>A durable sleep until <paramref name="until"/>.</summary>
    public Task SleepUntil(string id, DateTimeOffset until) => SleepCoreAsync(id, _ => until);

    /// <summary>
    /// Waits for an event named <paramref name="eventName"/> (whose value at <paramref name="match"/>, e.g.
    /// <c>data.order_id</c>, equals this run's event's value there); null after <paramref name="timeout"/>.
    /// </summary>
    public async Task<MeshEvent?> WaitForEvent(string id, string eventName, TimeSpan timeout, string? match = null)
    {
        var stepId = NextId(id);
        if (match is not null && !MeshFunctionRegistry.IsMatchPath(match))
        {
            throw new NonRetriableException($"WaitForEvent '{id}': match must be a path such as data.order_id, not '{match}'");
        }

        var now = _x.Clock.Now;
        if (_x.Memo.TryGetValue(stepId, out var memo))
        {
            if (memo.Status == StepStatus.Waiting && memo.WakeAt <= now)
            {
                memo = await _x.Queries.ExpireWaitAsync(RunId, stepId, now) ?? memo;
                _x.Memo[stepId] = memo;
            }

            if (memo.Status == StepStatus.Completed)
            {
                return memo.Output is null ? null : ParseEvent(memo.Output);
            }

            throw new SuspendException(RunStatus.Waiting, memo.WakeAt);
        }

        var expires = now + timeout;
        var step = new StepRow(RunId, stepId, id, StepStatus.Waiting, 1, now, null, expires, null, null);
        var wait = new WaitRow(RunId, TeamId, stepId, WaitKind.Wait, eventName, match?.Split('.'), match is null ? null : MeshExpressions.ValueAtPath(Event, match), expires);
        await _x.Queries.RegisterWaitAsync(wait, _x.Pending.With(step));
        _x.Memo[stepId] = step;
        throw new SuspendException(RunStatus.Waiting, expires);
    }

    /// <summary>
    /// Sends events (ids default to stable ones derived from the run and step; trace and team are inherited). Returns
    /// once they are validated and queued; they commit with other runs' writes, and the run ends only once they have.
    /// </summary>
    public Task<IReadOnlyList<string>> SendEvent(string id, params MeshEvent[] events)
    {
        try
        {
            return Task.FromResult(Send(id, events));
        }
        catch (Exception ex)
        {
            return Task.FromException<IReadOnlyList<string>>(ex);
        }
    }

    private IReadOnlyList<string> Send(string id, MeshEvent[] events)
    {
        var stepId = NextId(id);
        if (_x.Memo.TryGetValue(stepId, out var memo) && memo.Status == StepStatus.Completed)
        {
            return JsonSerializer.Deserialize<string[]>(memo.Output!, Json)!;
        }

        var stamped = Stamp(stepId, events);
        var now = _x.Clock.Now;
        var ids = stamped.Select(e => e.Id).ToArray();
        using var span = StartSpan(id, stepId);
        var started = Stopwatch.GetTimestamp();
        var row = new StepRow(RunId, stepId, id, StepStatus.Completed, 1, now, now, null, JsonSerializer.Serialize(ids, Json), null);
        // The events and this memo commit in the background (the run does not wait for them); the run ends or
        // suspends only once they have (RunExecution.AwaitSendsAsync).
        var sent = _x.Router.SendFromRun(stamped, _x.Pending.With(row));
        if (!sent.Result.Accepted)
        {
            throw new NonRetriableException($"SendEvent '{id}': {string.Join("; ", sent.Result.Errors.Select(e => $"{e.Field}: {e.Message}"))}");
        }

        _x.AddSend(sent.Durable);
        _ = sent.Durable.ContinueWith(
            _ => _x.Monitor.StepOverhead.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds),
            CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
        _x.Memo[stepId] = row;
        return ids;
    }

    /// <summary>Starts a run of <paramref name="functionId"/> with <paramref name="data"/> and waits for its output.</summary>
    public async Task<JsonElement> Invoke(string id, string functionId, object? data, TimeSpan? timeout = null)
    {
        var stepId = NextId(id);
        var now = _x.Clock.Now;
        if (_x.Memo.TryGetValue(stepId, out var memo))
        {
            if (memo.Status == StepStatus.Completed)
            {
                return JsonDocument.Parse(memo.Output ?? "null").RootElement.Clone();
            }

            if (memo.Status == StepStatus.Failed)
            {
                throw new NonRetriableException($"Invoked function '{functionId}' failed: {memo.Error}");
            }

            if (memo.WakeAt <= now)
            {
                throw new NonRetriableException($"Invoked function '{functionId}' did not finish within {timeout}");
            }

            throw new SuspendException(RunStatus.Waiting, memo.WakeAt);
        }

        if (_x.Registry.Find(functionId) is null)
        {
            throw new NonRetriableException($"Invoke '{id}': no function '{functionId}' is registered");
        }

        var expires = timeout is { } t ? now + t : (DateTimeOffset?)null;
        var step = new StepRow(RunId, stepId, id, StepStatus.Waiting, 1, now, null, expires, null, null);
        var child = StableGuid($"{RunId:N}/{stepId}");
        var payload = new MeshEvent($"{RunId:N}-{stepId}-invoke", MeshFunctionRegistry.InvokedEvent, JsonSerializer.Serialize(data ?? new { }, Json), null, 0, null, TraceId, TeamId);
        await _x.Router.InvokeAsync(payload, functionId, child, RunId, stepId, _x.Pending.With(step));
        _x.Memo[stepId] = step;
        throw new SuspendException(RunStatus.Waiting, expires);
    }

    internal static MeshEvent ParseEvent(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var r = doc.RootElement;
        string? Str(string name) => r.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
        var user = r.TryGetProperty("user", out var u) && u.ValueKind == JsonValueKind.Object ? u.GetRawText() : null;
        return new MeshEvent(Str("id") ?? "", Str("name") ?? "", r.GetProperty("data").GetRawText(), user,
            r.TryGetProperty("ts", out var ts) && ts.ValueKind == JsonValueKind.Number ? ts.GetInt64() : 0, null, Str("trace_id"), Str("team_id"));
    }

    internal static Guid StableGuid(string name)
    {
        var bytes = MD5.HashData(Encoding.UTF8.GetBytes(name));
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x30);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
    }

    private async Task SleepCoreAsync(string id, Func<DateTimeOffset, DateTimeOffset> due)
    {
        var stepId = NextId(id);
        var now = _x.Clock.Now;
        _x.Memo.TryGetValue(stepId, out var memo);
        if (memo?.Status == StepStatus.Completed)
        {
            return;
        }

        var wake = memo?.WakeAt ?? due(now);
        var started = memo?.StartedAt ?? now;
        if (wake <= now)
        {
            await SaveAsync(new StepRow(RunId, stepId, id, StepStatus.Completed, 1, started, now, wake, null, null));
            return;
        }

        if (memo is null)
        {
            await SaveAsync(new StepRow(RunId, stepId, id, StepStatus.Sleeping, 1, started, null, wake, null, null));
        }

        throw new SuspendException(RunStatus.Sleeping, wake);
    }

    /// <summary>
    /// One step: returns the memoized result when the step completed before; otherwise runs <paramref name="body"/>,
    /// which makes the completed memo (<see cref="StepFrame{T}.Complete"/>) and hands it to be written (a database
    /// step's commits before it returns; a <c>Run</c> memo rides with the run's next write); a failure is recorded on
    /// the step and rethrown.
    /// </summary>
    private async Task<T> StepAsync<T>(string id, Func<StepFrame<T>, Task<T>> body)
    {
        var stepId = NextId(id);
        if (_x.Memo.TryGetValue(stepId, out var memo) && memo.Status == StepStatus.Completed)
        {
            return memo.Output is null ? default! : JsonSerializer.Deserialize<T>(memo.Output, Json)!;
        }

        _x.Cancellation.ThrowIfCancellationRequested();
        var frame = new StepFrame<T>(this, id, stepId, memo?.StartedAt ?? _x.Clock.Now, (memo?.Attempts ?? 0) + 1);
        using var span = StartSpan(id, stepId);
        T value;
        try
        {
            value = await body(frame);
        }
        catch (Exception ex) when (ex is not SuspendException && !_x.Cancellation.IsCancellationRequested)
        {
            span?.SetStatus(ActivityStatusCode.Error, ex.Message);
            await SaveAsync(new StepRow(RunId, stepId, id, StepStatus.Failed, frame.Attempts, frame.Started, _x.Clock.Now, null, null, ex.Message));
            throw;
        }

        _x.Memo[stepId] = frame.Row ?? frame.Complete(value);
        return value;
    }

    /// <summary>
    /// Events sent by a step: ids default to stable ones derived from the run and step; trace and team are inherited. A
    /// run of a team sends into that team only (a run without a team, e.g. a cron's, may address any).
    /// </summary>
    private List<MeshEvent> Stamp(string stepId, IEnumerable<MeshEvent> events) => events.Select((e, i) => e with
    {
        Id = string.IsNullOrEmpty(e.Id) ? $"{RunId:N}-{stepId}-{i}" : e.Id,
        TraceId = string.IsNullOrEmpty(e.TraceId) ? TraceId : e.TraceId,
        TeamId = TeamId is null || e.TeamId is null || e.TeamId == TeamId ? TeamId ?? e.TeamId
            : throw new NonRetriableException($"A run of team {TeamId} sends events into its own team only; '{e.Name}' names team {e.TeamId}."),
    }).ToList();

    private async Task SaveAsync(StepRow row)
    {
        await _x.Store.SaveStepsAsync(_x.Pending.With(row));
        _x.Memo[row.StepId] = row;
    }

    private string NextId(string id)
    {
        if (string.IsNullOrWhiteSpace(id))
        {
            throw new NonRetriableException("Step ids must not be empty");
        }

        var n = _seen.TryGetValue(id, out var count) ? count : 0;
        _seen[id] = n + 1;
        return n == 0 ? id : $"{id}:{n}";
    }

    private Activity? StartSpan(string name, string stepId)
    {
        var parent = TraceId.Length == 32 && TraceId.All(Uri.IsHexDigit)
            ? new ActivityContext(ActivityTraceId.CreateFromString(TraceId), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded)
            : default;
        var span = MeshMonitor.Activities.StartActivity($"mesh.step {name}", ActivityKind.Internal, parent);
        span?.SetTag("trace_id", TraceId).SetTag("mesh.run_id", RunId).SetTag("mesh.function_id", FunctionId).SetTag("mesh.step_id", stepId);
        return span;
    }

    /// <summary>A step being executed: its id and attempt, and the completed memo once made.</summary>
    private sealed class StepFrame<T>(MeshContext context, string name, string stepId, DateTimeOffset started, int attempts)
    {
        public string StepId => stepId;

        public DateTimeOffset Started => started;

        public int Attempts => attempts;

        /// <summary>The completed memo <see cref="Complete"/> made last.</summary>
        public StepRow? Row { get; private set; }

        /// <summary>
        /// The completed memo of <paramref name="value"/>. Made anew on every call: a database step whose group was
        /// rolled back runs again, and only its last value is the one committed.
        /// </summary>
        public StepRow Complete(T value) => Row = new StepRow(
            context.RunId, stepId, name, StepStatus.Completed, attempts, started, context._x.Clock.Now, null, JsonSerializer.Serialize(value, Json), null);
    }
}
