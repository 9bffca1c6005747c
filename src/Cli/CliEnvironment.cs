namespace Alavida.Cli;

/// <summary>
/// What a command may touch of the outside world: its streams, environment variables, working directory and whether it
/// talks to a person. The real process's in <see cref="System"/>; tests give their own (captured streams, a temporary
/// config directory) and run the same commands in-process.
/// </summary>
public sealed record CliEnvironment(
    TextWriter Out,
    TextWriter Error,
    TextReader In,
    Func<string, string?> Variable,
    string WorkingDirectory,
    bool OutputIsTerminal,
    bool InputIsTerminal)
{
    public static CliEnvironment System() => new(
        Console.Out, Console.Error, Console.In, Environment.GetEnvironmentVariable, Directory.GetCurrentDirectory(),
        !Console.IsOutputRedirected, !Console.IsInputRedirected);

    /// <summary>NO_COLOR (https://no-color.org): any non-empty value turns colours off.</summary>
    public bool NoColor => !string.IsNullOrEmpty(Variable("NO_COLOR"));
}
