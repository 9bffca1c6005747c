using System.Globalization;
using System.Security.Claims;
using System.Text;
using Alavida.Api.Auth;
using Alavida.Grains.Platform;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Alavida.Dashboard.Hosting;

/// <summary><c>/app/credits.csv</c>: the ledger of the credits page (same filters), every page of it, as CSV.</summary>
internal static class CsvExport
{
    /// <summary>The most rows one export writes.</summary>
    private const int MaxRows = 100_000;

    public static IEndpointRouteBuilder MapCsvExport(this IEndpointRouteBuilder app)
    {
        app.MapGet("/app/credits.csv", ExportAsync).RequireAuthorization(DashboardExtensions.SignedInPolicy).ExcludeFromDescription();
        return app;
    }

    private static async Task ExportAsync(HttpContext context, ClaimsPrincipal user, IGrainFactory grains, string? quantum, string? since, string? team)
    {
        Guid teamId;
        if (user.IsInRole(ApiKeyAuthenticationHandler.AdminRole))
        {
            if (!Guid.TryParse(team, out teamId))
            {
                await Results.Problem(statusCode: StatusCodes.Status400BadRequest, detail: "The admin exports a team's usage: add ?team=<team id>.").ExecuteAsync(context);
                return;
            }
        }
        else
        {
            teamId = user.TeamId();
        }

        quantum = string.IsNullOrEmpty(quantum) ? null : quantum;
        DateTimeOffset? from = null;
        if ((quantum is not null && !Quantums.All.Contains(quantum))
            || (!string.IsNullOrEmpty(since) && !TryParse(since, out from)))
        {
            await Results.Problem(statusCode: StatusCodes.Status400BadRequest, detail: "quantum must be a quantum's slug and since a date (2026-01-31).").ExecuteAsync(context);
            return;
        }

        context.Response.ContentType = "text/csv; charset=utf-8";
        context.Response.Headers.ContentDisposition = "attachment; filename=\"alavida-usage.csv\"";
        var queries = grains.GetGrain<IPlatformQueryGrain>(0);
        var text = new StringBuilder("charged_at,job_id,quantum,action,units,credits\n");
        string? cursor = null;
        var rows = 0;
        do
        {
            var page = await queries.ListUsageAsync(new UsageQuery(teamId, quantum, from, 200, cursor));
            foreach (var row in page.Items)
            {
                text.Append(CultureInfo.InvariantCulture, $"{row.ChargedAt.UtcDateTime:O},{row.JobId},{row.Quantum},{row.Action},{row.Units},{row.Credits}\n");
            }

            rows += page.Items.Count;
            await context.Response.WriteAsync(text.ToString(), context.RequestAborted);
            text.Clear();
            cursor = page.NextCursor;
        }
        while (cursor is not null && rows < MaxRows);
    }

    private static bool TryParse(string text, out DateTimeOffset? value)
    {
        var ok = DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed);
        value = ok ? parsed : null;
        return ok;
    }
}
