using System.Security.Claims;
using System.Text.Encodings.Web;
using Alavida.Api.Auth;
using Alavida.Dashboard.Hosting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Alavida.Dashboard.Sessions;

/// <summary>
/// The dashboard's cookie: an opaque session id (never the key) looked up in <see cref="SessionStore"/>. The principal
/// carries the same claims as the API key it was opened with, so pages call the same queries as the API.
/// </summary>
public sealed class DashboardSessionHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    SessionStore sessions) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "DashboardSession";

    /// <summary>The cookie's name; its value is the session id.</summary>
    public const string CookieName = "alavida_session";

    /// <summary>The sign-in page.</summary>
    public const string SignInPath = "/app/sign-in";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Cookies.TryGetValue(CookieName, out var id) || id.Length is 0 or > 100)
        {
            return AuthenticateResult.NoResult();
        }

        var session = await sessions.TouchAsync(id, Context.RequestAborted);
        return session is null
            ? AuthenticateResult.Fail("The session has ended or expired; sign in again.")
            : AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity(ClaimsOf(session), SchemeName)), SchemeName));
    }

    /// <summary>Pages send the browser to the sign-in page; other paths (<c>/dashboard</c>) answer 401 saying where to sign in.</summary>
    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        // Pages go to the sign-in form; their live fragments answer 401, and the page's script reloads the page.
        if (Request.Path.StartsWithSegments("/app") && !Request.Path.StartsWithSegments("/app/live"))
        {
            Response.Redirect($"{SignInPath}?return_url={Uri.EscapeDataString(Request.Path + Request.QueryString)}");
            return Task.CompletedTask;
        }

        return Problem(StatusCodes.Status401Unauthorized, "Unauthorized",
            $"Sign in at {SignInPath} on the public address of this host (with the platform admin key for /dashboard), then open {Request.Path} again.");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        Problem(StatusCodes.Status403Forbidden, "Forbidden", "This page is for the platform admin: sign in with the admin key.");

    /// <summary>Writes the session cookie: HttpOnly, SameSite=Strict, Secure under HTTPS (or <c>Dashboard:SecureCookies</c>), for the whole host.</summary>
    public static void WriteCookie(HttpContext context, string id) =>
        context.Response.Cookies.Append(CookieName, id, CookieOptions(context));

    /// <summary>Removes the session cookie.</summary>
    public static void DeleteCookie(HttpContext context) => context.Response.Cookies.Delete(CookieName, CookieOptions(context));

    /// <summary>Claims for a session: those the API key scheme gives the same key.</summary>
    public static IReadOnlyList<Claim> ClaimsOf(DashboardSession session) => session.IsAdmin
        ? [new Claim(ClaimTypes.Role, ApiKeyAuthenticationHandler.AdminRole)]
        : [new Claim(ApiKeyAuthenticationHandler.TeamClaim, session.TeamId!.Value.ToString()), new Claim(ApiKeyAuthenticationHandler.KeyClaim, session.KeyId!.Value.ToString()),
            new Claim(ApiKeyAuthenticationHandler.KeyNameClaim, session.KeyName ?? ""), new Claim(ApiKeyAuthenticationHandler.TeamNameClaim, session.TeamName ?? "")];

    private static CookieOptions CookieOptions(HttpContext context) => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Strict,
        Secure = context.Request.IsHttps || context.RequestServices.GetRequiredService<IOptions<DashboardOptions>>().Value.SecureCookies,
        Path = "/",
        IsEssential = true,
    };

    private Task Problem(int status, string title, string detail)
    {
        Response.StatusCode = status;
        return Context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        }).AsTask();
    }
}
