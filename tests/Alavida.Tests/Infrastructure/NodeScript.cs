using System.Collections.Concurrent;
using System.Diagnostics;
using Alavida.Tests.Gateway;

namespace Alavida.Tests.Infrastructure;

/// <summary>
/// A real client of another stack, as a node script in a folder of the test project with a pinned package.json and
/// package-lock.json: installed with <c>npm ci</c> the first time a run needs it (node_modules stays, git-ignored),
/// then run with node; a folder without a package.json is run as it is. Node and npm are prerequisites of the suite
/// (.ci/run installs them).
/// </summary>
public static class NodeScript
{
    private static readonly ConcurrentDictionary<string, Lazy<Task>> Installs = new();

    /// <summary>The folder <c>tests/Alavida.Tests/{relative}</c> in the repository.</summary>
    public static string Folder(string relative) => Path.Combine(RegistryContractTests.RepositoryRoot(), "tests", "Alavida.Tests", relative);

    /// <summary>Runs <c>node {script} {arguments}</c> in <paramref name="folder"/> after installing its packages; its exit code and streams.</summary>
    public static async Task<(int Code, string Output, string Error)> RunAsync(
        string folder, string script, IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        await Installs.GetOrAdd(folder, f => new Lazy<Task>(() => InstallAsync(f))).Value;
        return await RunProcessAsync(folder, "node", [script, .. arguments], environment);
    }

    private static async Task InstallAsync(string folder)
    {
        // npm ci writes this file last: its presence means a complete install of the lockfile. A script with no
        // package.json uses node's own modules only.
        if (!File.Exists(Path.Combine(folder, "package.json")) || File.Exists(Path.Combine(folder, "node_modules", ".package-lock.json")))
        {
            return;
        }

        var (code, output, error) = await RunProcessAsync(folder, "npm", ["ci", "--no-audit", "--no-fund"], new Dictionary<string, string>());
        Assert.True(code == 0, $"npm ci in {folder} exited {code} (node and npm are needed: .ci/run installs them):\n{error}\n{output}");
    }

    private static async Task<(int Code, string Output, string Error)> RunProcessAsync(string folder, string command, string[] arguments, IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(command) { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        // A bound on a hung client, not a timing assertion: the scripts' own calls finish in seconds.
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
}
