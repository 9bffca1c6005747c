using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace Alavida.Cli;

/// <summary>
/// Every command's help ends with examples. A command's description is written as "summary, a blank line, Example(s):
/// lines"; the summary stays the description (so command lists stay one line each) and the examples print after the
/// usage, options and subcommands.
/// </summary>
public static class ExamplesHelp
{
    // Per command object (each RunAsync builds its own tree; tests run several at once): collected with its tree.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Command, string> Examples = [];

    public static void Apply(RootCommand root)
    {
        Split(root);
        var help = root.Options.OfType<HelpOption>().Single();
        help.Action = new Action((HelpAction)help.Action!);
    }

    private static void Split(Command command)
    {
        var at = command.Description?.IndexOf("\n\nExample", StringComparison.Ordinal) ?? -1;
        if (at >= 0)
        {
            Examples.AddOrUpdate(command, command.Description![(at + 2)..].TrimEnd());
            command.Description = command.Description[..at];
        }

        foreach (var child in command.Subcommands)
        {
            Split(child);
        }
    }

    private sealed class Action(HelpAction inner) : SynchronousCommandLineAction
    {
        public override bool ClearsParseErrors => true;

        public override int Invoke(ParseResult parseResult)
        {
            var result = inner.Invoke(parseResult);
            if (Examples.TryGetValue(parseResult.CommandResult.Command, out var examples))
            {
                parseResult.InvocationConfiguration.Output.WriteLine(examples);
                parseResult.InvocationConfiguration.Output.WriteLine();
            }

            return result;
        }
    }
}
