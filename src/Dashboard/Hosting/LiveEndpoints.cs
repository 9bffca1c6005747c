using System.Security.Claims;
using Alavida.Api.Auth;
using Alavida.Dashboard.Components.Shared;
using Alavida.Grains.Platform;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Alavida.Dashboard.Hosting;

/// <summary>Fragments that <c>live.js</c> fetches to follow something that changes (a job's status).</summary>
internal static class LiveEndpoints
{
    public static IEndpointRouteBuilder MapLiveEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/app/live/jobs/{id}", JobAsync).RequireAuthorization(DashboardExtensions.SignedInPolicy).ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> JobAsync(string id, string? detailed, ClaimsPrincipal user, IGrainFactory grains)
    {
        if (!Guid.TryParse(id, out var jobId))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, detail: "The job id must be a UUID.");
        }

        var job = await grains.GetGrain<IJobGrain>(jobId).GetAsync();
        var admin = user.IsInRole(ApiKeyAuthenticationHandler.AdminRole);
        return job is null || (!admin && job.TeamId != user.TeamId())
            ? TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, detail: $"There is no job {jobId} in this team.")
            : new RazorComponentResult<LiveJob>(new { View = job, Detailed = detailed == "1" });
    }
}
