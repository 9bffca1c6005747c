using Alavida.Grains.Mesh;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Alavida.Api.Endpoints;

/// <summary>
/// <c>/functions</c>: the mesh's functions, listed for every key (they are platform-wide: the same functions serve
/// every team, and a team needs their ids to filter its runs); pausing and resuming one affects every team, so it
/// takes the admin key. Function ids contain <c>/</c> and are written as they are: <c>/functions/lead-discovery/x/pause</c>.
/// </summary>
public static class FunctionEndpoints
{
    private const string Pause = "/pause";
    private const string Resume = "/resume";

    public static IEndpointRouteBuilder MapFunctionEndpoints(this IEndpointRouteBuilder app)
    {
        var functions = app.MapGroup("/functions").WithTags("Mesh");
        functions.MapGet("/", ListAsync).RequireAuthorization(AuthPolicies.TeamOrAdmin).WithName("ListFunctions")
            .WithSummary("Every function: id, triggers (events with their filters, crons), concurrency, throttle, debounce, retries, timeouts, idempotency, paused");
        // Catch-all: ids contain '/' and are written as they are (an encoded %2F works too).
        functions.MapGet("/{**id}", GetAsync).RequireAuthorization(AuthPolicies.TeamOrAdmin).WithName("GetFunction")
            .WithSummary("One function, its id written as it is (slashes included): /functions/lead-discovery/discover-qualified-company");
        functions.MapPost("/{**path}", ControlAsync).RequireAuthorization(AuthPolicies.Admin).WithName("PauseOrResumeFunction")
            .WithSummary("POST /functions/{id}/pause (its events are kept and run on resume) or /functions/{id}/resume (admin key); the id as it is, slashes included");
        return app;
    }

    public static async Task<Ok<ListResponse<MeshFunctionView>>> ListAsync(IGrainFactory grains) =>
        TypedResults.Ok(new ListResponse<MeshFunctionView>(await grains.GetGrain<IMeshGrain>(0).ListFunctionsAsync(), null));

    public static async Task<Results<Ok<MeshFunctionView>, ProblemHttpResult>> GetAsync(string id, IGrainFactory grains)
    {
        id = Uri.UnescapeDataString(id);
        var all = await grains.GetGrain<IMeshGrain>(0).ListFunctionsAsync();
        return all.FirstOrDefault(f => f.Id == id) is { } function ? TypedResults.Ok(function) : Unknown(id, all);
    }

    public static async Task<Results<Ok<ControlResponse>, ProblemHttpResult>> ControlAsync(string path, IGrainFactory grains)
    {
        path = Uri.UnescapeDataString(path);
        var (id, pause) = path.EndsWith(Pause, StringComparison.Ordinal) ? (path[..^Pause.Length], true)
            : path.EndsWith(Resume, StringComparison.Ordinal) ? (path[..^Resume.Length], false)
            : ("", false);
        if (id.Length == 0)
        {
            return Problems.NotFound(
                $"POST /functions/{Problems.Echo(path)} is not an operation: POST /functions/{{id}}/pause or /functions/{{id}}/resume, the id as GET /functions lists it.");
        }

        var mesh = grains.GetGrain<IMeshGrain>(0);
        var result = await (pause ? mesh.PauseFunctionAsync(id) : mesh.ResumeFunctionAsync(id));
        return result.Outcome switch
        {
            MeshControlResult.Ok => TypedResults.Ok(new ControlResponse(result.Outcome, result.Detail, result.RunId)),
            MeshControlResult.NotFound => Unknown(id, await mesh.ListFunctionsAsync()),
            _ => Problems.Conflict(result.Detail),
        };
    }

    /// <summary>A 404 naming the functions the caller probably meant, or every function when none is close.</summary>
    private static ProblemHttpResult Unknown(string id, IReadOnlyList<MeshFunctionView> all)
    {
        var ids = all.Select(f => f.Id).ToList();
        var close = FunctionIds.Closest(id, ids);
        var detail = $"There is no function '{Problems.Echo(id)}'. " + (
            close.Count > 0 ? $"Did you mean {string.Join(", ", close)}?"
            : ids.Count > 0 ? $"The functions are: {string.Join(", ", ids)}."
            : "No function is registered on this deployment.");
        return Problems.NotFound(detail, new Dictionary<string, object?> { ["functions"] = close.Count > 0 ? close : ids });
    }
}
