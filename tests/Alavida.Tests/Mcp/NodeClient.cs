using Alavida.Tests.Infrastructure;

namespace Alavida.Tests.Mcp;

/// <summary>The official TypeScript MCP SDK, as a client script in <c>Mcp/node</c> (see <see cref="NodeScript"/>).</summary>
public static class NodeClient
{
    /// <summary>The script's folder in the repository (node_modules stays there, git-ignored, between runs).</summary>
    public static string Folder { get; } = NodeScript.Folder(Path.Combine("Mcp", "node"));

    /// <summary>Runs <c>node mcp-client.mjs</c> with <paramref name="environment"/>; returns its standard output, asserting it exited 0.</summary>
    public static async Task<string> RunAsync(IReadOnlyDictionary<string, string> environment)
    {
        var (code, output, error) = await NodeScript.RunAsync(Folder, "mcp-client.mjs", environment);
        Assert.True(code == 0, $"node mcp-client.mjs exited {code}:\n{error}\n{output}");
        return output;
    }
}
