using Alavida.Silo.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Alavida.Bench;

/// <summary>
/// The run command's host composition (silo + gateway) in the harness's process, on a throwaway local PostgreSQL in a
/// temporary folder that goes when it is disposed; quiet logs, no development team, the per-key rate limit off.
/// </summary>
public sealed class BenchPlatform : IAsyncDisposable
{
    public const string AdminKey = "bench-admin-key-0123456789";

    private readonly WebApplication _app;
    private readonly DirectoryInfo _work;

    private BenchPlatform(WebApplication app, DirectoryInfo work) => (_app, _work) = (app, work);

    /// <summary>The API's base address.</summary>
    public string Address => _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

    /// <summary>The platform database (for checks after the measurement).</summary>
    public string ConnectionString => _app.Configuration.GetConnectionString("Postgres")!;

    /// <summary>Starts the platform; <paramref name="settings"/> (ports, the feature's keys) go over the defaults.</summary>
    public static async Task<BenchPlatform> StartAsync(string name, IReadOnlyDictionary<string, string?> settings)
    {
        var work = Directory.CreateTempSubdirectory($"alavida-{name}-bench-");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(work.FullName, (UnixFileMode)0b111_101_101); // the local PostgreSQL runs as postgres and must reach it
        }

        var config = new Dictionary<string, string?>
        {
            ["Alavida:LocalPostgresDirectory"] = Path.Combine(work.FullName, "pg"),
            ["Urls"] = "http://127.0.0.1:0",
            ["Orleans:ClusterId"] = $"bench-{Guid.NewGuid():N}",
            ["Serilog:MinimumLevel:Default"] = "Warning",
            ["Platform:AdminKey"] = AdminKey,
            ["Platform:CreateDevTeam"] = "false",
            ["RateLimits:PerKey:Burst"] = "0", // the feature's speed, not the limits, is measured
        };
        foreach (var (key, value) in settings)
        {
            config[key] = value;
        }

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddInMemoryCollection(config);
        await builder.AddAlavidaPlatformAsync();
        var app = builder.Build();
        app.MapAlavidaPlatform();
        await app.StartAsync();
        return new BenchPlatform(app, work);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _work.Delete(recursive: true);
    }
}
