using System.Text.Json;
using System.Text.RegularExpressions;
using Cronos;

namespace Alavida.Grains.Mesh;

/// <summary>Where a run waits before it executes: debounce, then throttle, then each concurrency limit.</summary>
public enum GateKind
{
    Debounce,
    Throttle,
    Concurrency,
}

/// <summary>One gate of a function, with what its coordinator grain needs.</summary>
/// <summary>One flow-control gate of a function; <paramref name="WithinTeam"/> gates hold each team's runs apart.</summary>
public sealed record MeshGate(GateKind Kind, string? KeyExpression, int Limit, TimeSpan Period, string GrainPrefix, bool WithinTeam = true);

/// <summary>A validated function with its gates and the parsed cron schedules.</summary>
public sealed class RegisteredFunction(MeshFunctionDefinition definition, IReadOnlyList<MeshGate> gates, IReadOnlyList<(CronExpression Cron, TimeZoneInfo Zone)> crons)
{
    public MeshFunctionDefinition Definition { get; } = definition;

    public string Id => Definition.Id;

    public IReadOnlyList<MeshGate> Gates { get; } = gates;

    public IReadOnlyList<(CronExpression Cron, TimeZoneInfo Zone)> Crons { get; } = crons;

    /// <summary>
    /// The gate grain keys a run triggered by <paramref name="variables"/> goes through, in order. Within its event's
    /// team: a team's runs queue, throttle and debounce among themselves only, so another team's events never take
    /// their slots or supersede them; a key expression divides them further. An account-scoped concurrency limit is
    /// the platform's own (a shared resource, across functions and teams) and is keyed by its expression only.
    /// </summary>
    public string[] GateKeys(Dictionary<string, object?> variables)
    {
        var team = variables.GetValueOrDefault("event") is Dictionary<string, object?> e ? e.GetValueOrDefault("team_id") as string : null;
        return [.. Gates.Select(g => g.GrainPrefix
            + (g.WithinTeam ? $"team:{team}|" : "")
            + (g.KeyExpression is null ? "" : MeshExpressions.KeyOf(g.KeyExpression, variables)))];
    }

    public string? IdempotencyKey(Dictionary<string, object?> variables) =>
        Definition.Idempotency is null ? null : MeshExpressions.KeyOf(Definition.Idempotency, variables);
}

/// <summary>
/// Every function registered on this silo, validated at start-up (an invalid definition stops the silo with every
/// problem named), indexed by event name for routing.
/// </summary>
public sealed partial class MeshFunctionRegistry
{
    /// <summary>The event a run's final failure emits; <c>onFailure</c> handlers listen to it.</summary>
    public const string FunctionFailedEvent = "mesh/function.failed";

    /// <summary>The event name of runs started by <c>Invoke</c>.</summary>
    public const string InvokedEvent = "mesh/function.invoked";

    /// <summary>The event name of runs started by a cron trigger.</summary>
    public const string CronEvent = "mesh/cron";

    private readonly Dictionary<string, RegisteredFunction> _byId = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<(RegisteredFunction Function, MeshTrigger Trigger)>> _byEvent = new(StringComparer.Ordinal);
    private readonly List<(RegisteredFunction Function, MeshTrigger Trigger)> _anyEvent = [];

    public MeshFunctionRegistry(IEnumerable<MeshFunctionDefinition> definitions)
    {
        foreach (var definition in definitions)
        {
            Add(definition);
            if (definition.OnFailure is { } onFailure)
            {
                Add(FailureHandler(definition.Id, onFailure));
            }
        }
    }

    public IReadOnlyCollection<RegisteredFunction> All => _byId.Values;

    public RegisteredFunction? Find(string functionId) => _byId.GetValueOrDefault(functionId);

    /// <summary>The functions an event triggers (name matches and the <c>if</c> filter holds).</summary>
    public IEnumerable<RegisteredFunction> Match(MeshEvent e, Dictionary<string, object?> variables)
    {
        var named = _byEvent.TryGetValue(e.Name, out var candidates) ? candidates : [];
        foreach (var (function, trigger) in named.Concat(_anyEvent.Where(a => a.Trigger.Accepts?.Invoke(e) == true)))
        {
            if (trigger.If is null || MeshExpressions.IsTrue(trigger.If, variables))
            {
                yield return function;
            }
        }
    }

    public bool HasTriggerFor(string eventName) => _anyEvent.Count > 0 || _byEvent.ContainsKey(eventName);

    /// <summary>Every problem with a definition; empty when it is valid.</summary>
    public static IReadOnlyList<string> Validate(MeshFunctionDefinition d)
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(d.Id) || !IdPattern().IsMatch(d.Id))
        {
            problems.Add("id: must be 1-128 characters of lowercase letters, digits and -_./");
        }

        if (d.Handler is null)
        {
            problems.Add("handler: is required");
        }

        if (d.Triggers is not { Count: > 0 })
        {
            problems.Add("triggers: at least one event or cron trigger is required");
        }

        foreach (var (t, i) in (d.Triggers ?? []).Select((t, i) => (t, i)))
        {
            if ((t.Event is null) == (t.Cron is null))
            {
                problems.Add($"triggers[{i}]: give exactly one of event or cron");
            }

            if (t.Event is not null && string.IsNullOrWhiteSpace(t.Event))
            {
                problems.Add($"triggers[{i}].event: must not be empty");
            }

            if ((t.Event == MeshTrigger.AnyEvent) != (t.Accepts is not null))
            {
                problems.Add($"triggers[{i}]: an any-event trigger (MeshTrigger.OnAnyEvent) needs its accepts filter, and only it has one");
            }

            CheckExpression(problems, $"triggers[{i}].if", t.If);
            if (t.Cron is not null)
            {
                try
                {
                    ParseCron(t.Cron);
                    TimeZoneInfo.FindSystemTimeZoneById(t.TimeZone ?? "UTC");
                }
                catch (Exception ex) when (ex is CronFormatException or TimeZoneNotFoundException or InvalidTimeZoneException)
                {
                    problems.Add($"triggers[{i}].cron: {ex.Message}");
                }
            }
        }

        if (d.Concurrency.Count > 2)
        {
            problems.Add("concurrency: at most 2 limits");
        }

        foreach (var (c, i) in d.Concurrency.Select((c, i) => (c, i)))
        {
            if (c.Limit < 1)
            {
                problems.Add($"concurrency[{i}].limit: must be at least 1");
            }

            if (c.Scope == MeshConcurrencyScope.Account && c.Key is null)
            {
                problems.Add($"concurrency[{i}].key: account scope needs a key expression");
            }

            CheckExpression(problems, $"concurrency[{i}].key", c.Key);
        }

        if (d.Retries is null || d.Retries.Count is < 0 or > 20)
        {
            problems.Add("retries.count: must be between 0 and 20");
        }

        if (d.Throttle is { } throttle)
        {
            if (throttle.Limit < 1 || throttle.Period <= TimeSpan.Zero)
            {
                problems.Add("throttle: limit must be at least 1 and period positive");
            }

            CheckExpression(problems, "throttle.key", throttle.Key);
        }

        if (d.Debounce is { } debounce)
        {
            if (debounce.Period <= TimeSpan.Zero)
            {
                problems.Add("debounce.period: must be positive");
            }

            CheckExpression(problems, "debounce.key", debounce.Key);
        }

        foreach (var (c, i) in d.CancelOn.Select((c, i) => (c, i)))
        {
            if (string.IsNullOrWhiteSpace(c.Event))
            {
                problems.Add($"cancelOn[{i}].event: is required");
            }

            if (c.Match is not null && !MatchPattern().IsMatch(c.Match))
            {
                problems.Add($"cancelOn[{i}].match: must be a path such as data.order_id");
            }
        }

        if (d.Timeouts is { } timeouts && (timeouts.Start <= TimeSpan.Zero || timeouts.Finish <= TimeSpan.Zero))
        {
            problems.Add("timeouts: start and finish must be positive");
        }

        CheckExpression(problems, "idempotency", d.Idempotency);
        return problems;
    }

    /// <summary>True when <paramref name="path"/> is a valid match path (<c>data.x</c> or <c>user.x</c>).</summary>
    public static bool IsMatchPath(string path) => MatchPattern().IsMatch(path);

    internal static CronExpression ParseCron(string cron) =>
        CronExpression.Parse(cron, cron.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries).Length == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard);

    private void Add(MeshFunctionDefinition d)
    {
        var problems = Validate(d).ToList();
        if (_byId.ContainsKey(d.Id ?? ""))
        {
            problems.Add("id: another function already has this id");
        }

        if (problems.Count > 0)
        {
            throw new MeshDefinitionException(d.Id ?? "", problems);
        }

        var gates = new List<MeshGate>();
        if (d.Debounce is { } debounce)
        {
            gates.Add(new(GateKind.Debounce, debounce.Key, 1, debounce.Period, $"debounce|{d.Id}|"));
        }

        if (d.Throttle is { } throttle)
        {
            gates.Add(new(GateKind.Throttle, throttle.Key, throttle.Limit, throttle.Period, $"throttle|{d.Id}|"));
        }

        foreach (var c in d.Concurrency)
        {
            var account = c.Scope == MeshConcurrencyScope.Account;
            gates.Add(new(GateKind.Concurrency, c.Key, c.Limit, TimeSpan.Zero,
                account ? $"concurrency|account:{c.Key}|" : $"concurrency|{d.Id}|", WithinTeam: !account));
        }

        var crons = d.Triggers.Where(t => t.Cron is not null)
            .Select(t => (ParseCron(t.Cron!), TimeZoneInfo.FindSystemTimeZoneById(t.TimeZone ?? "UTC"))).ToList();
        var function = new RegisteredFunction(d, gates, crons);
        _byId[d.Id!] = function;
        foreach (var trigger in d.Triggers.Where(t => t.Event is not null))
        {
            if (trigger.Event == MeshTrigger.AnyEvent)
            {
                _anyEvent.Add((function, trigger));
                continue;
            }

            if (!_byEvent.TryGetValue(trigger.Event!, out var list))
            {
                _byEvent[trigger.Event!] = list = [];
            }

            list.Add((function, trigger));
        }
    }

    /// <summary>The id of the function that runs a definition's <c>OnFailure</c> handler.</summary>
    public static string FailureHandlerId(string functionId) => $"{functionId}-failure";

    /// <summary>The function as the API shows it (defaults filled in).</summary>
    public static MeshFunctionView View(RegisteredFunction function, bool paused)
    {
        var d = function.Definition;
        return new MeshFunctionView(
            d.Id,
            d.Triggers.Select(t => new MeshTriggerView(t.Event, t.If, t.Cron, t.Cron is null ? null : t.TimeZone ?? "UTC")).ToList(),
            d.Concurrency.Select(c => new MeshConcurrencyView(c.Limit, c.Key, c.Scope == MeshConcurrencyScope.Account ? "account" : "function")).ToList(),
            d.Throttle is { } throttle ? new MeshThrottleView(throttle.Limit, throttle.Period, throttle.Key) : null,
            d.Debounce is { } debounce ? new MeshDebounceView(debounce.Period, debounce.Key) : null,
            new MeshRetriesView(d.Retries.Count, d.Retries.BaseDelay ?? MeshRetries.DefaultBaseDelay, d.Retries.MaxDelay ?? MeshRetries.DefaultMaxDelay),
            d.Timeouts is { } timeouts ? new MeshTimeoutsView(timeouts.Start, timeouts.Finish) : null,
            d.Idempotency,
            d.CancelOn.Select(c => new MeshCancelOnView(c.Event, c.Match)).ToList(),
            d.OnFailure is null ? null : FailureHandlerId(d.Id),
            paused);
    }

    private static MeshFunctionDefinition FailureHandler(string functionId, Func<MeshContext, MeshFailure, Task> onFailure) => new()
    {
        Id = FailureHandlerId(functionId),
        Triggers = [MeshTrigger.OnEvent(FunctionFailedEvent, $"event.data.function_id == '{functionId}'")],
        Handler = async ctx =>
        {
            var data = ctx.Event.DataJson;
            using var doc = JsonDocument.Parse(data);
            var root = doc.RootElement;
            var original = JsonSerializer.Deserialize<MeshEvent>(root.GetProperty("event").GetRawText())!;
            await onFailure(ctx, new MeshFailure(functionId, root.GetProperty("run_id").GetGuid(), root.GetProperty("error").GetString() ?? "", original));
            return null;
        },
    };

    private static void CheckExpression(List<string> problems, string field, string? expression)
    {
        if (expression is not null && MeshExpressions.Check(expression) is { } error)
        {
            problems.Add($"{field}: invalid CEL expression '{expression}': {error}");
        }
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9_./-]{0,127}$")]
    private static partial Regex IdPattern();

    [GeneratedRegex(@"^(data|user)(\.[A-Za-z0-9_\-]+)+$")]
    private static partial Regex MatchPattern();
}
