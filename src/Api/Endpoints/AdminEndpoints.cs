using System.Net.Mail;
using Alavida.Grains.Platform;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Alavida.Api.Endpoints;

/// <summary><c>/admin</c>: platform administration with the admin key (teams, credit grants, API keys).</summary>
public static class AdminEndpoints
{
    /// <summary>The most credits one grant or opening balance may give.</summary>
    public const long MaxCredits = 1_000_000_000_000;

    public static IEndpointRouteBuilder MapAdminEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/admin/teams").WithTags("Admin").RequireAuthorization(AuthPolicies.Admin);
        group.MapGet("/", ListTeamsAsync).WithName("ListTeams").WithSummary("Teams, newest first: id, name, owner, balance, created_at, active API keys (paging: limit, cursor)");
        group.MapPost("/", CreateTeamAsync).WithName("CreateTeam").WithSummary("Create a team with its owner, opening credits and first API key (shown once)")
            .Accepts<CreateTeamRequest>("application/json");
        group.MapPost("/{teamId}/credits", GrantAsync).WithName("GrantCredits").WithSummary("Grant credits (Idempotency-Key makes retries safe)")
            .Accepts<GrantCreditsRequest>("application/json");
        group.MapGet("/{teamId}/api-keys", ListKeysAsync).WithName("ListApiKeys").WithSummary("A team's API keys (never their secrets)");
        group.MapPost("/{teamId}/api-keys", CreateKeyAsync).WithName("CreateApiKey").WithSummary("Create an API key (its secret is shown once)")
            .Accepts<CreateApiKeyRequest>("application/json");
        group.MapPost("/{teamId}/api-keys/{keyId}/revoke", RevokeKeyAsync).WithName("RevokeApiKey").WithSummary("Revoke an API key at once");
        return app;
    }

    public static async Task<Results<Ok<ListResponse<TeamResponse>>, ProblemHttpResult>> ListTeamsAsync(HttpRequest request, IGrainFactory grains)
    {
        var list = ListQuery.Parse(request);
        if (list.Since is not null)
        {
            list.AddError("since", "is not a filter of the teams list (limit and cursor are)");
        }

        if (list.Errors.Count > 0)
        {
            return Problems.Invalid("The query is invalid.", list.Errors);
        }

        var page = await grains.GetGrain<IPlatformAdminGrain>(0).ListTeamsAsync(list.Limit, list.Cursor);
        return TypedResults.Ok(new ListResponse<TeamResponse>(page.Items.Select(TeamResponse.From).ToList(), page.NextCursor));
    }

    public static async Task<Results<Created<TeamCreatedResponse>, ProblemHttpResult>> CreateTeamAsync(HttpRequest request, IGrainFactory grains)
    {
        var (body, problem) = await JsonBody.ReadAsync<CreateTeamRequest>(request);
        if (body is null)
        {
            return problem!;
        }

        var (team, errors) = ValidateTeam(body.Name, body.OwnerEmail, body.Credits);
        if (team is null)
        {
            return Problems.Invalid("The team is invalid.", errors);
        }

        var created = await grains.GetGrain<IPlatformAdminGrain>(0).CreateTeamAsync(team);
        return TypedResults.Created($"/admin/teams/{created.TeamId}", TeamCreatedResponse.From(created));
    }

    /// <summary>A new team from its fields, or what is wrong with them (the API and the dashboard's admin page).</summary>
    public static (NewTeam? Team, IReadOnlyList<FieldError> Errors) ValidateTeam(string? name, string? ownerEmail, long? credits)
    {
        var errors = new List<FieldError>();
        name = name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 200)
        {
            errors.Add(new FieldError("/name", "is required, 1 to 200 characters"));
        }

        var email = ownerEmail?.Trim();
        if (email is null || email.Length > 320 || !MailAddress.TryCreate(email, out var parsed) || parsed.Address != email)
        {
            errors.Add(new FieldError("/owner_email", "is required and must be a plain email address"));
        }

        if (credits is < 0 or > MaxCredits)
        {
            errors.Add(new FieldError("/credits", $"must be from 0 to {MaxCredits}"));
        }

        return errors.Count > 0 ? (null, errors) : (new NewTeam(name!, email!, credits ?? 0), errors);
    }

    public static async Task<Results<Ok<CreditsResponse>, ProblemHttpResult>> GrantAsync(string teamId, HttpRequest request, IGrainFactory grains)
    {
        var (body, problem) = await JsonBody.ReadAsync<GrantCreditsRequest>(request);
        if (body is null)
        {
            return problem!;
        }

        if (body.Credits is not (> 0 and <= MaxCredits))
        {
            return Problems.Invalid("The grant is invalid.", [new FieldError("/credits", $"is required, from 1 to {MaxCredits}")]);
        }

        var (key, keyProblem) = IdempotencyKeyHeader.Read(request);
        if (keyProblem is not null)
        {
            return keyProblem;
        }

        if (await FindTeamAsync(teamId, grains) is not { } team)
        {
            return TeamNotFound(teamId);
        }

        var grantKey = $"grant:{team}:{key ?? Guid.NewGuid().ToString("N")}";
        var balance = await grains.GetGrain<ITeamGrain>(team).GrantAsync(new CreditGrant(body.Credits.Value, grantKey, body.Note?.Trim()));
        return TypedResults.Ok(CreditsResponse.From(balance));
    }

    public static async Task<Results<Ok<ListResponse<ApiKeyView>>, ProblemHttpResult>> ListKeysAsync(string teamId, IGrainFactory grains)
    {
        if (await FindTeamAsync(teamId, grains) is not { } team)
        {
            return TeamNotFound(teamId);
        }

        return TypedResults.Ok(new ListResponse<ApiKeyView>(await grains.GetGrain<IPlatformAdminGrain>(0).ListApiKeysAsync(team), null));
    }

    public static async Task<Results<Created<NewApiKey>, ProblemHttpResult>> CreateKeyAsync(string teamId, HttpRequest request, IGrainFactory grains)
    {
        var (name, problem) = await CreateApiKeyRequest.ReadNameAsync(request, "The key is invalid.");
        if (name is null)
        {
            return problem!;
        }

        var key = Guid.TryParse(teamId, out var team) ? await grains.GetGrain<IPlatformAdminGrain>(0).CreateApiKeyAsync(team, name) : null;
        return key is null ? TeamNotFound(teamId) : TypedResults.Created($"/admin/teams/{team}/api-keys", key);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> RevokeKeyAsync(string teamId, string keyId, IGrainFactory grains)
    {
        if (!Guid.TryParse(teamId, out var team) || !Guid.TryParse(keyId, out var key))
        {
            return Problems.BadRequest("Team and key ids must be UUIDs.");
        }

        return await grains.GetGrain<IPlatformAdminGrain>(0).RevokeApiKeyAsync(team, key)
            ? TypedResults.NoContent()
            : Problems.NotFound($"Team {team} has no API key {key}.");
    }

    private static async Task<Guid?> FindTeamAsync(string teamId, IGrainFactory grains) =>
        Guid.TryParse(teamId, out var team) && await grains.GetGrain<IPlatformAdminGrain>(0).TeamExistsAsync(team) ? team : null;

    private static ProblemHttpResult TeamNotFound(string teamId) =>
        Problems.NotFound($"There is no team '{Problems.Echo(teamId)}'.");
}

/// <summary><c>POST /admin/teams</c>.</summary>
public sealed record CreateTeamRequest(string? Name, string? OwnerEmail, long? Credits);

/// <summary><c>POST /admin/teams/{id}/credits</c>.</summary>
public sealed record GrantCreditsRequest(long? Credits, string? Note);

/// <summary><c>POST /admin/teams/{id}/api-keys</c>.</summary>
public sealed record CreateApiKeyRequest(string? Name)
{
    /// <summary>The key's name from the body (trimmed, 1 to 100 characters), or the problem to answer.</summary>
    public static async Task<(string? Name, ProblemHttpResult? Problem)> ReadNameAsync(HttpRequest request, string invalid)
    {
        var (body, problem) = await JsonBody.ReadAsync<CreateApiKeyRequest>(request);
        if (body is null)
        {
            return (null, problem);
        }

        return ValidateName(body.Name, invalid);
    }

    /// <summary>A key's name, trimmed; or the problem (1 to 100 characters). The API and the dashboard's settings use it.</summary>
    public static (string? Name, ProblemHttpResult? Problem) ValidateName(string? name, string invalid)
    {
        name = name?.Trim();
        return string.IsNullOrEmpty(name) || name.Length > 100
            ? (null, Problems.Invalid(invalid, [new FieldError("/name", "is required, 1 to 100 characters")]))
            : (name, null);
    }
}

/// <summary>The 201 of <c>POST /admin/teams</c>: the API key's secret appears here only.</summary>
public sealed record TeamCreatedResponse(Guid TeamId, string Name, TeamOwner Owner, string ApiKey, NewApiKey Key, CreditsResponse Credits)
{
    public static TeamCreatedResponse From(TeamCreated t) =>
        new(t.TeamId, t.Name, new TeamOwner(t.OwnerUserId, t.OwnerEmail), t.ApiKey.Secret, t.ApiKey, CreditsResponse.From(t.Credits));
}

/// <summary>A team's owner.</summary>
public sealed record TeamOwner(Guid UserId, string Email);

/// <summary>A team in <c>GET /admin/teams</c>.</summary>
public sealed record TeamResponse(Guid TeamId, string Name, TeamOwner? Owner, long Balance, DateTimeOffset CreatedAt, int ActiveKeys)
{
    public static TeamResponse From(TeamView t) => new(
        t.TeamId, t.Name, t.OwnerUserId is { } owner ? new TeamOwner(owner, t.OwnerEmail ?? "") : null, t.Balance, t.CreatedAt, t.ActiveKeys);
}
