using System.Diagnostics;
using System.Text.Json;
using Alavida.Api.Health;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace Alavida.Api.Hosting;

public static class ApiExtensions
{
    /// <summary>Health checks with this tag make up <c>/health</c> (readiness).</summary>
    public const string ReadyTag = "ready";

    /// <summary>Health checks with this tag make up <c>/alive</c> (liveness).</summary>
    public const string LiveTag = "live";

    /// <summary>How long a dependency check may take before it counts as failed.</summary>
    public static readonly TimeSpan HealthCheckTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The gateway's services: snake_case JSON, ProblemDetails with <c>trace_id</c> for every error, and the
    /// PostgreSQL and liveness checks (the host adds the cluster check that fits its role).
    /// </summary>
    public static IHostApplicationBuilder AddAlavidaApi(this IHostApplicationBuilder builder)
    {
        if (builder.Services.Any(s => s.ImplementationType == typeof(UnavailableExceptionHandler)))
        {
            return builder;
        }

        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower);
        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = ctx =>
            ctx.ProblemDetails.Extensions["trace_id"] = Activity.Current?.TraceId.ToHexString() ?? ctx.HttpContext.TraceIdentifier);
        builder.Services.AddExceptionHandler<UnavailableExceptionHandler>();

        builder.Services.AddHealthChecks()
            .AddCheck<PostgresHealthCheck>("postgres", HealthStatus.Unhealthy, [ReadyTag], HealthCheckTimeout)
            .AddCheck("process", () => HealthCheckResult.Healthy("The process is running."), [LiveTag]);
        return builder;
    }

    /// <summary>Error handling and the platform endpoints: <c>/health</c> (PostgreSQL + cluster) and <c>/alive</c>.</summary>
    public static WebApplication MapAlavidaApi(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        MapHealth(app, "/health", ReadyTag).WithSummary("Readiness: PostgreSQL and the Orleans cluster");
        MapHealth(app, "/alive", LiveTag).WithSummary("Liveness: the process answers");
        return app;
    }

    private static IEndpointConventionBuilder MapHealth(IEndpointRouteBuilder app, string path, string tag) =>
        app.MapHealthChecks(path, new HealthCheckOptions
        {
            Predicate = r => r.Tags.Contains(tag),
            ResponseWriter = HealthResponseWriter.WriteAsync,
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = StatusCodes.Status200OK,
                [HealthStatus.Degraded] = StatusCodes.Status200OK,
                [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
            },
        }).WithTags("Platform").DisableHttpMetrics();
}
