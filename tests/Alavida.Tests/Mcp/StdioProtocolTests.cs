using System.Diagnostics;
using System.Text.Json;
using Alavida.Tests.Gateway;

namespace Alavida.Tests.Mcp;

/// <summary>
/// <c>alavida mcp</c> as a bare process: standard output carries JSON-RPC and nothing else (its warnings go to standard
/// error), it starts without a key, and it ends cleanly when the client closes standard input.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class StdioProtocolTests(GatewayFixture gateway)
{
    [Fact]
    public async Task McpCommand_WritesOnlyProtocolToStdout_LogsToStderr_AndExitsWhenStdinCloses()
    {
        var directory = McpClients.TempDirectory();
        var start = new ProcessStartInfo(McpClients.DotnetHost)
        {
            WorkingDirectory = directory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["ALAVIDA_URL"] = gateway.Host.Address.ToString(), ["XDG_CONFIG_HOME"] = directory },
        };
        start.ArgumentList.Add(McpClients.CliDll);
        start.ArgumentList.Add("mcp");
        start.Environment.Remove("ALAVIDA_API_KEY");
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();

        foreach (var message in new[]
                 {
                     """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"test","version":"1"}}}""",
                     """{"jsonrpc":"2.0","method":"notifications/initialized"}""",
                     """{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"search_registry","arguments":{}}}""",
                     """{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"get_credits","arguments":{}}}""",
                 })
        {
            await process.StandardInput.WriteLineAsync(message);
        }

        await process.StandardInput.FlushAsync();
        // Every line is JSON-RPC (parsing throws on anything else); read until the three requests are answered, then
        // close standard input: the server must end by itself, and write nothing more but protocol.
        var lines = new List<JsonElement>();
        using var bound = new CancellationTokenSource(TimeSpan.FromMinutes(2)); // a bound on a hung server, not a timing assertion
        while (lines.Count(l => l.TryGetProperty("id", out _)) < 3 && await process.StandardOutput.ReadLineAsync(bound.Token) is { } line)
        {
            lines.Add(JsonDocument.Parse(line).RootElement.Clone());
        }

        process.StandardInput.Close();
        foreach (var rest in (await process.StandardOutput.ReadToEndAsync(bound.Token)).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            lines.Add(JsonDocument.Parse(rest).RootElement.Clone());
        }

        await process.WaitForExitAsync(bound.Token);
        Assert.Equal(0, process.ExitCode);
        Assert.All(lines, l => Assert.Equal("2.0", l.GetProperty("jsonrpc").GetString()));
        var answers = lines.Where(l => l.TryGetProperty("id", out _)).ToDictionary(l => l.GetProperty("id").GetInt32());
        Assert.Equal("alavida", answers[1].GetProperty("result").GetProperty("serverInfo").GetProperty("name").GetString());
        Assert.False(answers[2].GetProperty("result").TryGetProperty("isError", out var registryError) && registryError.GetBoolean());
        Assert.True(answers[3].GetProperty("result").GetProperty("isError").GetBoolean());
        Assert.Contains("HTTP 401", answers[3].GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Contains("Not signed in", await error);
    }
}
