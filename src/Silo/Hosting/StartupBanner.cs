using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace Alavida.Silo.Hosting;

/// <summary>Tells a newcomer where everything is, once the host is listening.</summary>
internal sealed partial class StartupBanner(
    IServer server, IHostApplicationLifetime lifetime, IOptions<AlavidaOptions> options, ManagementPorts management, ILogger<StartupBanner> logger)
    : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(() =>
        {
            var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses.Select(a => new Uri(a)).ToList() ?? [];
            var address = addresses.FirstOrDefault(a => !management.Contains(a.Port))?.ToString().TrimEnd('/') ?? "(no HTTP address)";
            var operations = addresses.FirstOrDefault(a => management.Contains(a.Port))?.ToString().TrimEnd('/') ?? "(no management listener)";
            Log.Ready(logger, options.Value.Role, address, operations);
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information,
            "Alavida ({Role}) is ready at {Address} — health {Address}/health; metrics {Management}/metrics and the Orleans dashboard {Management}/dashboard on the management listener")]
        public static partial void Ready(ILogger logger, HostRole role, string address, string management);
    }
}
