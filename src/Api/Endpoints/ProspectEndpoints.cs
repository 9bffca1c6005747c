using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Alavida.Api.Auth;
using Alavida.Grains.Prospect;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Alavida.Api.Endpoints;

/// <summary>
/// The prospect chain's read side: <c>/icp-discovery/data/qualifications</c>, <c>/lead-discovery/data/leads|people</c>,
/// <c>/buying-signals/data/scores|signals</c> (filters <c>company_id</c>, <c>person_id</c>, <c>job_id</c>,
/// <c>trace_id</c>; cursor paging; always the caller's team), and <c>GET /traces/{trace_id}</c>: every job and run of a cascade.
/// </summary>
public static class ProspectEndpoints
{
    public static IEndpointRouteBuilder MapProspectEndpoints(this IEndpointRouteBuilder app)
    {
        foreach (var (quantum, entity) in IProspectDataGrain.Entities)
        {
            var group = app.MapGroup($"/{quantum}/data/{entity}").WithTags("Prospect data").RequireAuthorization(AuthPolicies.Team);
            var name = string.Concat(entity.Split('-').Select(w => char.ToUpperInvariant(w[0]) + w[1..]));
            group.MapGet("/", (HttpRequest request, ClaimsPrincipal user, IGrainFactory grains, string? company_id, string? person_id, string? job_id, string? trace_id, string? tier) =>
                    ListAsync(quantum, entity, request, user, grains, company_id, person_id, job_id, trace_id, tier))
                .WithName($"List{name}").WithSummary($"The team's {entity} (filters: company_id, person_id, job_id, trace_id{(entity == "scores" ? ", tier" : "")}; cursor paging)")
                .Produces<ListResponse<JsonElement>>();
            group.MapGet("/{id}", (string id, ClaimsPrincipal user, IGrainFactory grains) => GetAsync(quantum, entity, id, user, grains))
                .WithName($"Get{name}").WithSummary($"One of the team's {entity} by id").Produces<JsonElement>();
        }

        app.MapGet("/traces/{trace_id}", GetTraceAsync).WithTags("Jobs").RequireAuthorization(AuthPolicies.Team)
            .WithName("GetTrace").WithSummary("Every job and run of a cascade, in start order");
        return app;
    }

    private static async Task<IResult> ListAsync(
        string quantum, string entity, HttpRequest request, ClaimsPrincipal user, IGrainFactory grains,
        string? company_id, string? person_id, string? job_id, string? trace_id, string? tier)
    {
        var list = ListQuery.Parse(request);
        var query = new ProspectDataQuery(user.TeamId(), quantum, entity, list.ParseId("company_id", company_id), list.ParseId("person_id", person_id),
            list.ParseId("job_id", job_id), list.ParseTraceId("trace_id", trace_id), tier, list.Limit, list.Cursor);
        if (person_id is not null && entity is not ("leads" or "people"))
        {
            list.AddError("person_id", $"does not apply to {entity}");
        }

        if (tier is not null && (entity != "scores" || tier is not ("hot" or "warm" or "cold")))
        {
            list.AddError("tier", entity == "scores" ? "must be hot, warm or cold" : $"does not apply to {entity}");
        }

        if (list.Errors.Count > 0)
        {
            return Problems.Invalid("The query is invalid.", list.Errors);
        }

        var page = await grains.GetGrain<IProspectDataGrain>(0).ListAsync(query);
        return JsonPage.Of(page.ItemsJson, page.NextCursor);
    }

    private static async Task<IResult> GetAsync(string quantum, string entity, string id, ClaimsPrincipal user, IGrainFactory grains)
    {
        if (!Guid.TryParse(id, out var key))
        {
            return Problems.BadRequest($"The id must be a UUID, as listed in /{quantum}/data/{entity}.");
        }

        var json = await grains.GetGrain<IProspectDataGrain>(0).GetAsync(user.TeamId(), quantum, entity, key);
        return json is null ? Problems.NotFound($"Your team has no {entity} row {key}.") : Results.Text(json, "application/json", Encoding.UTF8);
    }

    public static async Task<Results<Ok<TraceResponse>, ProblemHttpResult>> GetTraceAsync(string trace_id, ClaimsPrincipal user, IGrainFactory grains)
    {
        if (!TraceIds.TryNormalize(trace_id, out var traceId))
        {
            return Problems.BadRequest("The trace id must be 32 hexadecimal digits (a job id), or an event's trace id of at most 256 printable characters.");
        }

        var trace = await TraceQuery.LoadAsync(grains, user.TeamId(), traceId);
        if (trace is null)
        {
            return Problems.NotFound($"Your team has no job or run with trace id {Problems.Echo(traceId)}.");
        }

        var jobs = trace.Job is { } job
            ? [new TraceJob(job.JobId, job.Quantum, job.Action, job.Status.ToString().ToLowerInvariant(), job.CreatedAt, job.StartedAt, job.EndedAt)]
            : new List<TraceJob>();
        var runs = trace.Runs.Select(RunResponse.From).ToList();
        var counts = runs.GroupBy(r => r.Status).ToDictionary(g => g.Key, g => g.Count());
        return TypedResults.Ok(new TraceResponse(trace.TraceId, jobs, runs, counts, trace.Truncated));
    }
}

/// <summary>A cascade: the job that started it and every run it caused.</summary>
/// <param name="TraceId">The trace id.</param>
/// <param name="Jobs">The job whose id is the trace id (none for a cascade started by an event).</param>
/// <param name="Runs">Every function run of the trace, oldest first; <c>error</c> says why a run failed or was skipped (e.g. <c>spend cap</c>).</param>
/// <param name="Counts">Runs per status.</param>
/// <param name="Truncated">True when the trace has more runs than one response lists (10,000).</param>
public sealed record TraceResponse(string TraceId, IReadOnlyList<TraceJob> Jobs, IReadOnlyList<RunResponse> Runs, IReadOnlyDictionary<string, int> Counts, bool Truncated);

/// <summary>A job in a trace.</summary>
public sealed record TraceJob(Guid JobId, string Quantum, string Action, string Status, DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? EndedAt);
