using System.CommandLine;
using System.Text.Json;

namespace Alavida.Cli.Commands;

/// <summary><c>alavida data &lt;quantum&gt; &lt;entity&gt;</c>: what a component holds for your team.</summary>
public static class DataCommand
{
    /// <summary>Pages followed by --all before it stops and says so (at 100 a page: 100,000 records).</summary>
    private const int MaxPages = 1000;

    public static Command Create(CliEnvironment env)
    {
        var quantum = new Argument<string>("quantum") { Description = "The component (identity, icp-discovery, lead-discovery, buying-signals…)" };
        var entity = new Argument<string>("entity") { Description = "Its entity (see alavida info <quantum>: companies, persons, qualifications, leads, scores…)" };
        var filter = new Option<string[]>("--filter", "-f") { Description = "key=value filters as the API takes them (domain, company_id, job_id, trace_id, tier…); repeatable" };
        var limit = new Option<int?>("--limit") { Description = "Records per page (1–100)" };
        var cursor = new Option<string>("--cursor") { Description = "The next page (from a previous list)" };
        var all = new Option<bool>("--all") { Description = "Follow the cursors and print every page" };
        var command = new Command("data", """
            A component's data for your team, as its list endpoint returns it.

            Examples:
              alavida data identity companies --filter domain=acme.com
              alavida data buying-signals scores --filter tier=hot --all --jsonl
              alavida data lead-discovery leads --filter company_id=<uuid> --json
            """) { quantum, entity, filter, limit, cursor, all };
        command.Handle(env, async (context, parse, ct) =>
        {
            var filters = new List<KeyValuePair<string, string>>();
            foreach (var pair in parse.GetValue(filter) ?? [])
            {
                var equals = pair.IndexOf('=');
                if (equals <= 0)
                {
                    throw new CliException(ExitCodes.Usage, $"--filter {pair}: expected key=value (e.g. --filter domain=acme.com).");
                }

                filters.Add(new(pair[..equals], pair[(equals + 1)..]));
            }

            using var client = context.Client();
            var (q, e) = (parse.GetValue(quantum)!, parse.GetValue(entity)!);
            var page = await client.ListDataAsync(q, e, filters, parse.GetValue(limit), parse.GetValue(cursor), ct);
            if (parse.GetValue(all))
            {
                var items = page.GetProperty("items").EnumerateArray().ToList();
                var pages = 1;
                while (page.Text("next_cursor") is { } next && pages < MaxPages)
                {
                    page = await client.ListDataAsync(q, e, filters, parse.GetValue(limit), next, ct);
                    items.AddRange(page.GetProperty("items").EnumerateArray());
                    pages++;
                    if (pages % 10 == 0 && context.Env.OutputIsTerminal)
                    {
                        context.Output.Note($"{items.Count} records so far…"); // a long --all on a terminal shows it moves
                    }
                }

                if (page.Text("next_cursor") is not null)
                {
                    context.Output.Note($"Stopped after {MaxPages} pages ({items.Count} records); next_cursor continues from there.");
                }

                page = JsonSerializer.SerializeToElement(new { items, next_cursor = page.Text("next_cursor") });
            }

            context.Output.Page(page, Column.Infer(page.GetProperty("items").EnumerateArray()), "Nothing matches.");
            return ExitCodes.Ok;
        });
        return command;
    }
}
