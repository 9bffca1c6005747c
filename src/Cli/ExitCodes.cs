namespace Alavida.Cli;

/// <summary>The CLI's exit codes (documented in docs/cli.md; scripts rely on them).</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int Usage = 2;
    public const int Auth = 3;
    public const int NotFound = 4;
    public const int NotEnoughCredits = 5;

    /// <summary>The exit code of an API error status.</summary>
    public static int ForStatus(int status) => status switch
    {
        401 or 403 => Auth,
        404 => NotFound,
        402 => NotEnoughCredits,
        400 or 422 => Usage,
        _ => Failed,
    };
}

/// <summary>A command cannot go on; <see cref="ExitCode"/> says why and the message what to do.</summary>
public sealed class CliException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
