using System.Security.Claims;
using System.Text.Json;
using Alavida.Api.Auth;
using Alavida.Grains.Mesh;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Alavida.Api.Endpoints;

/// <summary>
/// The mesh over HTTP: send events (team keys), see events and runs, cancel and replay runs (team-scoped; the admin
/// key sees all); functions are in <see cref="FunctionEndpoints"/>.
/// </summary>
public static class MeshEndpoints
{
    public static IEndpointRouteBuilder MapMeshEndpoints(this IEndpointRouteBuilder app)
    {
        var events = app.MapGroup("/events").WithTags("Mesh");
        events.MapPost("/", SendAsync).RequireAuthorization(AuthPolicies.Team).WithName("SendEvents")
            .WithSummary("Send one event or an array of events (Inngest shape: id, name, data, user, ts, v); an id your team sent within 24 h is accepted once (ids are per team)")
            .Accepts<JsonElement>("application/json");
        events.MapGet("/", ListEventsAsync).RequireAuthorization(AuthPolicies.TeamOrAdmin).WithName("ListEvents").WithSummary("Events, newest first (filters: name, since)");
        events.MapGet("/{id}", GetEventAsync).RequireAuthorization(AuthPolicies.TeamOrAdmin).WithName("GetEvent")
            .WithSummary("An event with the runs it started (ids are per team; the admin adds ?team=<team id>|none when several teams used one)");

        var runs = app.MapGroup("/runs").WithTags("Mesh").RequireAuthorization(AuthPolicies.TeamOrAdmin);
        runs.MapGet("/", ListRunsAsync).WithName("ListRuns")
            .WithSummary("Function runs, newest first (filters: function — an id, or a prefix ending before a '/' such as lead-discovery —, status, team (admin), trace_id, since)");
        runs.MapGet("/{id}", GetRunAsync).WithName("GetRun").WithSummary("A run with its steps");
        runs.MapPost("/{id}/cancel", CancelRunAsync).WithName("CancelRun").WithSummary("Cancel an unfinished run");
        runs.MapPost("/{id}/replay", ReplayRunAsync).WithName("ReplayRun").WithSummary("Start a new run of the same function from the same event");

        app.MapFunctionEndpoints();
        return app;
    }

    public static async Task<Results<Accepted<SendEventsResponse>, ProblemHttpResult>> SendAsync(HttpRequest request, ClaimsPrincipal user, IGrainFactory grains, TimeProvider time)
    {
        var (batch, problem) = await EventBatch.ReadAsync(request, StatusCodes.Status422UnprocessableEntity);
        if (batch is null)
        {
            return problem!;
        }

        using (batch)
        {
            var result = await grains.GetGrain<IMeshGrain>(0).SendAsync(batch.ToMeshEvents(user.TeamId().ToString(), time, idFor: null));
            return result.Accepted
                ? TypedResults.Accepted((string?)null, new SendEventsResponse(result.Ids, result.Duplicates))
                : Problems.Invalid("The events are invalid; none was accepted.", result.Errors.Select(e => new FieldError(e.Field, e.Message)).ToList());
        }
    }

    public static async Task<Results<Ok<ListResponse<EventResponse>>, ProblemHttpResult>> ListEventsAsync(
        HttpRequest request, ClaimsPrincipal user, IGrainFactory grains, string? name = null)
    {
        var list = ListQuery.Parse(request, validateCursor: false);
        if (list.Errors.Count > 0)
        {
            return Problems.Invalid("The query is invalid.", list.Errors);
        }

        try
        {
            var page = await grains.GetGrain<IMeshGrain>(0).QueryEventsAsync(new EventQuery(Scope(user), name, list.Since, list.Limit, list.Cursor));
            return TypedResults.Ok(new ListResponse<EventResponse>(page.Items.Select(EventResponse.From).ToList(), page.NextCursor));
        }
        catch (ArgumentException ex) when (ex.ParamName == "cursor")
        {
            return CursorProblem();
        }
    }

    /// <summary>
    /// Event ids are unique per team: a team key finds its own event. The admin sees every team's, so an id several
    /// teams used needs <c>team</c> (a team id, or <c>none</c> for events without a team); without it such an id is a 409.
    /// </summary>
    public static async Task<Results<Ok<EventDetailResponse>, ProblemHttpResult>> GetEventAsync(string id, ClaimsPrincipal user, IGrainFactory grains, string? team = null)
    {
        var scope = Scope(user);
        if (team is not null && scope is not null)
        {
            return Problems.Invalid("The query is invalid.", [new FieldError("team", "only the platform admin key may choose a team; a team key always sees its own team")]);
        }

        var found = id.Length <= 256 ? await grains.GetGrain<IMeshGrain>(0).FindEventsAsync(id, scope) : [];
        var matching = team is null ? found : found.Where(d => (d.Event.Event.TeamId ?? NoTeam) == team).ToList();
        return matching switch
        {
            [] => Problems.NotFound(team is null
                ? $"There is no event '{Problems.Echo(id)}' visible to you."
                : $"There is no event '{Problems.Echo(id)}' of team '{Problems.Echo(team)}'."),
            [var only] => TypedResults.Ok(new EventDetailResponse(EventResponse.From(only.Event), only.Runs.Select(RunResponse.From).ToList())),
            _ => Problems.Conflict(
                $"Event ids are unique per team, and {matching.Count} teams used '{Problems.Echo(id)}': add ?team= with one of the teams listed " +
                $"('{NoTeam}' for the event without a team).",
                new Dictionary<string, object?> { ["teams"] = matching.Select(d => d.Event.Event.TeamId ?? NoTeam).ToList() }),
        };
    }

    /// <summary>The statuses a run can be listed by.</summary>
    public static readonly IReadOnlyList<string> RunStatuses =
        [RunStatus.Queued, RunStatus.Paused, RunStatus.Running, RunStatus.Sleeping, RunStatus.Waiting, RunStatus.Completed, RunStatus.Failed, RunStatus.Cancelled, RunStatus.Skipped];

    public static async Task<Results<Ok<ListResponse<RunResponse>>, ProblemHttpResult>> ListRunsAsync(
        HttpRequest request, ClaimsPrincipal user, IGrainFactory grains,
        string? function = null, string? status = null, string? team = null, string? trace_id = null)
    {
        var list = ListQuery.Parse(request, validateCursor: false);
        if (status is not null && !RunStatuses.Contains(status))
        {
            list.AddError("status", $"must be one of {string.Join(", ", RunStatuses)}");
        }

        var scope = Scope(user);
        if (team is not null && scope is not null)
        {
            list.AddError("team", "only the platform admin key may filter by team; a team key always sees its own team");
        }

        function = function?.TrimEnd('/');
        if (function is not null && list.Errors.Count == 0)
        {
            // A function's id, or a prefix of ids ending before a '/'; anything else would match nothing, silently.
            var ids = (await grains.GetGrain<IMeshGrain>(0).ListFunctionsAsync()).Select(f => f.Id).ToList();
            if (!ids.Any(id => id == function || id.StartsWith(function + "/", StringComparison.Ordinal)))
            {
                var close = FunctionIds.Closest(function, ids);
                list.AddError("function", $"no function has the id '{Problems.Echo(function)}' or ids under '{Problems.Echo(function)}/'; " +
                    (close.Count > 0 ? $"did you mean {string.Join(", ", close)}?" : $"the functions are: {string.Join(", ", ids)}"));
            }
        }

        if (list.Errors.Count > 0)
        {
            return Problems.Invalid("The query is invalid.", list.Errors);
        }

        try
        {
            var page = await grains.GetGrain<IMeshGrain>(0).QueryRunsAsync(new RunQuery(scope ?? team, function, status, trace_id, list.Since, list.Limit, list.Cursor));
            return TypedResults.Ok(new ListResponse<RunResponse>(page.Items.Select(RunResponse.From).ToList(), page.NextCursor));
        }
        catch (ArgumentException ex) when (ex.ParamName == "cursor")
        {
            return CursorProblem();
        }
    }

    public static async Task<Results<Ok<RunDetailResponse>, ProblemHttpResult>> GetRunAsync(string id, ClaimsPrincipal user, IGrainFactory grains)
    {
        if (!Guid.TryParse(id, out var runId))
        {
            return Problems.BadRequest("The run id must be a UUID, as returned in run_id.");
        }

        var detail = await grains.GetGrain<IMeshGrain>(0).GetRunAsync(runId, Scope(user));
        return detail is null ? Problems.NotFound($"There is no run {runId} visible to you.") : TypedResults.Ok(RunDetailResponse.From(detail));
    }

    public static Task<Results<Ok<ControlResponse>, ProblemHttpResult>> CancelRunAsync(string id, ClaimsPrincipal user, IGrainFactory grains) =>
        Guid.TryParse(id, out var runId)
            ? ControlAsync(grains.GetGrain<IMeshGrain>(0).CancelRunAsync(runId, Scope(user)))
            : Task.FromResult<Results<Ok<ControlResponse>, ProblemHttpResult>>(Problems.BadRequest("The run id must be a UUID, as returned in run_id."));

    public static Task<Results<Ok<ControlResponse>, ProblemHttpResult>> ReplayRunAsync(string id, ClaimsPrincipal user, IGrainFactory grains) =>
        Guid.TryParse(id, out var runId)
            ? ControlAsync(grains.GetGrain<IMeshGrain>(0).ReplayRunAsync(runId, Scope(user)))
            : Task.FromResult<Results<Ok<ControlResponse>, ProblemHttpResult>>(Problems.BadRequest("The run id must be a UUID, as returned in run_id."));

    private static async Task<Results<Ok<ControlResponse>, ProblemHttpResult>> ControlAsync(Task<MeshControlResult> control)
    {
        var result = await control;
        return result.Outcome switch
        {
            MeshControlResult.Ok => TypedResults.Ok(new ControlResponse(result.Outcome, result.Detail, result.RunId)),
            MeshControlResult.NotFound => Problems.NotFound(result.Detail),
            _ => Problems.Conflict(result.Detail),
        };
    }

    /// <summary>How the admin names the events without a team in <c>?team=</c>.</summary>
    private const string NoTeam = "none";

    /// <summary>A team key sees its own team; the admin key (no team) sees all.</summary>
    private static string? Scope(ClaimsPrincipal user) => user.IsInRole(ApiKeyAuthenticationHandler.AdminRole) ? null : user.TeamId().ToString();

    private static ProblemHttpResult CursorProblem() =>
        Problems.Invalid("The query is invalid.", [new FieldError("cursor", "is not a cursor this API returned; pass back next_cursor unchanged")]);
}

/// <summary>The 202 of <c>POST /events</c>.</summary>
public sealed record SendEventsResponse(IReadOnlyList<string> Ids, IReadOnlyList<string> Duplicates);

/// <summary>An event as stored.</summary>
public sealed record EventResponse(string Id, string Name, JsonElement Data, JsonElement? User, long Ts, string? V, string? TraceId, string? TeamId, DateTimeOffset ReceivedAt)
{
    public static EventResponse From(StoredEvent s) => new(
        s.Event.Id, s.Event.Name, JsonDocument.Parse(s.Event.DataJson).RootElement.Clone(),
        s.Event.UserJson is null ? null : JsonDocument.Parse(s.Event.UserJson).RootElement.Clone(),
        s.Event.Ts, s.Event.V, s.Event.TraceId, s.Event.TeamId, s.ReceivedAt);
}

/// <summary>An event with the runs it started.</summary>
public sealed record EventDetailResponse(EventResponse Event, IReadOnlyList<RunResponse> Runs);

/// <summary>A run in lists.</summary>
public sealed record RunResponse(Guid RunId, string FunctionId, string Status, string EventId, string TraceId, string? TeamId, int Attempts,
    DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? EndedAt, string? Error)
{
    public static RunResponse From(RunSummary r) => new(r.RunId, r.FunctionId, r.Status, r.EventId, r.TraceId, r.TeamId, r.Attempts, r.CreatedAt, r.StartedAt, r.EndedAt, r.Error);
}

/// <summary>A run with its steps.</summary>
public sealed record RunDetailResponse(RunResponse Run, JsonElement? Output, string? Error, IReadOnlyList<StepResponse> Steps)
{
    public static RunDetailResponse From(RunDetail d) => new(
        RunResponse.From(d.Run), d.OutputJson is null ? null : JsonDocument.Parse(d.OutputJson).RootElement.Clone(), d.Error,
        d.Steps.Select(s => new StepResponse(s.StepId, s.Name, s.Status, s.Attempts, s.StartedAt, s.EndedAt,
            s.OutputJson is null ? null : JsonDocument.Parse(s.OutputJson).RootElement.Clone(), s.Error)).ToList());
}

/// <summary>A step of a run.</summary>
public sealed record StepResponse(string StepId, string Name, string Status, int Attempts, DateTimeOffset StartedAt, DateTimeOffset? EndedAt, JsonElement? Output, string? Error);

/// <summary>The outcome of a control operation.</summary>
public sealed record ControlResponse(string Outcome, string Detail, Guid? RunId);
