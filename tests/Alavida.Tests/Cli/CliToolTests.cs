using System.Diagnostics;

namespace Alavida.Tests.Cli;

/// <summary>The README's install: <c>dotnet pack</c>, then <c>dotnet tool install</c> from that folder gives a working <c>alavida</c>.</summary>
public sealed class CliToolTests
{
    [Fact]
    public async Task Pack_ThenToolInstall_GivesTheAlavidaCommand()
    {
        var work = Directory.CreateTempSubdirectory("alavida-tool-").FullName;
        try
        {
            var root = Gateway.RegistryContractTests.RepositoryRoot();
            var packages = Path.Combine(work, "packages");
            var tools = Path.Combine(work, "tools");

            var pack = await RunAsync("dotnet", root, "pack", "src/Cli", "-c", "Release", "-o", packages, "-p:ContinuousIntegrationBuild=true", "--nologo");
            var install = await RunAsync("dotnet", root, "tool", "install", "--tool-path", tools, "--add-source", packages, "Alavida.Cli");
            var version = await RunAsync(Path.Combine(tools, "alavida"), work, "--version");
            var help = await RunAsync(Path.Combine(tools, "alavida"), work, "jobs", "--help");

            Assert.True(pack.Code == 0, pack.Output);
            Assert.True(install.Code == 0, install.Output);
            Assert.True(version.Code == 0, version.Output);
            Assert.StartsWith(typeof(Alavida.Cli.AlavidaCli).Assembly.GetName().Version!.ToString(3), version.Output.Trim());
            Assert.Contains("watch", help.Output);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static async Task<(int Code, string Output)> RunAsync(string file, string directory, params string[] args)
    {
        var start = new ProcessStartInfo(file) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output + await error);
    }
}
