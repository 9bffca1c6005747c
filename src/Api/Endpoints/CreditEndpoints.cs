using System.Security.Claims;
using Alavida.Api.Auth;
using Alavida.Grains.Platform;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Alavida.Api.Endpoints;

/// <summary><c>/credits</c>: the team's balance and what it was spent on.</summary>
public static class CreditEndpoints
{
    public static IEndpointRouteBuilder MapCreditEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/credits").WithTags("Credits").RequireAuthorization(AuthPolicies.Team);
        group.MapGet("/", GetAsync).WithName("GetCredits")
            .WithSummary("Balance, reserved, lifetime used and purchased credits, and whether the balance is below the team's low-balance threshold");
        group.MapGet("/usage", UsageAsync).WithName("GetCreditUsage").WithSummary("Credits used per job (paged) and per quantum (filters: quantum, since)")
            .WithDescription("by_quantum totals the charges at or after since (all of them without it). Its jobs counts the jobs whose first " +
                             "charge in that quantum falls in the period: a job charged before since and again after it adds its later credits " +
                             "and units but is not counted again; without since it is the number of distinct jobs charged.");
        return app;
    }

    public static async Task<Ok<AccountResponse>> GetAsync(ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(AccountResponse.From(await grains.GetGrain<ITeamGrain>(user.TeamId()).GetAccountAsync()));

    public static async Task<Results<Ok<UsageResponse>, ProblemHttpResult>> UsageAsync(
        HttpRequest request, ClaimsPrincipal user, IGrainFactory grains, string? quantum = null)
    {
        var list = ListQuery.Parse(request);
        if (quantum is not null && !Quantums.All.Contains(quantum))
        {
            list.AddError("quantum", $"must be one of {string.Join(", ", Quantums.All)}");
        }

        if (list.Errors.Count > 0)
        {
            return Problems.Invalid("The query is invalid.", list.Errors);
        }

        var query = new UsageQuery(user.TeamId(), quantum, list.Since, list.Limit, list.Cursor);
        var queries = grains.GetGrain<IPlatformQueryGrain>(0);
        var page = await queries.ListUsageAsync(query);
        return TypedResults.Ok(new UsageResponse(page.Items, page.NextCursor, await queries.UsageByQuantumAsync(query)));
    }
}
