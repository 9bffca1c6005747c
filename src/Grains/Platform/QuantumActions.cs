using System.Text.Json;
using Alavida.Grains.Data;
using Microsoft.Extensions.DependencyInjection;

namespace Alavida.Grains.Platform;

/// <summary>
/// The logic behind one <c>POST /{quantum}/run/{action}</c>. A quantum registers one per action with
/// <see cref="QuantumActionServiceCollectionExtensions.AddQuantumAction{T}"/>; an action without one is declared in the
/// registry but reported as not available.
/// </summary>
public interface IQuantumAction
{
    /// <summary>The quantum slug.</summary>
    string Quantum { get; }

    /// <summary>The action name.</summary>
    string Action { get; }

    /// <summary>
    /// Does the work. Report progress through <paramref name="context"/>; stop when <paramref name="cancellationToken"/>
    /// fires (the job was cancelled). Throw <see cref="QuantumActionException"/> for an expected failure.
    /// </summary>
    Task<JobResult> ExecuteAsync(QuantumActionContext context, CancellationToken cancellationToken);
}

/// <summary>An expected failure of an action, reported to the caller with its code and message.</summary>
public sealed class QuantumActionException(string code, string message) : Exception(message)
{
    /// <summary>A stable machine-readable code.</summary>
    public string Code { get; } = code;
}

/// <summary>What an action sees of its job.</summary>
public sealed class QuantumActionContext(JobView job, IJobGrain jobGrain, CancellationTokenSource cancellation)
{
    /// <summary>The job (id = trace id, team, input).</summary>
    public JobView Job { get; } = job;

    /// <summary>The parsed input document.</summary>
    public JsonElement Input { get; } = JsonDocument.Parse(job.InputJson).RootElement;

    /// <summary>Reports progress; cancels the action's token when the job was cancelled meanwhile.</summary>
    public async Task ReportProgressAsync(int done, int total, string? message = null)
    {
        if (!await jobGrain.ReportProgressAsync(new JobProgress(done, total, message)))
        {
            await cancellation.CancelAsync();
        }
    }
}

/// <summary>The actions this silo can run, by (quantum, action).</summary>
public sealed class QuantumActionCatalog(IEnumerable<IQuantumAction> actions)
{
    private readonly Dictionary<(string, string), IQuantumAction> _actions = actions.ToDictionary(a => (a.Quantum, a.Action));

    /// <summary>The action's logic, or null when it has not shipped.</summary>
    public IQuantumAction? Find(string quantum, string action) => _actions.GetValueOrDefault((quantum, action));
}

public static class QuantumActionServiceCollectionExtensions
{
    /// <summary>Registers the logic of one quantum action.</summary>
    public static IServiceCollection AddQuantumAction<T>(this IServiceCollection services)
        where T : class, IQuantumAction
    {
        services.AddSingleton<IQuantumAction, T>();
        return services;
    }

    /// <summary>
    /// The platform's own services in the silo: the action catalog, the settlement batcher, the group commit, job
    /// recovery after a silo dies, and the clock. The host binds <see cref="JobOptions"/>.
    /// </summary>
    /// <param name="services">The silo's services.</param>
    /// <param name="connectionString">The platform database.</param>
    public static IServiceCollection AddAlavidaPlatformGrains(this IServiceCollection services, string connectionString)
    {
        services.AddSingleton<QuantumActionCatalog>();
        services.AddSingleton<TeamSettlementBatcher>();
        services.AddSingleton<PlatformOutboxNudge>();
        services.AddGroupCommitter(connectionString);
        services.AddSingleton<JobRecovery>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<JobRecovery>());
        services.AddSingleton(TimeProvider.System);
        return services;
    }
}
