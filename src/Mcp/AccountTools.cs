using System.ComponentModel;
using Alavida.Client;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Alavida.Mcp;

/// <summary>The team's credits and the data its jobs produced.</summary>
[McpServerToolType]
public sealed class AccountTools(AlavidaClient client)
{
    [McpServerTool(Name = "get_credits", Title = "Get the credit balance", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("The team's credits: {balance, reserved (held by running jobs), lifetime_used}. Runs are refused with 402 when the balance is short.")]
    public async Task<CallToolResult> GetCreditsAsync(CancellationToken cancellationToken = default) =>
        ToolOutput.Document(await client.CreditsAsync(cancellationToken), null, "get_credits");

    [McpServerTool(Name = "query_data", Title = "Query a component's data", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("""
        What a component holds for the team, newest first: {items, next_cursor}. Entities: identity → companies, persons;
        icp-discovery → qualifications; lead-discovery → leads, people; buying-signals → scores, signals. Filter with
        exact fields, e.g. {"domain":"acme.com"} (identity companies), {"email":"…"} (persons), {"company_id":"…"},
        {"job_id":"…"}, {"trace_id":"…"}, {"tier":"hot"} (scores). Pass next_cursor back as cursor for the next page.
        """)]
    public async Task<CallToolResult> QueryAsync(
        [Description("The component's slug: identity, icp-discovery, lead-discovery or buying-signals.")] string quantum,
        [Description("The entity, e.g. companies, persons, qualifications, leads, people, scores, signals.")] string entity,
        [Description("Exact-match filters as field → value, e.g. {\"company_id\":\"…\"}; leave out for everything.")] Dictionary<string, string>? filters = null,
        [Description("Records per page, 1–100 (default 20).")] int limit = 20,
        [Description("next_cursor from the previous page.")] string? cursor = null,
        CancellationToken cancellationToken = default)
    {
        foreach (var name in (filters ?? []).Keys.Where(k => k is "limit" or "cursor"))
        {
            throw new ToolInputException($"filters: '{name}' is not a filter; pass it as the {name} argument.");
        }

        return await ToolOutput.PageAsync(
            l => client.ListDataAsync(quantum, entity, filters ?? [], l, cursor, cancellationToken),
            JobTools.Limit(limit), null, $"query_data with the same quantum, entity and filters");
    }
}
