using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Alavida.Silo.Hosting;

/// <summary>
/// For a silo: healthy while this silo is an active member of the cluster. Reads the silo's own membership view, so
/// a database outage shows as the <c>postgres</c> check failing, not this one.
/// </summary>
internal sealed class SiloMembershipHealthCheck(IClusterMembershipService membership, ILocalSiloDetails local) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var snapshot = membership.CurrentSnapshot;
        var active = snapshot.Members.Values.Count(m => m.Status == SiloStatus.Active);
        var self = snapshot.GetSiloStatus(local.SiloAddress);
        var data = new Dictionary<string, object> { ["active_silos"] = active, ["this_silo"] = self.ToString() };
        return Task.FromResult(self == SiloStatus.Active
            ? HealthCheckResult.Healthy($"This silo is active; {active} active silo(s).", data)
            : new HealthCheckResult(context.Registration.FailureStatus, $"This silo is {self}.", data: data));
    }
}
