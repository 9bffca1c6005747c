using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Alavida.Grains;
using Alavida.Grains.Platform;
using Alavida.Api.Hosting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Alavida.Api.Auth;

/// <summary>
/// <c>Authorization: Bearer &lt;key&gt;</c>: the platform admin key from <c>Platform:AdminKey</c>, or a team's API key
/// (verified by the key's grain). Failures answer with a problem document, never an empty 401.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiKeyVerifier verifier) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string TeamClaim = "alavida:team_id";
    public const string KeyClaim = "alavida:key_id";
    public const string KeyNameClaim = "alavida:key_name";
    public const string TeamNameClaim = "alavida:team_name";
    public const string AdminRole = "platform-admin";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string header = Request.Headers.Authorization.ToString();
        if (string.IsNullOrEmpty(header) || Endpoints.EventKeyEndpoints.IsEventApi(Request.Path))
        {
            // The event API's Bearer is an event key, which its endpoint checks (an API key there is refused by it).
            return AuthenticateResult.NoResult();
        }

        if (BearerToken(Request) is not { } key)
        {
            return AuthenticateResult.Fail("The Authorization header must be 'Bearer <api key>'.");
        }

        var (claims, failure) = await verifier.VerifyAsync(key);
        return claims is null ? AuthenticateResult.Fail(failure!)
            : AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName)), SchemeName));
    }

    /// <summary>The token of an <c>Authorization: Bearer &lt;token&gt;</c> header; null when there is none or it is empty.</summary>
    public static string? BearerToken(HttpRequest request) =>
        request.Headers.Authorization.ToString() is var header && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            && header["Bearer ".Length..].Trim() is { Length: > 0 } token
            ? token
            : null;

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = "Bearer";
        var failure = (await HandleAuthenticateOnceSafeAsync()).Failure?.Message;
        await Problems.Unauthorized(failure ?? "Send your API key as 'Authorization: Bearer <api key>'.").ExecuteAsync(Context);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        Problems.Forbidden(Context.User.IsInRole(AdminRole)
            ? "This endpoint acts for a team: call it with one of the team's API keys, not the platform admin key."
            : "This endpoint needs the platform admin key.").ExecuteAsync(Context);

}

/// <summary>
/// Checks an API key or the admin key and says who it is, as claims: what the bearer scheme and the dashboard's
/// sign-in both use, so a key means the same everywhere.
/// </summary>
public sealed class ApiKeyVerifier(IGrainFactory grains, AdminKey adminKey)
{
    /// <summary>The caller's claims, or null with the reason the key is refused.</summary>
    public async Task<(IReadOnlyList<Claim>? Claims, string? Failure)> VerifyAsync(string key)
    {
        if (adminKey.Matches(key))
        {
            return ([new Claim(ClaimTypes.Role, ApiKeyAuthenticationHandler.AdminRole)], null);
        }

        if (!ApiKeyFormat.TryGetPrefix(key, out var prefix))
        {
            return (null, "The API key is not well-formed (keys look like alv_XXXXXXXXXX_…).");
        }

        var identity = await grains.GrainOf<IApiKeyGrain>(prefix).AuthenticateAsync(key);
        return identity is null ? (null, "The API key is unknown or has been revoked.")
            : identity.Kind is not (null or ApiKeyKinds.Api) ? (null, "This is an event key: it only sends events, to POST /e/{event key}. Use an API key here.")
            : ([new Claim(ApiKeyAuthenticationHandler.TeamClaim, identity.TeamId.ToString()), new Claim(ApiKeyAuthenticationHandler.KeyClaim, identity.KeyId.ToString()),
                new Claim(ApiKeyAuthenticationHandler.KeyNameClaim, identity.Name), new Claim(ApiKeyAuthenticationHandler.TeamNameClaim, identity.TeamName ?? "")], null);
    }
}

/// <summary>The admin key, compared in constant time.</summary>
public sealed class AdminKey(IOptions<PlatformOptions> options)
{
    private readonly byte[] _key = Encoding.UTF8.GetBytes(options.Value.AdminKey ?? "");

    public bool Matches(string candidate) =>
        _key.Length > 0 && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(candidate), _key);
}

/// <summary>The authenticated caller.</summary>
public static class Caller
{
    /// <summary>The caller's team (only for team keys).</summary>
    public static Guid TeamId(this ClaimsPrincipal user) => Guid.Parse(user.FindFirstValue(ApiKeyAuthenticationHandler.TeamClaim)!);

    /// <summary>The API key used (only for team keys).</summary>
    public static Guid KeyId(this ClaimsPrincipal user) => Guid.Parse(user.FindFirstValue(ApiKeyAuthenticationHandler.KeyClaim)!);
}
