using Alavida.Api.Hosting;
using Alavida.Grains.Platform;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace Alavida.Silo.Hosting;

/// <summary>
/// What makes a fresh install usable at once: an admin key kept across starts when none is configured
/// (<see cref="AdminKeyFile"/>), a development team on an empty database, and a banner on the console saying how to
/// use them (<see cref="StartupBanner"/>) once the host listens.
/// </summary>
internal static partial class PlatformBootstrap
{
    internal sealed class Service(
        IHostApplicationLifetime lifetime, IServer server, IGrainFactory grains, IOptions<PlatformOptions> platform, IOptions<AlavidaOptions> alavida,
        AdminKeySource adminKey, StartupConsole console, ManagementPorts management, ILogger<Service> logger) : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            LogAdminKey(adminKey);
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using var registration = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
            await started.Task.WaitAsync(stoppingToken);
            var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses.Select(a => new Uri(a)).ToList() ?? [];
            var address = addresses.FirstOrDefault(a => !management.Contains(a.Port))?.ToString().TrimEnd('/') ?? "(no HTTP address)";
            var operations = addresses.FirstOrDefault(a => management.Contains(a.Port))?.ToString().TrimEnd('/');
            Log.Ready(logger, alavida.Value.Role, address, operations ?? "(none: Management:Urls is empty)");

            TeamCreated? created = null;
            TeamView? existing = null;
            // A gateway leaves the team to the silos (one of them makes it); it still prints how to reach the admin API.
            if (platform.Value.CreateDevTeam && alavida.Value.Role != HostRole.Gateway)
            {
                var admin = grains.GetGrain<IPlatformAdminGrain>(0);
                created = await admin.EnsureDevelopmentTeamAsync(platform.Value.DevTeamCredits);
                if (created is not null)
                {
                    Log.DevTeamCreated(logger, created.TeamId, created.Name, created.Credits.Balance);
                }
                else
                {
                    existing = await admin.FindDevelopmentTeamAsync();
                }
            }

            await console.Writer.WriteAsync(StartupBanner.Render(new BannerFacts(address, adminKey, created, existing, operations)));
            await console.Writer.FlushAsync(stoppingToken);
        }

        private void LogAdminKey(AdminKeySource source)
        {
            switch (source.Origin)
            {
                case AdminKeyOrigin.Created:
                    Log.AdminKeyCreated(logger, source.File!);
                    break;
                case AdminKeyOrigin.Stored:
                    Log.AdminKeyStored(logger, source.File!);
                    break;
                case AdminKeyOrigin.ThisProcessOnly:
                    Log.AdminKeyForThisProcess(logger, source.File!, source.Problem ?? "");
                    break;
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning,
            "No Platform:AdminKey is configured: made one for /admin and kept it in {File} (mode 0600) for later starts; the banner on the console shows it. Set Platform__AdminKey in any shared deployment")]
        public static partial void AdminKeyCreated(ILogger logger, string file);

        [LoggerMessage(2, LogLevel.Warning,
            "Fresh database: created the development team {TeamId} '{Team}' with {Credits} credits; its API key is in the banner on the console (shown once)")]
        public static partial void DevTeamCreated(ILogger logger, Guid teamId, string team, long credits);

        [LoggerMessage(3, LogLevel.Information, "No Platform:AdminKey is configured: using the admin key kept in {File}")]
        public static partial void AdminKeyStored(ILogger logger, string file);

        [LoggerMessage(4, LogLevel.Warning,
            "No Platform:AdminKey is configured and {File} could not be written ({Reason}): this process made an admin key of its own, shown in the banner on the console")]
        public static partial void AdminKeyForThisProcess(ILogger logger, string file, string reason);

        [LoggerMessage(5, LogLevel.Information,
            "Alavida ({Role}) is ready at {Address} — health {Address}/health; metrics {Management}/metrics and the Orleans dashboard {Management}/dashboard on the management listener")]
        public static partial void Ready(ILogger logger, HostRole role, string address, string management);
    }
}
