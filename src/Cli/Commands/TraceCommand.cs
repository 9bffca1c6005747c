using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Alavida.Client;
using Spectre.Console;

namespace Alavida.Cli.Commands;

/// <summary><c>alavida trace &lt;trace_id&gt;</c>: a cascade as a tree of jobs, runs and steps.</summary>
public static class TraceCommand
{
    /// <summary>Runs whose steps are fetched (one request each); beyond it, runs are listed without steps.</summary>
    private const int MaxRunsWithSteps = 200;

    public static Command Create(CliEnvironment env)
    {
        var id = new Argument<string>("trace_id") { Description = "A trace id (a job id starts one)" };
        var command = new Command("trace", """
            A whole cascade as a tree: its jobs, then the mesh runs they started, then each run's steps, with status
            and duration.

            Examples:
              alavida trace 0193a1b2c3d4e5f60718293a4b5c6d7e
              alavida trace <job_id> --json
            """) { id };
        command.Handle(env, async (context, parse, ct) =>
        {
            using var client = context.Client();
            var trace = await client.GetTraceAsync(parse.GetValue(id)!, ct);
            var runs = trace.GetProperty("runs").EnumerateArray().ToList();
            var details = await StepsAsync(client, runs, ct);
            var found = trace.GetProperty("jobs").GetArrayLength() > 0 || runs.Count > 0;
            if (!context.Output.Human)
            {
                var shape = JsonNode.Parse(trace.GetRawText())!.AsObject();
                foreach (var run in shape["runs"]!.AsArray().OfType<JsonObject>())
                {
                    run["steps"] = details.TryGetValue(run["run_id"]!.GetValue<string>(), out var steps) ? JsonNode.Parse(steps.GetRawText()) : null;
                }

                context.Output.Json(JsonSerializer.SerializeToElement(shape));
                return found ? ExitCodes.Ok : ExitCodes.NotFound;
            }

            var tree = new Tree(Markup.Escape($"trace {trace.Text("trace_id")}"));
            var jobs = trace.GetProperty("jobs").EnumerateArray().ToList();
            var under = jobs.Count == 1 ? tree.AddNode(Node("job", jobs[0], $"{jobs[0].Text("quantum")}/{jobs[0].Text("action")}")) : null;
            foreach (var job in jobs.Skip(under is null ? 0 : 1))
            {
                tree.AddNode(Node("job", job, $"{job.Text("quantum")}/{job.Text("action")}"));
            }

            foreach (var run in runs)
            {
                var label = Node("run", run, run.Text("function_id") ?? "");
                var node = under is null ? tree.AddNode(label) : under.AddNode(label);
                if (details.TryGetValue(run.Text("run_id")!, out var steps))
                {
                    foreach (var step in steps.EnumerateArray())
                    {
                        node.AddNode(Node("step", step, step.Text("name") ?? step.Text("step_id") ?? "", attempts: step.Text("attempts")));
                    }
                }
            }

            if (!found)
            {
                context.Output.Note("Nothing in your team has this trace id.");
                return ExitCodes.NotFound;
            }

            context.Output.Console.Write(tree);
            if (runs.Count > MaxRunsWithSteps || trace.Text("truncated") == "true")
            {
                context.Output.Note($"Large trace: steps are shown for the first {MaxRunsWithSteps} runs; use --json or GET /runs/{{id}} for the rest.");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static async Task<Dictionary<string, JsonElement>> StepsAsync(AlavidaClient client, List<JsonElement> runs, CancellationToken ct)
    {
        var steps = new Dictionary<string, JsonElement>();
        await Parallel.ForEachAsync(runs.Take(MaxRunsWithSteps), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct }, async (run, token) =>
        {
            var detail = await client.GetRunAsync(run.Text("run_id")!, token);
            lock (steps)
            {
                steps[run.Text("run_id")!] = detail.GetProperty("steps");
            }
        });
        return steps;
    }

    private static string Node(string kind, JsonElement e, string name, string? attempts = null)
    {
        var status = e.Text("status") ?? "?";
        var colour = status switch { "succeeded" or "completed" => "green", "failed" => "red", "cancelled" => "grey", _ => "yellow" };
        var duration = e.Duration("started_at", "ended_at");
        return $"{kind} [bold]{Markup.Escape(name)}[/] [{colour}]{status}[/]{(duration is null ? "" : $" {duration}")}{(attempts is null or "1" or "0" ? "" : $" ({attempts} attempts)")}";
    }
}
