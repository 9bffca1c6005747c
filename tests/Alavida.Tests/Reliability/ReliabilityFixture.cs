using Alavida.Grains.Platform;
using Alavida.Tests.Gateway;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Alavida.Tests.Infrastructure;

namespace Alavida.Tests.Reliability;

/// <summary>
/// A platform on a database of its own (the tests cut it off), with quick fault retries, the test actions and the
/// silo-fault filter.
/// </summary>
public sealed class ReliabilityFixture : GatewayFixture
{
    public SiloFaults Faults { get; } = new();

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Jobs:FirstRetryDelay"] = "00:00:00.020",
        ["Jobs:MaxRetryDelay"] = "00:00:00.200",
    };

    protected override void ConfigureServices(IServiceCollection services)
    {
        services.AddQuantumAction<TouchDatabaseAction>();
        services.AddQuantumAction<DefectiveAction>();
        services.AddSingleton<IOutgoingGrainCallFilter>(Faults);
    }

    /// <summary>
    /// Cuts the platform's database off (<c>false</c>) or lets it back (<c>true</c>). Back, the platform's pool is
    /// emptied of the connections the cut killed, as its keep-alive does within a second (the tests go on at once, and
    /// the request after a restart that meets a dead connection is not what they are about).
    /// </summary>
    public async Task SetReachableAsync(bool reachable)
    {
        await TestPostgres.SetReachableAsync(ConnectionString, reachable);
        if (reachable)
        {
            Host.Services.GetRequiredService<NpgsqlDataSource>().Clear();
        }
    }

    /// <summary>Completes when the host logs <paramref name="message"/> (a template fragment) for <paramref name="jobId"/>.</summary>
    public Task WhenLoggedAsync(Guid jobId, string message) =>
        Logs.WaitForAsync(e => e.Properties.TryGetValue("JobId", out var id) && id.ToString() == jobId.ToString()
            && e.MessageTemplate.Text.Contains(message, StringComparison.Ordinal));
}

[CollectionDefinition(Name)]
public sealed class ReliabilityCollection : ICollectionFixture<ReliabilityFixture>
{
    public const string Name = "reliability";
}
