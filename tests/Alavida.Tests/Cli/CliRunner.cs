using System.Text.Json;
using Alavida.Cli;

namespace Alavida.Tests.Cli;

/// <summary>What one <c>alavida</c> invocation printed and returned.</summary>
public sealed record CliResult(int ExitCode, string Out, string Error)
{
    public JsonElement Json => JsonDocument.Parse(Out).RootElement.Clone();

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Out}\n--- stderr\n{Error}";
}

/// <summary>
/// Runs the real <c>alavida</c> command tree in-process against a real platform, as a user in their own home: a
/// temporary config directory and project directory, captured streams, environment variables of the test's choosing.
/// </summary>
public sealed class CliRunner : IDisposable
{
    private readonly Dictionary<string, string?> _variables = [];

    public CliRunner()
    {
        Home = Directory.CreateTempSubdirectory("alavida-cli-").FullName;
        Project = Directory.CreateDirectory(Path.Combine(Home, "project")).FullName;
        _variables["XDG_CONFIG_HOME"] = Path.Combine(Home, ".config");
        _variables["HOME"] = Home;
    }

    public string Home { get; }

    public string Project { get; }

    public string ConfigPath => Path.Combine(Home, ".config", "alavida", "config.json");

    /// <summary>Whether the output behaves as a terminal's (tables) or a pipe's (tab-separated).</summary>
    public bool Terminal { get; set; }

    public CliRunner With(string name, string? value)
    {
        _variables[name] = value;
        return this;
    }

    public async Task<CliResult> RunAsync(string? stdin, CancellationToken ct, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var env = new CliEnvironment(output, error, new StringReader(stdin ?? ""), name => _variables.GetValueOrDefault(name), Project, Terminal, InputIsTerminal: false);
        var code = await AlavidaCli.RunAsync(args, env, ct);
        return new CliResult(code, output.ToString(), error.ToString());
    }

    public Task<CliResult> RunAsync(params string[] args) => RunAsync(null, CancellationToken.None, args);

    public void Dispose() => Directory.Delete(Home, recursive: true);
}
