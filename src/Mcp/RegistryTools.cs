using System.ComponentModel;
using Alavida.Client;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Alavida.Mcp;

/// <summary>The registry: which components exist, and what each one's actions take and cost.</summary>
[McpServerToolType]
public sealed class RegistryTools(AlavidaClient client)
{
    [McpServerTool(Name = "search_registry", Title = "Search the Alavida registry", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("""
        Search Alavida's registry of go-to-market components (identity resolution, ICP qualification, lead discovery,
        buying signals, meetings…). Returns {items: [{slug, name, kind, version, description, actions, skill_url}]}.
        Use it first to learn which component and action fits a task; then get_component for its input schema.
        """)]
    public async Task<CallToolResult> SearchAsync(
        [Description("Words that must all appear (e.g. \"company domain\"); leave out to list every component.")] string? query = null,
        [Description("Only to read on after a cut answer: the \"chars:N\" cursor its note gave.")] string? cursor = null,
        CancellationToken cancellationToken = default) =>
        ToolOutput.Document(await client.SearchRegistryAsync(query, cancellationToken), cursor, "search_registry with the same query");

    [McpServerTool(Name = "get_component", Title = "Get a component's contract", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("""
        One registry component in full: its actions with their JSON input and output schemas, the events it emits, its
        price per unit, then its consumer SKILL.md (how to use it well). Read it before run_component: the input you send
        must match the action's input schema.
        """)]
    public async Task<CallToolResult> GetAsync(
        [Description("The component's slug, e.g. \"identity\" or \"buying-signals\" (see search_registry).")] string slug,
        [Description("Only to read on after a cut answer: the \"chars:N\" cursor its note gave.")] string? cursor = null,
        CancellationToken cancellationToken = default)
    {
        var component = await client.GetComponentAsync(slug, cancellationToken);
        var skill = await client.GetSkillAsync(slug, cancellationToken);
        return ToolOutput.Text($"{component.GetRawText()}\n\n--- SKILL.md ---\n{skill}", cursor, $"get_component with slug \"{slug}\"");
    }
}
