using System.Security.Claims;
using Alavida.Api.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Alavida.Api.Endpoints;

/// <summary><c>/me</c>: who the caller's API key is (what <c>alavida auth login</c> checks and <c>whoami</c> shows).</summary>
public static class MeEndpoints
{
    public static IEndpointRouteBuilder MapMeEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/me", Get).WithTags("Account").RequireAuthorization(AuthPolicies.Team)
            .WithName("GetMe").WithSummary("The caller's team and API key: team_id, team_name, key_id, key_name");
        return app;
    }

    public static Ok<MeResponse> Get(ClaimsPrincipal user) => TypedResults.Ok(new MeResponse(
        user.TeamId(), user.FindFirstValue(ApiKeyAuthenticationHandler.TeamNameClaim) ?? "",
        user.KeyId(), user.FindFirstValue(ApiKeyAuthenticationHandler.KeyNameClaim) ?? ""));
}

/// <summary><c>GET /me</c>.</summary>
public sealed record MeResponse(Guid TeamId, string TeamName, Guid KeyId, string KeyName);
