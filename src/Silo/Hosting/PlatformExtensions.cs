using Alavida.Api.Hosting;
using Orleans.Dashboard;
using Serilog;

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
        await builder.AddAlavidaDatabaseAsync();
        builder.AddAlavidaOrleans(configureSilo);
        builder.AddAlavidaApi();
        builder.Services.AddHostedService<StartupBanner>();
        return builder;
    }

    /// <summary>Maps request logging, the gateway API, <c>/metrics</c> and the Orleans dashboard at <c>/dashboard</c>.</summary>
    public static WebApplication MapAlavidaPlatform(this WebApplication app)
    {
        app.UseSerilogRequestLogging(o => o.GetLevel = (ctx, _, ex) =>
            ex is not null || ctx.Response.StatusCode >= 500 ? Serilog.Events.LogEventLevel.Error
            : ctx.Request.Path.StartsWithSegments("/health") || ctx.Request.Path.StartsWithSegments("/alive") || ctx.Request.Path.StartsWithSegments("/metrics")
                ? Serilog.Events.LogEventLevel.Verbose
                : Serilog.Events.LogEventLevel.Information);
        app.MapAlavidaApi();
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapOrleansDashboard(routePrefix: "/dashboard");
        return app;
    }
}
