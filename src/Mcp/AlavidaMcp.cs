using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ModelContextProtocol.Protocol;

namespace Alavida.Mcp;

/// <summary>
/// The Alavida MCP server's one set of tools and resources, for both transports: each tool acts through the
/// <c>AlavidaClient</c> the host registers (the CLI's configured key over stdio; the caller's key at the gateway).
/// </summary>
public static class AlavidaMcp
{
    public const string ServerName = "alavida";

    public const string Instructions = """
        Alavida runs go-to-market components (identity resolution, ICP qualification, lead discovery, buying signals…) as
        async jobs that spend the team's credits. Find a component with search_registry, read its action's input schema
        with get_component, start it with run_component (wait_seconds up to 30), follow it with get_job, and read what it
        produced with query_data or get_trace. Answers over 25,000 characters are cut with a note and a cursor to read on.
        """;

    /// <summary>
    /// The tools, the skill resources and the error filter. <paramref name="local"/> adds install_component, which
    /// writes into a project directory on this machine (the host registers <see cref="ProjectDirectories"/>).
    /// </summary>
    /// <param name="builder">The MCP server builder.</param>
    /// <param name="local">True over stdio (a server on the user's machine); false over HTTP.</param>
    public static IMcpServerBuilder WithAlavidaTools(this IMcpServerBuilder builder, bool local)
    {
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.WithTools<RegistryTools>().WithTools<JobTools>().WithTools<AccountTools>();
        if (local)
        {
            builder.WithTools<InstallTools>();
        }

        return builder
            .WithResources<SkillResources>()
            .WithListResourcesHandler(SkillResources.ListAsync)
            .WithRequestFilters(filters => filters.AddCallToolFilter(ToolErrors.Filter));
    }

    /// <summary>Server name, version and instructions.</summary>
    /// <param name="options">The server options to fill in.</param>
    public static void Configure(ModelContextProtocol.Server.McpServerOptions options)
    {
        options.ServerInfo = new Implementation { Name = ServerName, Version = typeof(AlavidaMcp).Assembly.GetName().Version?.ToString(3) ?? "0.0.0" };
        options.ServerInstructions = Instructions;
    }
}
