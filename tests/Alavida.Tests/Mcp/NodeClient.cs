using System.Diagnostics;

namespace Alavida.Tests.Mcp;

/// <summary>
/// The official TypeScript MCP SDK, as a client script in <c>Mcp/node</c>: installed once per test run with
/// <c>npm ci</c> (from its package-lock.json) when its node_modules is missing, then run with node.
/// </summary>
public static class NodeClient
{
    private static readonly Lazy<Task> Installed = new(InstallAsync);

    /// <summary>The script's folder in the repository (node_modules stays there, git-ignored, between runs).</summary>
    public static string Folder { get; } = Path.Combine(RepositoryRoot(), "tests", "Alavida.Tests", "Mcp", "node");

    /// <summary>Runs <c>node mcp-client.mjs</c> with <paramref name="environment"/>; returns its standard output, asserting it exited 0.</summary>
    public static async Task<string> RunAsync(IReadOnlyDictionary<string, string> environment)
    {
        await Installed.Value;
        var (code, output, error) = await RunProcessAsync("node", ["mcp-client.mjs"], environment);
        Assert.True(code == 0, $"node mcp-client.mjs exited {code}:\n{error}\n{output}");
        return output;
    }

    private static async Task InstallAsync()
    {
        if (Directory.Exists(Path.Combine(Folder, "node_modules", "@modelcontextprotocol", "sdk")))
        {
            return;
        }

        var (code, output, error) = await RunProcessAsync("npm", ["ci", "--no-audit", "--no-fund"], new Dictionary<string, string>());
        Assert.True(code == 0, $"npm ci in {Folder} exited {code} (node and npm are needed: .ci/run installs them):\n{error}\n{output}");
    }

    private static async Task<(int Code, string Output, string Error)> RunProcessAsync(string command, string[] arguments, IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(command) { WorkingDirectory = Folder, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        // A bound on a hung client, not a timing assertion: the script's own calls finish in seconds.
        using var bound = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var output = process.StandardOutput.ReadToEndAsync(bound.Token);
        var error = process.StandardError.ReadToEndAsync(bound.Token);
        try
        {
            await process.WaitForExitAsync(bound.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await output, await error);
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Alavida.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No Alavida.sln above {AppContext.BaseDirectory}.");
    }
}
