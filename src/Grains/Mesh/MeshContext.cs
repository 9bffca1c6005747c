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
    public Task<T> Run<T>(string id, Func<Task<T>> body) => StepAsync(id, body, (stepId, row) =>
    {
        // The memo's commit overlaps the next step (deferred: it usually rides with the run's next write); the run's
        // next durable write (send, wait, sleep, status) carries it again, so nothing after this step is acknowledged
        // before the memo is durable.
        var returned = Stopwatch.GetTimestamp();
        var write = _x.Store.SaveStepsAsync([row], defer: true);
        _x.Pending.Add(row, write);
        _ = write.ContinueWith(
            t => _x.Monitor.StepOverhead.Record(Stopwatch.GetElapsedTime(returned).TotalMilliseconds),
            CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
        return Task.CompletedTask;
    });

    /// <summary>
    /// Runs <paramref name="body"/> once inside a transaction on the platform's PostgreSQL that also commits the step's
    /// memo and the events the body sends (<see cref="MeshTransaction.SendEvent"/>): the body's SQL, the memo and the
    /// events become durable together or not at all, so a database step is exactly-once (after a crash or a failed
    /// attempt it either finds its memo or finds nothing of its work). Only for SQL on that database: other side
    /// effects in the body are at least once, as in <see cref="Run{T}(string, Func{Task{T}})"/>.
    /// </summary>
    public async Task<T> RunInTransaction<T>(string id, Func<MeshTransaction, Task<T>> body)
    {
        MeshTransaction? scope = null;
        try
        {
            return await StepAsync(
                id,
                async () =>
                {
                    var connection = await _x.Store.DataSource.OpenConnectionAsync(_x.Cancellation);
                    scope = new MeshTransaction(connection, await connection.BeginTransactionAsync(_x.Cancellation));
                    return await body(scope);
                },
                async (stepId, row) =>
                {
                    var returned = Stopwatch.GetTimestamp();
                    var result = await _x.Router.CommitAsync(scope!.Transaction, Stamp(stepId, scope.Events), _x.Pending.With(row));
                    if (!result.Accepted)
                    {
                        throw new NonRetriableException($"RunInTransaction '{id}': {string.Join("; ", result.Errors.Select(e => $"{e.Field}: {e.Message}"))}");
                    }

                    _x.Monitor.StepOverhead.Record(Stopwatch.GetElapsedTime(returned).TotalMilliseconds);
                });
        }
        finally
        {
            // Rolls back whatever was not committed.
            if (scope is not null)
            {
                await scope.Transaction.DisposeAsync();
                await scope.Connection.DisposeAsync();
            }
        }
    }

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
        var wait = new WaitRow(RunId, stepId, WaitKind.Wait, eventName, match?.Split('.'), match is null ? null : MeshExpressions.ValueAtPath(Event, match), expires);
        await _x.Queries.RegisterWaitAsync(wait, _x.Pending.With(step));
        _x.Memo[stepId] = step;
        throw new SuspendException(RunStatus.Waiting, expires);
    }

    /// <summary>Sends events durably (ids default to stable ones derived from the run and step; trace and team are inherited).</summary>
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
        // The events and this memo commit in the background (the run does not wait for them); the run's final status
        // waits until they have (RunExecution.Sends), and no later write of the run can commit before them.
        var sent = _x.Router.SendFromRun(stamped, _x.Pending.With(row));
        if (!sent.Result.Accepted)
        {
            throw new NonRetriableException($"SendEvent '{id}': {string.Join("; ", sent.Result.Errors.Select(e => $"{e.Field}: {e.Message}"))}");
        }

        _x.Sends.Add(sent.Durable);
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
    /// One step: returns the memoized result when the step completed before; otherwise runs <paramref name="body"/>
    /// (a failure is recorded on the step and rethrown) and hands the completed memo to <paramref name="completed"/>,
    /// which makes it durable, before the run sees the result.
    /// </summary>
    private async Task<T> StepAsync<T>(string id, Func<Task<T>> body, Func<string, StepRow, Task> completed)
    {
        var stepId = NextId(id);
        if (_x.Memo.TryGetValue(stepId, out var memo) && memo.Status == StepStatus.Completed)
        {
            return memo.Output is null ? default! : JsonSerializer.Deserialize<T>(memo.Output, Json)!;
        }

        _x.Cancellation.ThrowIfCancellationRequested();
        var started = memo?.StartedAt ?? _x.Clock.Now;
        var attempts = (memo?.Attempts ?? 0) + 1;
        using var span = StartSpan(id, stepId);
        T value;
        try
        {
            value = await body();
        }
        catch (Exception ex) when (ex is not SuspendException && !_x.Cancellation.IsCancellationRequested)
        {
            span?.SetStatus(ActivityStatusCode.Error, ex.Message);
            await SaveAsync(new StepRow(RunId, stepId, id, StepStatus.Failed, attempts, started, _x.Clock.Now, null, null, ex.Message));
            throw;
        }

        var row = new StepRow(RunId, stepId, id, StepStatus.Completed, attempts, started, _x.Clock.Now, null, JsonSerializer.Serialize(value, Json), null);
        await completed(stepId, row);
        _x.Memo[stepId] = row;
        return value;
    }

    /// <summary>Events sent by a step: ids default to stable ones derived from the run and step; trace and team are inherited.</summary>
    private List<MeshEvent> Stamp(string stepId, IEnumerable<MeshEvent> events) => events.Select((e, i) => e with
    {
        Id = string.IsNullOrEmpty(e.Id) ? $"{RunId:N}-{stepId}-{i}" : e.Id,
        TraceId = string.IsNullOrEmpty(e.TraceId) ? TraceId : e.TraceId,
        TeamId = e.TeamId ?? TeamId,
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
}
