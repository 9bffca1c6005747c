using System.Globalization;
using System.Security.Claims;
using Alavida.Api.Auth;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Alavida.Dashboard.Components.Shared;

/// <summary>
/// What every page shares: the signed-in caller, the team whose data it shows (a team session's own; the admin's choice
/// through <c>?team=</c>, read-only), the error state, and links that keep the query string.
/// </summary>
public abstract class DashboardPage : ComponentBase
{
    /// <summary>Rows per page of every list.</summary>
    protected const int PageSize = 50;

    [CascadingParameter] public HttpContext Http { get; set; } = null!;

    [Inject] protected IGrainFactory Grains { get; set; } = null!;

    [Inject] protected NavigationManager Navigation { get; set; } = null!;

    /// <summary>For the platform admin: the team to look at.</summary>
    [SupplyParameterFromQuery(Name = "team")] public string? TeamParameter { get; set; }

    protected ClaimsPrincipal Caller => Http.User;

    protected bool IsAdmin => Caller.IsInRole(ApiKeyAuthenticationHandler.AdminRole);

    /// <summary>Actions (cancel, run, keys…) act as a team's key: the admin looks, a team acts.</summary>
    protected bool CanAct => !IsAdmin;

    /// <summary>The team whose data the page shows; null for the admin until one is chosen.</summary>
    protected Guid? Team => IsAdmin ? (Guid.TryParse(TeamParameter, out var team) ? team : null) : Caller.TeamId();

    /// <summary>The error state's message (the page shows it instead of its content).</summary>
    protected string? Error { get; private set; }

    /// <summary>Puts the page in its error state with an HTTP status (while the response has not started).</summary>
    protected void Fail(int status, string message)
    {
        Error = message;
        if (!Http.Response.HasStarted)
        {
            // The page is the error's answer: the API's status-code pages must not replace it with a problem document.
            if (Http.Features.Get<Microsoft.AspNetCore.Diagnostics.IStatusCodePagesFeature>() is { } pages)
            {
                pages.Enabled = false;
            }

            if (status == StatusCodes.Status404NotFound)
            {
                // A 404 page is rendered by the router's NotFoundPage (a component's own 404 would go out without a body).
                Http.Items[NotFoundMessageKey] = message;
                Navigation.NotFound();
                return;
            }

            Http.Response.StatusCode = status;
        }
    }

    /// <summary>Where a page leaves the message <see cref="NotFoundPage"/> shows.</summary>
    public const string NotFoundMessageKey = "alavida.dashboard.not-found";

    /// <summary>Puts the page in its error state from an API problem (same words as the API's answer).</summary>
    protected void Fail(ProblemHttpResult problem) => Fail(problem.StatusCode, Describe(problem.ProblemDetails));

    /// <summary>A problem's detail and its field errors, as one sentence.</summary>
    protected static string Describe(ProblemDetails problem) =>
        problem.Extensions.TryGetValue("errors", out var errors) && errors is IEnumerable<Alavida.Api.FieldError> fields
            ? $"{problem.Detail} {string.Join("; ", fields.Select(f => $"{f.Field.TrimStart('/')} {f.Message}"))}"
            : problem.Detail ?? problem.Title ?? "The request failed.";

    /// <summary>False (and the page in its error state) when no team is chosen: the admin picks one on the admin page.</summary>
    protected bool RequireTeam()
    {
        if (Team is not null)
        {
            return true;
        }

        Error = "You are signed in as the platform admin: choose a team on the Admin page to look at its data.";
        return false;
    }

    /// <summary>A link to <paramref name="path"/> with these query values (nulls left out) and the admin's team.</summary>
    protected string Link(string path, params (string Key, string? Value)[] query)
    {
        var values = query.Where(q => !string.IsNullOrEmpty(q.Value)).ToList();
        if (IsAdmin && Team is { } team)
        {
            values.Add(("team", team.ToString()));
        }

        return values.Count == 0 ? path : $"{path}?{string.Join('&', values.Select(v => $"{v.Key}={Uri.EscapeDataString(v.Value!)}"))}";
    }

    /// <summary>Parses <c>since</c> (a date or an ISO 8601 time); false with the error state when it is not one.</summary>
    protected bool TryParseSince(string? text, out DateTimeOffset? since)
    {
        since = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
        {
            since = parsed;
            return true;
        }

        Fail(StatusCodes.Status400BadRequest, $"'since' must be a date like 2026-01-31 or a time like 2026-01-31T09:00:00Z, not '{text}'.");
        return false;
    }

    /// <summary>Parses an id from the route; false with a 400 error state when it is not a UUID.</summary>
    protected bool TryParseId(string text, string what, out Guid id)
    {
        if (Guid.TryParse(text, out id))
        {
            return true;
        }

        Fail(StatusCodes.Status400BadRequest, $"'{text}' is not a {what} id: ids are UUIDs.");
        return false;
    }

    /// <summary>False (and a 400 error state) when a platform cursor is not one the pages handed out.</summary>
    protected bool TryCursor(string? cursor)
    {
        if (cursor is null || Alavida.Grains.Platform.PageCursor.TryDecode(cursor, out _))
        {
            return true;
        }

        Fail(StatusCodes.Status400BadRequest, "That page link is not valid any more: go back to the first page.");
        return false;
    }

    protected static string When(DateTimeOffset? at) => Show.When(at);

    protected static string Duration(DateTimeOffset? start, DateTimeOffset? end) => start is null ? "—" : Show.Duration((end ?? DateTimeOffset.UtcNow) - start.Value);

    protected static string N(long value) => Show.Number(value);
}
