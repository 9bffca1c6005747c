using System.CommandLine;
using System.Text.Json.Nodes;

namespace Alavida.Cli.Commands;

/// <summary><c>alavida run &lt;quantum&gt; &lt;action&gt;</c>: start a job, optionally wait for it with live progress.</summary>
public static class RunCommand
{
    public static Command Create(CliEnvironment env)
    {
        var quantum = new Argument<string>("quantum") { Description = "The component (e.g. identity, icp-discovery)" };
        var action = new Argument<string>("action") { Description = "Its action (see alavida info <quantum>)" };
        var input = new Option<string>("--input", "-i") { Description = "The action's input: a JSON file, or - for standard input" };
        var set = new Option<string[]>("--set") { Description = "Set an input field: key=value (JSON or text; dotted keys nest); repeatable", AllowMultipleArgumentsPerToken = false };
        var maxCredits = new Option<long?>("--max-credits") { Description = "Cap the credits of the whole cascade this job starts" };
        var idempotencyKey = new Option<string>("--idempotency-key") { Description = "Retrying with the same key returns the same job instead of a new one" };
        var wait = new Option<bool>("--wait", "-w") { Description = "Wait for the job, with live progress, then print its result" };
        var cancelOnInterrupt = new Option<bool>("--cancel-on-interrupt") { Description = "With --wait: Ctrl+C cancels the job (by default it only stops waiting)" };
        var command = new Command("run", """
            Start a job: a component's action on your input. Prints the job (its id and status URL), or with --wait
            its progress and then its result.

            Examples:
              alavida run identity resolve-company --set companies='[{"domain":"acme.com"}]' --wait
              alavida run icp-discovery qualify --input samples/prospect/data/qualify.json --max-credits 200 --wait
              cat input.json | alavida run buying-signals score --input - --json
            """) { quantum, action, input, set, maxCredits, idempotencyKey, wait, cancelOnInterrupt };
        command.Handle(env, async (context, parse, ct) =>
        {
            var body = parse.GetValue(input) is { } path ? JsonInputs.Read(context, path) : new JsonObject();
            if (body is not JsonObject fields)
            {
                throw new CliException(ExitCodes.Usage, "The input must be a JSON object (the action's fields).");
            }

            JsonInputs.Set(fields, parse.GetValue(set) ?? []);
            if (parse.GetValue(maxCredits) is { } cap)
            {
                fields["max_credits"] = cap;
            }

            using var client = context.Client();
            var accepted = await client.RunAsync(parse.GetValue(quantum)!, parse.GetValue(action)!, fields, parse.GetValue(idempotencyKey), ct);
            var jobId = accepted.Text("job_id")!;
            if (!parse.GetValue(wait))
            {
                context.Output.Object(accepted, [("Job", jobId), ("Status", accepted.Text("status")), ("Trace", accepted.Text("trace_id")), ("Watch", $"alavida jobs watch {jobId}")]);
                return ExitCodes.Ok;
            }

            if (context.Output.Human)
            {
                context.Output.Note($"Started job {jobId}; waiting (Ctrl+C {(parse.GetValue(cancelOnInterrupt) ? "cancels it" : "stops waiting, the job goes on")}).");
            }

            return await JobWatcher.WatchAsync(context, client, jobId, parse.GetValue(cancelOnInterrupt), ct);
        });
        return command;
    }
}
