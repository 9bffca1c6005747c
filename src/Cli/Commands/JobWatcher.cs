using System.Text.Json;
using Alavida.Client;
using Spectre.Console;

namespace Alavida.Cli.Commands;

/// <summary>
/// Waits for a job through the API's long poll, showing its progress (a Spectre.Console progress bar on a terminal),
/// then prints it. Ctrl+C stops waiting, or cancels the job with <c>cancelOnInterrupt</c>.
/// </summary>
public static class JobWatcher
{
    /// <summary>How long each poll may be held: short enough that progress moves on screen.</summary>
    private const int PollSeconds = 2;

    public static async Task<int> WatchAsync(CliContext context, AlavidaClient client, string jobId, bool cancelOnInterrupt, CancellationToken ct)
    {
        JsonElement job;
        try
        {
            job = context.Output.Interactive
                ? await WithProgressAsync(context, client, jobId, ct)
                : await PollAsync(client, jobId, _ => { }, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            if (cancelOnInterrupt)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                var cancelled = await client.CancelJobAsync(jobId, timeout.Token);
                context.Output.Note($"Interrupted: cancelled job {jobId} (now {cancelled.Text("status")}).");
            }
            else
            {
                context.Output.Note($"Stopped waiting; job {jobId} goes on. Watch it again with: alavida jobs watch {jobId}");
            }

            return 130;
        }

        Print(context, job);
        return job.Text("status") == "succeeded" ? ExitCodes.Ok : ExitCodes.Failed;
    }

    /// <summary>Polls until the job is final, reporting each state seen.</summary>
    public static async Task<JsonElement> PollAsync(AlavidaClient client, string jobId, Action<JsonElement> seen, CancellationToken ct)
    {
        while (true)
        {
            var job = await client.GetJobAsync(jobId, PollSeconds, ct);
            seen(job);
            if (JobStatuses.IsFinal(job))
            {
                return job;
            }
        }
    }

    private static async Task<JsonElement> WithProgressAsync(CliContext context, AlavidaClient client, string jobId, CancellationToken ct)
    {
        JsonElement final = default;
        await context.Output.Console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
            .StartAsync(async progress =>
            {
                var task = progress.AddTask($"job {jobId[..8]} queued", maxValue: 1);
                task.IsIndeterminate = true;
                final = await PollAsync(client, jobId, job =>
                {
                    var status = job.Text("status");
                    if (job.TryGetProperty("progress", out var p) && p.ValueKind == JsonValueKind.Object
                        && p.TryGetProperty("total", out var total) && total.TryGetInt32(out var t) && t > 0)
                    {
                        task.IsIndeterminate = false;
                        task.MaxValue = t;
                        task.Value = p.TryGetProperty("done", out var done) && done.TryGetInt32(out var d) ? d : 0;
                        task.Description = Markup.Escape($"{job.Text("quantum")}/{job.Text("action")} {status}: {p.Text("message") ?? $"{task.Value:0}/{t}"}");
                    }
                    else
                    {
                        task.Description = Markup.Escape($"{job.Text("quantum")}/{job.Text("action")} {status}");
                    }

                    if (JobStatuses.IsFinal(job))
                    {
                        task.IsIndeterminate = false;
                        task.Value = task.MaxValue;
                        task.StopTask();
                    }
                }, ct);
            });
        return final;
    }

    /// <summary>A job: JSON with --json; else its status line, its result (a table for list-shaped results) and its error.</summary>
    public static void Print(CliContext context, JsonElement job)
    {
        var output = context.Output;
        if (!output.Human)
        {
            output.Json(job);
            return;
        }

        output.Object(job, [
            ("Job", job.Text("job_id")),
            ("Status", job.Text("status")),
            ("Action", $"{job.Text("quantum")}/{job.Text("action")}"),
            ("Trace", job.Text("trace_id")),
            ("Created", job.Time("created_at")),
            ("Duration", job.Duration("started_at", "ended_at")),
            ("Credits", job.Text("usage.credits_charged") ?? job.Text("usage.credits")),
            ("Progress", job.Text("progress.total") is { } total ? $"{job.Text("progress.done")}/{total} {job.Text("progress.message")}" : null),
        ]);
        if (job.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
        {
            output.Line($"Error:    {error.Text("code")}: {error.Text("message")}");
        }

        if (job.TryGetProperty("result", out var result) && result.ValueKind != JsonValueKind.Null)
        {
            output.Line();
            ResultView.Print(output, result);
        }
    }
}
