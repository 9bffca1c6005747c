using System.Text.Json.Nodes;
using Alavida.Grains.Mesh;
using Alavida.Grains.Platform;
using Alavida.Grains.Prospect.Reasoning;
using Alavida.Grains.Registry;
using Microsoft.Extensions.DependencyInjection;

namespace Alavida.Grains.Prospect;

/// <summary>The prospect chain's event names (PRODUCT.md §5).</summary>
public static class ProspectEvents
{
    public const string CompanyQualified = "icp/company.qualified";
    public const string LeadsCompleted = "lead/company.completed";
    public const string CompanyScored = "signal/company.scored";
    public const string CompanyMentioned = "meeting/company.mentioned";
}

/// <summary>Credits per unit of each quantum action, from the registry manifests shipped with this build.</summary>
public sealed class QuantumPrices
{
    private readonly Dictionary<(string, string), long> _prices = ComponentManifest.LoadEmbedded()
        .SelectMany(c => c.ToDescriptor(DateTimeOffset.UnixEpoch, (_, _) => true).Actions.Select(a => (Key: (c.Slug, a.Name), a.PricePerUnit)))
        .ToDictionary(x => x.Key, x => x.PricePerUnit);

    /// <summary>The price of one unit of <paramref name="quantum"/>/<paramref name="action"/>.</summary>
    public long Of(string quantum, string action) =>
        _prices.TryGetValue((quantum, action), out var price) ? price : throw new InvalidOperationException($"The registry has no action {quantum}/{action}.");
}

/// <summary>What the functions of the cascade share: their scope, and paying for a run's work before it is stored.</summary>
public sealed class CascadeBilling(IGrainFactory grains, QuantumPrices prices)
{
    /// <summary>Why a run was skipped when its trace's <c>max_credits</c> is spent.</summary>
    public const string SpendCap = "spend cap";

    /// <summary>Why a run was skipped when the team's balance does not cover it.</summary>
    public const string InsufficientCredits = "insufficient credits";

    /// <summary>The scope of a run: the event's team and trace, the job that started the cascade (<c>data.job_id</c>).</summary>
    public static CascadeScope ScopeOf(MeshContext context) => new(
        Guid.TryParse(context.TeamId, out var team) ? team : throw new NonRetriableException($"Event {context.Event.Id} has no team; the prospect chain runs for a team."),
        context.TraceId,
        Json.Id(context.Data, "job_id"),
        context.RunId);

    /// <summary>
    /// Charges <paramref name="units"/> of <paramref name="quantum"/>/<paramref name="action"/> done for
    /// <paramref name="companyId"/> in this trace; returns null when paid (or free), else why the run must be skipped.
    /// The charge is idempotent per unit of work (team, trace, company, action), not per run: a retried, resumed or
    /// replayed run of the same work never pays twice.
    /// </summary>
    public async Task<string?> ChargeAsync(CascadeScope scope, string quantum, string action, int units, Guid companyId)
    {
        var amount = units * prices.Of(quantum, action);
        if (amount == 0)
        {
            return null;
        }

        var runId = scope.RunId ?? throw new InvalidOperationException("Only runs are charged this way; jobs settle their reservation.");
        var result = await grains.GetGrain<ITeamGrain>(scope.TeamId).ChargeRunAsync(
            new RunCharge(scope.TraceId, scope.JobId, runId, quantum, action, units, amount, $"cascade:{scope.TeamId:N}:{scope.TraceId}:{companyId:N}:{quantum}/{action}"));
        return result.Outcome switch
        {
            RunChargeOutcome.Charged or RunChargeOutcome.AlreadyCharged => null,
            RunChargeOutcome.SpendCapReached => SpendCap,
            _ => InsufficientCredits,
        };
    }
}

/// <summary>
/// Sends a quantum's events through the mesh. Their ids are stable (derived from the trace and the company), so a job
/// or step that runs again sends the same events and the mesh accepts each once.
/// </summary>
internal static class Emit
{
    public static async Task SendAsync(IGrainFactory grains, IReadOnlyList<MeshEvent> events)
    {
        foreach (var batch in events.Chunk(MeshRouter.MaxEventsPerSend))
        {
            var sent = await grains.GetGrain<IMeshGrain>(0).SendAsync(batch);
            if (!sent.Accepted)
            {
                throw new InvalidOperationException($"The mesh refused {batch.Length} events: {string.Join("; ", sent.Errors.Select(e => $"{e.Field}: {e.Message}"))}");
            }
        }
    }
}

/// <summary>
/// The shape every function of the cascade has: triggered by one event, at most <c>concurrency</c> runs per team at once
/// (so one team's fan-out never starves another's), and one durable step that does the work, pays for it, stores it
/// and sends the next event — or ends the run as skipped (spend cap, insufficient credits, nothing to work on).
/// </summary>
public static class CascadeFunction
{
    public static MeshFunctionDefinition Create(string id, string trigger, int concurrency, string step, Func<CascadeRun, Task<CascadeStep>> body) => new()
    {
        Id = id,
        Triggers = [MeshTrigger.OnEvent(trigger)],
        Concurrency = [new MeshConcurrency(concurrency, "event.team_id")],
        Handler = async context =>
        {
            var scope = CascadeBilling.ScopeOf(context);
            var outcome = await context.Run(step, () => body(new CascadeRun(context, scope)));
            if (outcome.Events is { Count: > 0 } events)
            {
                // A step of its own after the work's memo: the run does not wait for the events' commit (its end
                // does), and a replay after a crash sends the memoized events again under their stable ids. A run
                // works on one company and emits a handful of events, far under the mesh's limit per send.
                await context.SendEvent("emit", [.. events]);
            }

            return outcome.Output();
        },
    };
}

/// <summary>One attempt of a cascade function's step: its event, scope and reasoning ledger, and the ways it ends.</summary>
public sealed class CascadeRun(MeshContext context, CascadeScope scope)
{
    public MeshContext Context { get; } = context;

    public CascadeScope Scope { get; } = scope;

    public ReasoningLedger Ledger { get; } = new();

    public IServiceProvider Services => Context.Services;

    /// <summary>The event's <c>data.company_id</c>; a run without one cannot succeed on retry.</summary>
    public Guid CompanyId => Json.Id(Context.Data, "company_id") ?? throw new NonRetriableException("data.company_id is missing or not a UUID");

    /// <summary>Pays for the work (see <see cref="CascadeBilling.ChargeAsync"/>); null when paid, else why to skip.</summary>
    public Task<string?> ChargeAsync(string quantum, string action, int units, Guid companyId) =>
        Services.GetRequiredService<CascadeBilling>().ChargeAsync(Scope, quantum, action, units, companyId);

    private readonly List<MeshEvent> _events = [];

    /// <summary>The next events of the cascade: sent once the step's work is memoized (see <see cref="CascadeFunction"/>).</summary>
    public void Emit(IReadOnlyList<MeshEvent> events) => _events.AddRange(events);

    /// <summary>The run's output, with what reasoning cost, and the events to send.</summary>
    public CascadeStep Done(JsonObject result) => new(null, Ledger.AddTo(result).ToJsonString(), [.. _events]);

    /// <summary>Ends the run as skipped with <paramref name="reason"/>.</summary>
    public static CascadeStep Skip(string reason) => new(reason, null);
}

/// <summary>The memoized outcome of a cascade function's one step: skipped with a reason, or the output and the events to send.</summary>
public sealed record CascadeStep(string? Skipped, string? ResultJson, IReadOnlyList<MeshEvent>? Events = null)
{
    /// <summary>The run's output; ends the run as skipped when the step was.</summary>
    public JsonNode? Output() => Skipped is { } reason ? throw new SkipRunException(reason) : JsonNode.Parse(ResultJson!);
}
