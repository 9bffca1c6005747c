using System.Text.Json;
using Alavida.Tests.Gateway;

namespace Alavida.Tests.Mcp;

/// <summary>
/// The MCP server with a real client of another stack: the official TypeScript SDK starts <c>alavida mcp</c> over stdio
/// and connects to the gateway's <c>/mcp</c> over Streamable HTTP; on each it lists the tools, calls every one (a real
/// job runs), and reads the skill resources. Asserted here on the JSON it prints.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class TypeScriptClientTests(GatewayFixture gateway)
{
    private static readonly string[] HttpTools =
        ["search_registry", "get_component", "run_component", "get_job", "list_jobs", "cancel_job", "get_trace", "get_credits", "query_data"];

    [Fact]
    public async Task TypeScriptSdk_ListsAndCallsEveryTool_OverStdioAndHttp()
    {
        var team = await gateway.CreateTeamAsync(100);
        var project = McpClients.TempDirectory();
        var domain = $"ts-{Guid.NewGuid():N}.com";

        var output = await NodeClient.RunAsync(new Dictionary<string, string>
        {
            ["ALAVIDA_URL"] = gateway.Host.Address.ToString(),
            ["ALAVIDA_API_KEY"] = team.ApiKey,
            ["ALAVIDA_DOTNET"] = McpClients.DotnetHost,
            ["ALAVIDA_CLI"] = McpClients.CliDll,
            ["MCP_PROJECT"] = project,
            ["MCP_DOMAIN"] = domain,
            ["XDG_CONFIG_HOME"] = Path.Combine(project, ".config-not-used"),
        });
        var seen = JsonDocument.Parse(output).RootElement;

        var stdio = seen.GetProperty("stdio");
        var http = seen.GetProperty("http");
        Assert.Equal([.. HttpTools, "install_component"], Names(stdio));
        Assert.Equal(HttpTools, Names(http)); // install_component is for a project on the user's machine: stdio only
        foreach (var transport in new[] { stdio, http })
        {
            Assert.Equal("alavida", transport.GetProperty("server").GetString());
            Assert.All(transport.GetProperty("tools").EnumerateArray(), t => Assert.True(t.GetProperty("described").GetBoolean()));
            var calls = transport.GetProperty("calls");
            foreach (var tool in HttpTools.Where(t => t != "cancel_job"))
            {
                Assert.False(calls.GetProperty(tool).GetProperty("isError").GetBoolean(), $"{tool}: {calls.GetProperty(tool)}");
            }

            Assert.Contains("\"slug\":\"identity\"", Text(calls, "search_registry"));
            Assert.Contains("--- SKILL.md ---", Text(calls, "get_component"));
            var job = JsonDocument.Parse(Text(calls, "get_job")).RootElement;
            Assert.Equal("succeeded", job.GetProperty("status").GetString());
            Assert.Contains(job.GetProperty("result").GetProperty("results")[0].GetProperty("status").GetString(), new[] { "created", "matched" });
            Assert.Contains(domain, Text(calls, "get_job"));
            Assert.Contains(job.GetProperty("job_id").GetString()!, Text(calls, "list_jobs"));
            Assert.Contains(job.GetProperty("job_id").GetString()!, Text(calls, "get_trace"));
            Assert.Contains(domain, Text(calls, "query_data"));
            Assert.True(JsonDocument.Parse(Text(calls, "get_credits")).RootElement.GetProperty("balance").GetInt64() < 100);
            // A finished job cannot be cancelled: a tool error carrying the API's detail, and the session goes on.
            Assert.True(calls.GetProperty("cancel_job").GetProperty("isError").GetBoolean());
            Assert.Contains("already succeeded", Text(calls, "cancel_job"));

            Assert.Equal(["alavida://skills/{slug}"], transport.GetProperty("templates").EnumerateArray().Select(t => t.GetString()));
            Assert.Contains("alavida://skills/identity", transport.GetProperty("resources").EnumerateArray().Select(r => r.GetString()));
            Assert.Equal("text/markdown", transport.GetProperty("skill").GetProperty("mimeType").GetString());
            Assert.Equal(await (await team.Http.GetAsync("/registry/identity/skill")).Content.ReadAsStringAsync(),
                transport.GetProperty("skill").GetProperty("text").GetString());
        }

        var installed = JsonDocument.Parse(Text(stdio.GetProperty("calls"), "install_component")).RootElement;
        Assert.Equal("installed", installed.GetProperty("action").GetString());
        Assert.True(File.Exists(Path.Combine(project, ".claude", "skills", "identity", "SKILL.md")));
        Assert.Contains("\"identity\"", await File.ReadAllTextAsync(Path.Combine(project, "alavida.lock.json")));
    }

    private static string[] Names(JsonElement transport) =>
        [.. transport.GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("name").GetString()!)];

    private static string Text(JsonElement calls, string tool) =>
        string.Join("\n", calls.GetProperty(tool).GetProperty("text").EnumerateArray().Select(t => t.GetString()));
}
