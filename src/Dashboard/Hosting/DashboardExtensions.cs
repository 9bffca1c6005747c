using System.Reflection;
using Alavida.Api.Auth;
using Alavida.Dashboard.Components;
using Alavida.Dashboard.Sessions;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Alavida.Dashboard.Hosting;

/// <summary>The dashboard at <c>/app</c>: Razor components rendered on the server, signed in with a session cookie.</summary>
public static class DashboardExtensions
{
    /// <summary>Signed in to the dashboard (a team or the admin).</summary>
    public const string SignedInPolicy = "dashboard";

    /// <summary>Signed in to the dashboard as the platform admin (the Orleans <c>/dashboard</c>).</summary>
    public const string AdminPolicy = "dashboard-admin";

    public static IHostApplicationBuilder AddAlavidaDashboard(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<DashboardOptions>().BindConfiguration(DashboardOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<SessionStore>();
        builder.Services.AddRazorComponents();
        builder.Services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "alavida_antiforgery";
            o.Cookie.SameSite = SameSiteMode.Strict;
        });
        builder.Services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, DashboardSessionHandler>(DashboardSessionHandler.SchemeName, null);
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(SignedInPolicy, p => p.AddAuthenticationSchemes(DashboardSessionHandler.SchemeName).RequireAuthenticatedUser())
            .AddPolicy(AdminPolicy, p => p.AddAuthenticationSchemes(DashboardSessionHandler.SchemeName).RequireRole(ApiKeyAuthenticationHandler.AdminRole));
        return builder;
    }

    /// <summary>
    /// Signs a request to <c>/app</c> or <c>/dashboard</c> in by its session cookie before the API's middleware runs, so
    /// the rate limiter puts a signed-in browser in its key's bucket rather than its address's. The policies' own
    /// authentication of the scheme reuses this result (one session read per request).
    /// </summary>
    public static WebApplication UseDashboardSessions(this WebApplication app)
    {
        app.UseWhen(c => c.Request.Path.StartsWithSegments("/app") || c.Request.Path.StartsWithSegments("/dashboard"), branch => branch.Use(async (context, next) =>
        {
            if (context.Request.Cookies.ContainsKey(DashboardSessionHandler.CookieName)
                && await context.AuthenticateAsync(DashboardSessionHandler.SchemeName) is { Succeeded: true, Principal: { } user })
            {
                context.User = user;
            }

            await next();
        }));
        return app;
    }

    /// <summary>Maps the pages under <c>/app</c> and their assets; call after <c>MapAlavidaApi</c> (authentication first).</summary>
    public static WebApplication MapAlavidaDashboard(this WebApplication app)
    {
        app.UseAntiforgery();
        app.MapGet("/app/assets/{name}", Asset).ExcludeFromDescription().AllowAnonymous();
        app.MapLiveEndpoints();
        app.MapCsvExport();
        app.MapRazorComponents<App>().RequireAuthorization(SignedInPolicy).ExcludeFromDescription();
        return app;
    }

    private static IResult Asset(string name)
    {
        var type = Path.GetExtension(name) switch { ".css" => "text/css; charset=utf-8", ".js" => "text/javascript; charset=utf-8", _ => null };
        var stream = type is null ? null : Assembly.GetExecutingAssembly().GetManifestResourceStream($"Alavida.Dashboard.Assets.{name}");
        return stream is null
            ? TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, detail: $"There is no dashboard asset '{name}'.")
            : TypedResults.Stream(stream, type);
    }
}
