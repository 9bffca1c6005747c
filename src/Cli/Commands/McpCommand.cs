using System.CommandLine;
using Alavida.Mcp;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Server;

namespace Alavida.Cli.Commands;

/// <summary><c>alavida mcp</c>: the MCP server over stdio, for an agent on this machine (Claude Code, Claude Desktop…).</summary>
public static class McpCommand
{
    public static Command Create(CliEnvironment env)
    {
        var command = new Command("mcp", """
            Serve Alavida's tools to an AI agent over MCP on stdio: search the registry, read a component, install its
            skill into this project, run actions and follow jobs, traces, data and credits. It uses this CLI's sign-in
            (ALAVIDA_URL and ALAVIDA_API_KEY override it). Standard output carries only the protocol; logs go to
            standard error. install_component writes only inside the directory the server starts in.

            Examples:
              claude mcp add alavida -- alavida mcp
              ALAVIDA_URL=http://127.0.0.1:8080 ALAVIDA_API_KEY=alv_… alavida mcp
            """);
        command.Handle(env, ServeAsync);
        return command;
    }

    private static async Task<int> ServeAsync(CliContext context, ParseResult parse, CancellationToken ct)
    {
        // No key is not fatal: the registry tools work without one, and the others answer with how to sign in.
        using var client = context.Client(requireKey: false);
        var services = new ServiceCollection();
        services.AddLogging(logging => logging
            .SetMinimumLevel(LogLevel.Warning)
            .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace));
        services.AddSingleton(client);
        services.AddSingleton(new ProjectDirectories(context.Env.WorkingDirectory));
        services.AddMcpServer(AlavidaMcp.Configure).WithStdioServerTransport().WithAlavidaTools(local: true);
        await using var provider = services.BuildServiceProvider();
        if (context.ApiKey is null)
        {
            provider.GetRequiredService<ILoggerFactory>().CreateLogger("Alavida.Mcp")
                .LogWarning("Not signed in: only the registry tools will work. Run 'alavida auth login' or set ALAVIDA_API_KEY.");
        }

        await provider.GetRequiredService<McpServer>().RunAsync(ct);
        return ExitCodes.Ok;
    }
}
