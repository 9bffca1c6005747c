using System.CommandLine;
using Alavida.Client;

namespace Alavida.Cli.Commands;

/// <summary><c>alavida jobs list|get|watch|cancel</c>.</summary>
public static class JobCommands
{
    public static readonly IReadOnlyList<Column> Columns =
    [
        new("JOB", j => j.Text("job_id")),
        new("STATUS", j => j.Text("status")),
        new("ACTION", j => $"{j.Text("quantum")}/{j.Text("action")}"),
        new("CREATED", j => j.Time("created_at")),
        new("DURATION", j => j.Duration("started_at", "ended_at")),
        new("CREDITS", j => j.Text("usage.credits_charged")),
    ];

    public static Command Create(CliEnvironment env)
    {
        var jobs = new Command("jobs", "Your team's jobs: list, inspect, watch, cancel");

        var status = new Option<string>("--status") { Description = "queued, running, succeeded, failed or cancelled" };
        status.AcceptOnlyFromAmong([.. JobStatuses.All]);
        var quantum = new Option<string>("--quantum") { Description = "Only this component's jobs" };
        var since = new Option<string>("--since") { Description = "Created at or after this time (ISO 8601)" };
        var limit = new Option<int?>("--limit") { Description = "At most this many (1–100; default 20)" };
        var cursor = new Option<string>("--cursor") { Description = "The next page (from a previous list)" };
        var list = new Command("list", "Jobs, newest first\n\nExamples:\n  alavida jobs list --status failed --since 2026-12-01\n  alavida jobs list --quantum identity --jsonl") { status, quantum, since, limit, cursor };
        list.Handle(env, async (context, parse, ct) =>
        {
            using var client = context.Client();
            var page = await client.ListJobsAsync(parse.GetValue(status), parse.GetValue(quantum), parse.GetValue(since), parse.GetValue(limit), parse.GetValue(cursor), ct);
            context.Output.Page(page, Columns, "No jobs match.");
            return ExitCodes.Ok;
        });

        var id = new Argument<string>("job_id") { Description = "The job's id" };
        var get = new Command("get", "A job: status, result, usage, error\n\nExample:\n  alavida jobs get 0193…") { id };
        get.Handle(env, async (context, parse, ct) =>
        {
            using var client = context.Client();
            JobWatcher.Print(context, await client.GetJobAsync(parse.GetValue(id)!, 0, ct));
            return ExitCodes.Ok;
        });

        var cancelOnInterrupt = new Option<bool>("--cancel-on-interrupt") { Description = "Ctrl+C cancels the job (by default it only stops watching)" };
        var watch = new Command("watch", "Follow a job's progress until it ends, then print it (exit 0 only if it succeeded)\n\nExample:\n  alavida jobs watch 0193…") { id, cancelOnInterrupt };
        watch.Handle(env, async (context, parse, ct) =>
        {
            using var client = context.Client();
            return await JobWatcher.WatchAsync(context, client, parse.GetValue(id)!, parse.GetValue(cancelOnInterrupt), ct);
        });

        var cancel = new Command("cancel", "Cancel a queued or running job (its reserved credits are refunded)\n\nExample:\n  alavida jobs cancel 0193…") { id };
        cancel.Handle(env, async (context, parse, ct) =>
        {
            using var client = context.Client();
            JobWatcher.Print(context, await client.CancelJobAsync(parse.GetValue(id)!, ct));
            return ExitCodes.Ok;
        });

        jobs.Subcommands.Add(list);
        jobs.Subcommands.Add(get);
        jobs.Subcommands.Add(watch);
        jobs.Subcommands.Add(cancel);
        return jobs;
    }
}
