using Alavida.Api.Hosting;
using Alavida.Dashboard.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Dashboard;
using Serilog;
using Serilog.Events;

namespace Alavida.Silo.Hosting;

/// <summary>The whole platform host, composed in one place so the run command and the tests start the same thing.</summary>
public static class PlatformExtensions
{
    /// <summary>Registers every platform concern on <paramref name="builder"/>, in dependency order.</summary>
    /// <param name="builder">The web host builder.</param>
    /// <param name="configureSilo">Extra silo configuration (tests add their grains here).</param>
    public static async Task<WebApplicationBuilder> AddAlavidaPlatformAsync(this WebApplicationBuilder builder, Action<ISiloBuilder>? configureSilo = null)
    {
        builder.AddAlavidaObservability();
        var adminKey = AdminKeyFile.Ensure(builder.Configuration);
        await builder.AddAlavidaDatabaseAsync();
        builder.AddAlavidaOrleans(configureSilo);
        builder.AddAlavidaApi();
        builder.AddAlavidaDashboard();
        builder.AddAlavidaManagement();
        builder.WebHost.ConfigureKestrel(o => o.Limits.MaxRequestBodySize =
            builder.Configuration.GetSection(PlatformOptions.SectionName).Get<PlatformOptions>()?.MaxRequestBodyBytes ?? new PlatformOptions().MaxRequestBodyBytes);
        builder.Services.AddSingleton(adminKey);
        // The banner goes to standard error: standard output is the compact-JSON log stream collectors parse, and a
        // terminal shows both (also when the log is redirected to a file).
        builder.Services.TryAddSingleton(new StartupConsole(Console.Error));
        builder.Services.AddHostedService<PlatformBootstrap.Service>();
        return builder;
    }

    /// <summary>
    /// Maps request logging, the gateway API, the dashboard at <c>/app</c>, and on the management listener <c>/metrics</c> and the Orleans dashboard
    /// at <c>/dashboard</c> (<see cref="ManagementExtensions"/>).
    /// </summary>
    public static WebApplication MapAlavidaPlatform(this WebApplication app)
    {
        app.UseManagementBoundary();
        app.UseSerilogRequestLogging(o =>
        {
            // The host's logger, not the static bootstrap one, so request lines honour configured levels and sinks.
            o.Logger = app.Services.GetRequiredService<Serilog.ILogger>();
            o.GetLevel = RequestLogLevel;
        });
        app.UseDashboardSessions(); // before the API's rate limiter: a signed-in browser uses its key's bucket
        app.MapAlavidaApi();
        app.MapAlavidaDashboard();
        if (app.Services.GetRequiredService<ManagementPorts>().Any)
        {
            app.MapPrometheusScrapingEndpoint("/metrics").ForManagement();
            // Behind the admin's dashboard session: the session cookie is the host's, so signing in at /app/sign-in on the
            // public address opens it on the management listener too (docs/dashboard.md).
            app.MapOrleansDashboard(routePrefix: "/dashboard").ForManagement().RequireAuthorization(DashboardExtensions.AdminPolicy);
        }
        return app;
    }

    /// <summary>Failures at Error (a 501 for a not-yet-shipped action is not one); probes and scrapes at Verbose (they arrive every few seconds); the rest at Information.</summary>
    private static LogEventLevel RequestLogLevel(HttpContext context, double elapsedMs, Exception? exception) =>
        exception is not null || context.Response.StatusCode is >= 500 and not StatusCodes.Status501NotImplemented ? LogEventLevel.Error
        : ObservabilityExtensions.OperationalPaths.Any(p => context.Request.Path.StartsWithSegments(p)) ? LogEventLevel.Verbose
        : LogEventLevel.Information;
}
