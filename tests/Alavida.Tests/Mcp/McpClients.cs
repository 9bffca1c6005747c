using Alavida.Tests.Gateway;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Alavida.Tests.Mcp;

/// <summary>
/// Real MCP clients (the C# SDK's) of the platform in <see cref="GatewayFixture"/>: over Streamable HTTP to the
/// gateway's <c>/mcp</c>, and over stdio to a real <c>alavida mcp</c> process (the CLI's build output in this folder).
/// </summary>
public static class McpClients
{
    /// <summary>The CLI as built beside the tests.</summary>
    public static string CliDll => Path.Combine(AppContext.BaseDirectory, "alavida.dll");

    /// <summary>The dotnet host that runs the tests, so the CLI runs on the same runtime.</summary>
    public static string DotnetHost =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host
        : Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath! : "dotnet";

    public static Task<McpClient> HttpAsync(GatewayFixture gateway, string bearer) =>
        McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(gateway.Host.Address, "/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = $"Bearer {bearer}" },
        }));

    /// <summary><c>alavida mcp</c> in <paramref name="workingDirectory"/>, configured by environment only (an empty config directory).</summary>
    public static Task<McpClient> StdioAsync(GatewayFixture gateway, string apiKey, string workingDirectory) =>
        McpClient.CreateAsync(new StdioClientTransport(new StdioClientTransportOptions
        {
            Command = DotnetHost,
            Arguments = [CliDll, "mcp"],
            WorkingDirectory = workingDirectory,
            EnvironmentVariables = new Dictionary<string, string?>
            {
                ["ALAVIDA_URL"] = gateway.Host.Address.ToString(),
                ["ALAVIDA_API_KEY"] = apiKey,
                ["XDG_CONFIG_HOME"] = Path.Combine(workingDirectory, ".config-not-used"),
            },
        }));

    public static Task<CallToolResult> CallAsync(this McpClient client, string tool, object? arguments = null) =>
        client.CallToolAsync(tool, arguments is null ? null : System.Text.Json.JsonSerializer.SerializeToElement(arguments)
            .EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value)).AsTask();

    /// <summary>The text blocks of a tool result, joined by newlines.</summary>
    public static string Text(this CallToolResult result) =>
        string.Join("\n", result.Content.OfType<TextContentBlock>().Select(b => b.Text));

    /// <summary>The first text block as JSON (asserting the call succeeded).</summary>
    public static System.Text.Json.JsonElement Json(this CallToolResult result)
    {
        Assert.True(result.IsError is not true, result.Text()[..Math.Min(500, result.Text().Length)]);
        return System.Text.Json.JsonDocument.Parse(result.Content.OfType<TextContentBlock>().First().Text).RootElement.Clone();
    }

    /// <summary>A fresh directory for one test (removed with its temp folder by the OS; unique per test).</summary>
    public static string TempDirectory()
    {
        var path = Path.Combine(Path.GetTempPath(), "alavida-mcp-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }
}
