using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Alavida.Api.Auth;
using Alavida.Grains.MeetingAnalysis;
using Alavida.Grains.Meetings;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Alavida.Api.Endpoints;

/// <summary>
/// meeting-sync's read side: <c>GET /meeting-sync/data/meetings</c> (filters <c>source</c>, <c>external_id</c>,
/// <c>since</c>, <c>company_id</c>, <c>person_id</c>, <c>trace_id</c>; cursor paging) and
/// <c>GET /meeting-sync/data/meetings/{id}</c> with participants and segments; meeting-analysis' company mentions
/// (<c>GET /meeting-analysis/data/mentions</c>, filters <c>meeting_id</c>, <c>company_id</c>, <c>intent</c>, <c>trace_id</c>).
/// Always the caller's team.
/// </summary>
public static class MeetingEndpoints
{
    public static IEndpointRouteBuilder MapMeetingEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup($"/{MeetingLimits.Quantum}/data/meetings").WithTags("Meeting data").RequireAuthorization(AuthPolicies.Team);
        group.MapGet("/", ListAsync).WithName("ListMeetings")
            .WithSummary("The team's meetings, newest start first (filters: source, external_id, since, company_id, person_id, trace_id; cursor paging)")
            .Produces<ListResponse<JsonElement>>();
        group.MapGet("/{id}", GetAsync).WithName("GetMeeting").WithSummary("One of the team's meetings with its participants and segments")
            .Produces<JsonElement>();

        var mentions = app.MapGroup($"/{MeetingAnalysisLimits.Quantum}/data/mentions").WithTags("Meeting data").RequireAuthorization(AuthPolicies.Team);
        mentions.MapGet("/", ListMentionsAsync).WithName("ListMentions")
            .WithSummary("The companies the team's meetings are about, newest first (filters: meeting_id, company_id, intent, trace_id; cursor paging)")
            .Produces<ListResponse<JsonElement>>();
        mentions.MapGet("/{id}", GetMentionAsync).WithName("GetMention").WithSummary("One company mention with its snippets, intents and participants")
            .Produces<JsonElement>();
        return app;
    }

    private static async Task<IResult> ListAsync(
        HttpRequest request, ClaimsPrincipal user, IGrainFactory grains,
        string? source, string? external_id, string? company_id, string? person_id, string? trace_id)
    {
        var list = ListQuery.Parse(request);
        var query = new MeetingQuery(user.TeamId(), source, external_id, list.Since, list.ParseId("company_id", company_id), list.ParseId("person_id", person_id),
            list.ParseTraceId("trace_id", trace_id), list.Limit, list.Cursor);
        if (list.Errors.Count > 0)
        {
            return Problems.Invalid("The query is invalid.", list.Errors);
        }

        var page = await grains.GetGrain<IMeetingDataGrain>(0).ListAsync(query);
        return JsonPage.Of(page.ItemsJson, page.NextCursor);
    }

    private static async Task<IResult> ListMentionsAsync(
        HttpRequest request, ClaimsPrincipal user, IGrainFactory grains, string? meeting_id, string? company_id, string? intent, string? trace_id)
    {
        var list = ListQuery.Parse(request);
        if (intent is not null && !MeetingAnalysisLimits.Intents.Contains(intent))
        {
            list.AddError("intent", $"must be one of {string.Join(", ", MeetingAnalysisLimits.Intents)}");
        }

        var query = new MentionQuery(user.TeamId(), list.ParseId("meeting_id", meeting_id), list.ParseId("company_id", company_id), intent,
            list.ParseTraceId("trace_id", trace_id), list.Limit, list.Cursor);
        if (list.Errors.Count > 0)
        {
            return Problems.Invalid("The query is invalid.", list.Errors);
        }

        var page = await grains.GetGrain<IMentionDataGrain>(0).ListAsync(query);
        return JsonPage.Of(page.ItemsJson, page.NextCursor);
    }

    private static async Task<IResult> GetMentionAsync(string id, ClaimsPrincipal user, IGrainFactory grains)
    {
        if (!Guid.TryParse(id, out var mentionId))
        {
            return Problems.BadRequest($"The id must be a UUID, as listed in /{MeetingAnalysisLimits.Quantum}/data/mentions.");
        }

        var json = await grains.GetGrain<IMentionDataGrain>(0).GetAsync(user.TeamId(), mentionId);
        return json is null ? Problems.NotFound($"Your team has no mention {mentionId}.") : Results.Text(json, "application/json", Encoding.UTF8);
    }

    private static async Task<IResult> GetAsync(string id, ClaimsPrincipal user, IGrainFactory grains)
    {
        if (!Guid.TryParse(id, out var meetingId))
        {
            return Problems.BadRequest($"The id must be a UUID, as listed in /{MeetingLimits.Quantum}/data/meetings.");
        }

        var json = await grains.GetGrain<IMeetingDataGrain>(0).GetAsync(user.TeamId(), meetingId);
        return json is null ? Problems.NotFound($"Your team has no meeting {meetingId}.") : Results.Text(json, "application/json", Encoding.UTF8);
    }
}
