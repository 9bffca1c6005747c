using Alavida.Grains.Identity;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Alavida.Api.Endpoints;

/// <summary>
/// <c>/admin/identity</c>: identity acts that change what every team sees. A team's own merge
/// (<c>/identity/run/merge</c>) changes only what that team sees (ADR 0006); merging two entities for everyone — the
/// loser left as a tombstone that resolves to the survivor — is the platform admin's.
/// </summary>
public static class AdminIdentityEndpoints
{
    public static IEndpointRouteBuilder MapAdminIdentityEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/admin/identity/merges", MergeAsync).WithTags("Admin").RequireAuthorization(AuthPolicies.Admin)
            .WithName("MergeGlobally")
            .Accepts<GlobalMergeRequest>("application/json")
            .WithSummary("Merge two companies or persons for every team (the loser keeps resolving, to the survivor); emits identity/{kind}.merged");
        return app;
    }

    public static async Task<Results<Ok<GlobalMergeResponse>, ProblemHttpResult>> MergeAsync(HttpRequest request, IGrainFactory grains)
    {
        var (body, problem) = await JsonBody.ReadAsync<GlobalMergeRequest>(request);
        if (body is null)
        {
            return problem!;
        }

        var errors = new List<FieldError>();
        if (body.Kind is not ("company" or "person"))
        {
            errors.Add(new FieldError("/kind", "must be company or person"));
        }

        if (body.SurvivorId is null || body.SurvivorId == Guid.Empty)
        {
            errors.Add(new FieldError("/survivor_id", "is required: the id of the entity that remains"));
        }

        if (body.LoserId is null || body.LoserId == Guid.Empty)
        {
            errors.Add(new FieldError("/loser_id", "is required: the id of the entity merged into the survivor"));
        }

        if (errors.Count > 0)
        {
            return Problems.Invalid("The merge is invalid.", errors);
        }

        var merge = new MergeRequest(body.SurvivorId!.Value, body.LoserId!.Value, "admin");
        var resolver = grains.GetGrain<IIdentityResolverGrain>(0);
        var result = body.Kind == "company" ? await resolver.MergeCompaniesAsync(merge) : await resolver.MergePersonsAsync(merge);
        return result.Status == MergeStatus.Rejected
            ? Problems.Conflict($"The merge was refused: {result.Reason}.")
            : TypedResults.Ok(new GlobalMergeResponse(body.Kind!, result.Status == MergeStatus.Merged ? "merged" : "already_merged", result.SurvivorId, result.LoserId));
    }
}

/// <summary><c>POST /admin/identity/merges</c>.</summary>
public sealed record GlobalMergeRequest(string? Kind, Guid? SurvivorId, Guid? LoserId);

/// <summary>The outcome of a global merge: <c>merged</c> now, or <c>already_merged</c> before.</summary>
public sealed record GlobalMergeResponse(string Kind, string Status, Guid SurvivorId, Guid LoserId);
