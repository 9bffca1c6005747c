using System.Security.Cryptography;
using Alavida.Api.Hosting;
using Alavida.Grains.Platform;
using Microsoft.Extensions.Options;

namespace Alavida.Silo.Hosting;

/// <summary>
/// What makes a fresh install usable at once: an admin key when none is configured, and on an empty database a
/// development team whose API key is logged (its only showing).
/// </summary>
internal static partial class PlatformBootstrap
{
    /// <summary>Sets a random <c>Platform:AdminKey</c> when none is configured; returns it so it can be shown, else null.</summary>
    public static string? EnsureAdminKey(IConfiguration configuration)
    {
        var key = $"{PlatformOptions.SectionName}:{nameof(PlatformOptions.AdminKey)}";
        if (!string.IsNullOrWhiteSpace(configuration[key]))
        {
            return null;
        }

        var generated = "alv_admin_" + RandomNumberGenerator.GetString(ApiKeyFormat.Alphabet, 32);
        configuration[key] = generated;
        return generated;
    }

    /// <summary>Logs the generated admin key, and creates the development team once the silo is up.</summary>
    internal sealed class Service(
        IHostApplicationLifetime lifetime, IGrainFactory grains, IOptions<PlatformOptions> platform, IOptions<AlavidaOptions> alavida,
        GeneratedAdminKey generated, ILogger<Service> logger) : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            if (generated.Value is { } adminKey)
            {
                Log.AdminKeyGenerated(logger, adminKey);
            }

            if (!platform.Value.CreateDevTeam || alavida.Value.Role == HostRole.Gateway)
            {
                return;
            }

            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using var registration = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
            await started.Task.WaitAsync(stoppingToken);
            var team = await grains.GetGrain<IPlatformAdminGrain>(0).EnsureDevelopmentTeamAsync(platform.Value.DevTeamCredits);
            if (team is not null)
            {
                Log.DevTeamCreated(logger, team.Name, team.Credits.Balance, team.ApiKey.Secret);
            }
        }
    }

    /// <summary>The admin key made at start-up, if any.</summary>
    internal sealed record GeneratedAdminKey(string? Value);

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning,
            "No Platform:AdminKey is configured; this process generated one for /admin: {AdminKey} (set Platform__AdminKey to choose it)")]
        public static partial void AdminKeyGenerated(ILogger logger, string adminKey);

        [LoggerMessage(2, LogLevel.Warning,
            "Fresh database: created team '{Team}' with {Credits} credits. Its API key (shown once): {ApiKey} — try: curl -H \"Authorization: Bearer {ApiKey}\" http://127.0.0.1:8080/credits")]
        public static partial void DevTeamCreated(ILogger logger, string team, long credits, string apiKey);
    }
}
