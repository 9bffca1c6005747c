using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Alavida.Api.Health;

/// <summary>
/// For a gateway that is an Orleans client: healthy when a silo answers and reports at least one active silo.
/// </summary>
public sealed class ClusterHealthCheck(IGrainFactory grains) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var hosts = await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).WaitAsync(cancellationToken);
            var data = new Dictionary<string, object> { ["active_silos"] = hosts.Count };
            return hosts.Count > 0
                ? HealthCheckResult.Healthy($"{hosts.Count} active silo(s).", data)
                : new HealthCheckResult(context.Registration.FailureStatus, "No active silo.", data: data);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "The Orleans cluster did not answer.", ex);
        }
    }
}
