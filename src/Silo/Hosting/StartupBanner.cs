using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace Alavida.Silo.Hosting;

/// <summary>Tells a newcomer where everything is, once the host is listening.</summary>
internal sealed partial class StartupBanner(IServer server, IHostApplicationLifetime lifetime, IOptions<AlavidaOptions> options, ILogger<StartupBanner> logger)
    : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(() =>
        {
            var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? "(no HTTP address)";
            Log.Ready(logger, options.Value.Role, address);
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information,
            "Alavida ({Role}) is ready at {Address} — health {Address}/health, metrics {Address}/metrics, Orleans dashboard {Address}/dashboard")]
        public static partial void Ready(ILogger logger, HostRole role, string address);
    }
}
