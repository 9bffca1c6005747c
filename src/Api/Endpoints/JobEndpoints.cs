using System.Security.Claims;
using Alavida.Api.Auth;
using Alavida.Grains.Platform;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Alavida.Api.Endpoints;

/// <summary><c>/jobs</c>: a team's async jobs. Another team's job is a 404, never a 403 (existence is not leaked).</summary>
public static class JobEndpoints
{
    public static IEndpointRouteBuilder MapJobEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/jobs").WithTags("Jobs").RequireAuthorization(AuthPolicies.Team);
        group.MapGet("/", ListAsync).WithName("ListJobs").WithSummary("List the team's jobs, newest first (filters: status, quantum, since)")
            .WithDescription("A job is listed as running once it has worked for a second (quicker jobs go from queued to their final status); GET /jobs/{id} shows its status at once.");
        group.MapGet("/{id}", GetAsync).WithName("GetJob")
            .WithSummary("A job with its status, result, usage and error (wait_seconds: long-poll up to 20 s for the final status)");
        group.MapPost("/{id}/cancel", CancelAsync).WithName("CancelJob").WithSummary("Cancel a queued or running job (its reservation is refunded)");
        return app;
    }

    public static async Task<Results<Ok<ListResponse<JobResponse>>, ProblemHttpResult>> ListAsync(
        HttpRequest request, ClaimsPrincipal user, IGrainFactory grains, string? status = null, string? quantum = null)
    {
        var list = ListQuery.Parse(request);
        JobStatus? statusFilter = null;
        if (status is not null)
        {
            if (Enum.TryParse<JobStatus>(status, ignoreCase: true, out var parsed) && !int.TryParse(status, out _))
            {
                statusFilter = parsed;
            }
            else
            {
                list.AddError("status", "must be one of queued, running, succeeded, failed, cancelled");
            }
        }

        if (quantum is not null && !Quantums.All.Contains(quantum))
        {
            list.AddError("quantum", $"must be one of {string.Join(", ", Quantums.All)}");
        }

        if (list.Errors.Count > 0)
        {
            return Problems.Invalid("The query is invalid.", list.Errors);
        }

        var page = await grains.GetGrain<IPlatformQueryGrain>(0).ListJobsAsync(
            new JobQuery(user.TeamId(), statusFilter, quantum, list.Since, list.Limit, list.Cursor));
        return TypedResults.Ok(new ListResponse<JobResponse>(page.Items.Select(JobResponse.From).ToList(), page.NextCursor));
    }

    /// <summary>Longest long poll: <c>?wait_seconds=</c> holds the request until the job is final or this passes.</summary>
    public const int MaxWaitSeconds = 20; // under Orleans' 30 s response timeout

    public static async Task<Results<Ok<JobResponse>, ProblemHttpResult>> GetAsync(
        string id, ClaimsPrincipal user, IGrainFactory grains, string? wait_seconds = null)
    {
        var wait = 0;
        if (wait_seconds is not null && (!int.TryParse(wait_seconds, out wait) || wait is < 0 or > MaxWaitSeconds))
        {
            return Problems.Invalid("The query is invalid.", [new FieldError("wait_seconds", $"must be a whole number from 0 to {MaxWaitSeconds}")]);
        }

        var job = await FindAsync(id, user, grains);
        if (job.Problem is not null)
        {
            return job.Problem;
        }

        var view = wait > 0 ? await grains.GetGrain<IJobGrain>(job.View!.JobId).WaitForFinalAsync(TimeSpan.FromSeconds(wait)) : job.View;
        return TypedResults.Ok(JobResponse.From(view!));
    }

    public static async Task<Results<Ok<JobResponse>, ProblemHttpResult>> CancelAsync(string id, ClaimsPrincipal user, IGrainFactory grains)
    {
        var job = await FindAsync(id, user, grains);
        if (job.Problem is not null)
        {
            return job.Problem;
        }

        var grain = grains.GetGrain<IJobGrain>(job.View!.JobId);
        if (await grain.CancelAsync() == CancelOutcome.AlreadyFinal)
        {
            return Problems.Conflict($"The job has already {job.View.Status.ToString().ToLowerInvariant()}; it cannot be cancelled.",
                new Dictionary<string, object?> { ["job_status"] = job.View.Status.ToString().ToLowerInvariant() });
        }

        return TypedResults.Ok(JobResponse.From((await grain.GetAsync())!));
    }

    private static async Task<(JobView? View, ProblemHttpResult? Problem)> FindAsync(string id, ClaimsPrincipal user, IGrainFactory grains)
    {
        if (!Guid.TryParse(id, out var jobId))
        {
            return (null, Problems.BadRequest("The job id must be a UUID, as returned in job_id."));
        }

        var view = await grains.GetGrain<IJobGrain>(jobId).GetAsync();
        return view is null || view.TeamId != user.TeamId()
            ? (null, Problems.NotFound($"There is no job {jobId} in your team."))
            : (view, null);
    }
}
