using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using Alavida.Api.Auth;
using Alavida.Api.Endpoints;
using Alavida.Api.Health;
using Alavida.Api.Validation;
using Alavida.Grains.Billing;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Scalar.AspNetCore;

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
        if (builder.Services.Any(s => s.ImplementationType == typeof(ExceptionProblemHandler)))
        {
            return builder;
        }

        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        });
        // Malformed bodies and bad route values reach the exception handler, which answers with a problem naming the cause.
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.AddOptions<PlatformOptions>().BindConfiguration(PlatformOptions.SectionName);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<AdminKey>();
        builder.Services.AddSingleton<ApiKeyVerifier>();
        builder.Services.AddSingleton<InputValidator>();
        builder.Services.AddSingleton<TeamAcceptanceBatcher>();
        builder.Services.AddSingleton<RegistryLookup>();
        builder.Services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(AuthPolicies.Team, p => p.RequireClaim(ApiKeyAuthenticationHandler.TeamClaim))
            .AddPolicy(AuthPolicies.Admin, p => p.RequireRole(ApiKeyAuthenticationHandler.AdminRole))
            .AddPolicy(AuthPolicies.TeamOrAdmin, p => p.RequireAssertion(c =>
                c.User.IsInRole(ApiKeyAuthenticationHandler.AdminRole) || c.User.HasClaim(x => x.Type == ApiKeyAuthenticationHandler.TeamClaim)));
        builder.Services.AddOpenApi(o => o.AddBearerSecurityScheme().AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Alavida API";
            document.Info.Description = "Run go-to-market quantums as async jobs, watch them, read their data, manage credits. " +
                                        "Authenticate with `Authorization: Bearer <api key>`. Every error is application/problem+json with a trace_id.";
            return Task.CompletedTask;
        }));
        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = ctx =>
        {
            ctx.ProblemDetails.Extensions["trace_id"] = Activity.Current?.TraceId.ToHexString() ?? ctx.HttpContext.TraceIdentifier;
            ctx.ProblemDetails.Detail ??= DefaultDetail(ctx.HttpContext);
        });
        builder.Services.AddExceptionHandler<ExceptionProblemHandler>();
        builder.Services.AddAlavidaRateLimits();
        builder.Services.AddOptions<StripeOptions>().BindConfiguration(StripeOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<BillingOptions>().BindConfiguration(BillingOptions.SectionName).ValidateDataAnnotations()
            .Validate(o => o.Packs.All(p => p.Problem() is null) && o.Packs.DistinctBy(p => p.Id).Count() == o.Packs.Count,
                "Billing:Packs: every pack needs a unique Id, Credits > 0, and AmountCents with Currency or a PriceId")
            .ValidateOnStart();
        builder.AddAlavidaMcp();

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
        app.UseAuthentication();
        app.UseRateLimiter(); // after authentication: the bucket is the caller's key
        app.UseAuthorization();
        app.Use(RequestTextGuard.InvokeAsync);
        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapScalarApiReference("/reference", o => o.WithTitle("Alavida API").AddPreferredSecuritySchemes(BearerSecurityScheme.Name));
        app.MapQuantumEndpoints();
        app.MapJobEndpoints();
        app.MapCreditEndpoints();
        app.MapMeEndpoints();
        app.MapBillingEndpoints();
        app.MapWebhookEndpoints();
        app.MapRegistryEndpoints();
        app.MapAdminEndpoints();
        app.MapAdminIdentityEndpoints();
        app.MapIdentityDataEndpoints();
        app.MapMeetingEndpoints();
        app.MapMeshEndpoints();
        app.MapEventKeyEndpoints();
        app.MapProspectEndpoints();
        app.MapAlavidaMcp();
        MapHealth(app, "/health", ReadyTag).WithSummary("Readiness: PostgreSQL and the Orleans cluster");
        MapHealth(app, "/alive", LiveTag).WithSummary("Liveness: the process answers");
        return app;
    }

    /// <summary>A useful sentence for the problems the framework raises without one (no route, body too large…).</summary>
    private static string DefaultDetail(HttpContext context) => context.Response.StatusCode switch
    {
        StatusCodes.Status404NotFound => $"No endpoint matches {context.Request.Method} {context.Request.Path}. The API reference is at /reference.",
        StatusCodes.Status405MethodNotAllowed => $"{context.Request.Method} is not allowed on {context.Request.Path}.",
        StatusCodes.Status413PayloadTooLarge =>
            $"The request body is larger than the {context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize ?? context.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<PlatformOptions>>().Value.MaxRequestBodyBytes} bytes allowed; send fewer items per request.",
        StatusCodes.Status415UnsupportedMediaType => "Send the body as JSON with 'Content-Type: application/json'.",
        _ => "The request could not be processed.",
    };

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
