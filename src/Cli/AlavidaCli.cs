using System.CommandLine;
using Alavida.Cli.Commands;
using Alavida.Client;

namespace Alavida.Cli;

/// <summary>The <c>alavida</c> command tree and how every command runs: output format, errors, exit codes.</summary>
public static class AlavidaCli
{
    /// <summary>--json: the API's JSON (stable shapes, documented in docs/cli.md).</summary>
    public static readonly Option<bool> JsonOption = new("--json") { Description = "Print JSON (stable shapes) instead of tables", Recursive = true };

    /// <summary>--jsonl: lists as one JSON object per line.</summary>
    public static readonly Option<bool> JsonLinesOption = new("--jsonl") { Description = "Print lists as one JSON object per line", Recursive = true };

    public static async Task<int> RunAsync(string[] args, CliEnvironment env, CancellationToken ct = default)
    {
        var root = Build(env);
        var parsed = root.Parse(args);
        var config = new InvocationConfiguration { Output = env.Out, Error = env.Error, EnableDefaultExceptionHandler = false };
        if (parsed.Errors.Count > 0 && parsed.Action is not System.CommandLine.Help.HelpAction)
        {
            foreach (var error in parsed.Errors)
            {
                await env.Error.WriteLineAsync($"alavida: {error.Message}");
            }

            await env.Error.WriteLineAsync($"Run 'alavida {string.Join(' ', CommandPath(parsed))} --help' for usage.".Replace("  ", " "));
            return ExitCodes.Usage;
        }

        return await parsed.InvokeAsync(config, ct);
    }

    public static RootCommand Build(CliEnvironment env)
    {
        var root = new RootCommand("""
            Alavida from a terminal: the registry, runs and jobs, traces, data, credits, events and webhooks, and an MCP server.

            Examples:
              alavida auth login --url http://127.0.0.1:8080
              alavida search identity
              alavida run identity resolve-company --set companies='[{"domain":"acme.com"}]' --wait
              alavida jobs list --status failed
            """);
        root.Options.Add(JsonOption);
        root.Options.Add(JsonLinesOption);
        root.Subcommands.Add(AuthCommands.Create(env));
        foreach (var command in RegistryCommands.Create(env))
        {
            root.Subcommands.Add(command);
        }

        root.Subcommands.Add(RunCommand.Create(env));
        root.Subcommands.Add(JobCommands.Create(env));
        root.Subcommands.Add(TraceCommand.Create(env));
        root.Subcommands.Add(DataCommand.Create(env));
        root.Subcommands.Add(CreditCommands.Create(env));
        root.Subcommands.Add(EventCommands.Create(env));
        root.Subcommands.Add(McpCommand.Create(env));
        root.Subcommands.Add(WebhookCommands.Create(env));
        ExamplesHelp.Apply(root);
        return root;
    }

    /// <summary>Sets a command's action: a context with the chosen output format, and every error as one line and an exit code.</summary>
    public static void Handle(this Command command, CliEnvironment env, Func<CliContext, ParseResult, CancellationToken, Task<int>> action) =>
        command.SetAction(async (parse, ct) =>
        {
            var format = parse.GetValue(JsonOption) ? OutputFormat.Json : parse.GetValue(JsonLinesOption) ? OutputFormat.JsonLines : OutputFormat.Human;
            var context = new CliContext(env, format);
            try
            {
                return await action(context, parse, ct);
            }
            catch (AlavidaApiException e)
            {
                await env.Error.WriteLineAsync($"alavida: {e.OneLine}");
                foreach (var field in e.Errors)
                {
                    await env.Error.WriteLineAsync($"  {(field.Field.Length == 0 ? "(body)" : field.Field)}: {field.Message}");
                }

                return ExitCodes.ForStatus(e.Status);
            }
            catch (CliException e)
            {
                await env.Error.WriteLineAsync($"alavida: {e.Message}");
                return e.ExitCode;
            }
            catch (Exception e) when (e is AlavidaConnectionException or SkillInstallException or IOException or UnauthorizedAccessException)
            {
                await env.Error.WriteLineAsync($"alavida: {e.Message}");
                return ExitCodes.Failed;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                await env.Error.WriteLineAsync("alavida: interrupted.");
                return 130;
            }
        });

    private static IEnumerable<string> CommandPath(ParseResult parsed)
    {
        var names = new List<string>();
        for (var result = parsed.CommandResult; result is not null && result.Command is not RootCommand; result = result.Parent as System.CommandLine.Parsing.CommandResult)
        {
            names.Insert(0, result.Command.Name);
        }

        return names;
    }
}
