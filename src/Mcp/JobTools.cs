using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Nodes;
using Alavida.Client;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Alavida.Mcp;

/// <summary>Runs and jobs: start work, watch it with bounded waits, cancel it, follow its cascade.</summary>
[McpServerToolType]
public sealed class JobTools(AlavidaClient client, TimeProvider time)
{
    /// <summary>The longest a tool waits for a job in one call; the API long-polls at most 20 s a request, so this is two requests.</summary>
    public const int MaxWaitSeconds = 30;

    /// <summary>The fields list_jobs shows of each job; the rest (input, result) is get_job's.</summary>
    private static readonly string[] SummaryFields = ["job_id", "trace_id", "quantum", "action", "status", "created_at", "started_at", "ended_at", "usage", "error"];

    [McpServerTool(Name = "run_component", Title = "Run a component's action", Destructive = false, OpenWorld = false)]
    [Description("""
        Start an action of a component as an async job (it spends credits). Returns the job: {job_id, trace_id, status,
        result, usage, error, progress…}. Set wait_seconds (up to 30) to wait for it to finish in this call; otherwise,
        or if it is still queued or running when the wait ends, follow it with get_job. Check the action's input schema
        with get_component first: bad input is refused with each bad field named, and nothing is charged.
        """)]
    public async Task<CallToolResult> RunAsync(
        [Description("The component's slug, e.g. \"identity\".")] string quantum,
        [Description("The action, e.g. \"resolve-company\" (get_component lists them).")] string action,
        [Description("The action's input: a JSON object matching its input schema, e.g. {\"companies\":[{\"domain\":\"acme.com\"}]}.")] Dictionary<string, JsonElement> input,
        [Description("Seconds to wait for the job to finish before answering, 0–30 (default 0: answer at once).")] int wait_seconds = 0,
        [Description("Most credits this run (and the cascade it starts) may spend; leave out for no cap beyond the balance.")] long? max_credits = null,
        [Description("A key of yours that makes retrying safe: a second run with the same key returns the first job instead of starting another.")] string? idempotency_key = null,
        CancellationToken cancellationToken = default)
    {
        var wait = WaitSeconds(wait_seconds);
        var body = new JsonObject();
        foreach (var (name, value) in input)
        {
            body[name] = JsonNode.Parse(value.GetRawText());
        }

        if (max_credits is { } cap)
        {
            body["max_credits"] = cap;
        }

        var accepted = await client.RunAsync(quantum, action, body, idempotency_key, cancellationToken);
        var jobId = accepted.GetProperty("job_id").GetString()!;
        return await JobAsync(jobId, wait, null, cancellationToken);
    }

    [McpServerTool(Name = "get_job", Title = "Get a job", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("""
        A job as it stands: {job_id, trace_id, quantum, action, status (queued|running|succeeded|failed|cancelled),
        created_at, started_at, ended_at, input, result, usage (credits), error, progress}. Set wait_seconds (up to 30) to
        wait until it finishes; the answer then comes as soon as it does. Large results are cut with a cursor to read on.
        """)]
    public async Task<CallToolResult> GetAsync(
        [Description("The job's id (job_id from run_component or list_jobs).")] string job_id,
        [Description("Seconds to wait for the job to finish, 0–30 (default 0: answer at once).")] int wait_seconds = 0,
        [Description("Only to read on after a cut answer: the \"chars:N\" cursor its note gave.")] string? cursor = null,
        CancellationToken cancellationToken = default) =>
        await JobAsync(job_id, WaitSeconds(wait_seconds), cursor, cancellationToken);

    [McpServerTool(Name = "list_jobs", Title = "List jobs", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("""
        The team's jobs, newest first: {items: [{job_id, trace_id, quantum, action, status, created_at, started_at,
        ended_at, usage, error}], next_cursor}. Input and result are left out: get_job has them. Pass next_cursor back as
        cursor for the next page (null: no more).
        """)]
    public async Task<CallToolResult> ListAsync(
        [Description("Only jobs with this status: queued, running, succeeded, failed or cancelled.")] string? status = null,
        [Description("Only jobs of this component (slug), e.g. \"identity\".")] string? quantum = null,
        [Description("Only jobs created at or after this time (ISO 8601, e.g. 2026-01-31T00:00:00Z).")] string? since = null,
        [Description("Jobs per page, 1–100 (default 20).")] int limit = 20,
        [Description("next_cursor from the previous page.")] string? cursor = null,
        CancellationToken cancellationToken = default) =>
        await ToolOutput.PageAsync(
            l => client.ListJobsAsync(status, quantum, since, l, cursor, cancellationToken),
            Limit(limit), Summary, "list_jobs with the same filters");

    [McpServerTool(Name = "cancel_job", Title = "Cancel a job", Destructive = true, Idempotent = true, OpenWorld = false)]
    [Description("Cancel a queued or running job; its unspent credit reservation is refunded. Returns the job. A finished job is refused with the reason.")]
    public async Task<CallToolResult> CancelAsync(
        [Description("The job's id.")] string job_id,
        CancellationToken cancellationToken = default) =>
        ToolOutput.Document(await client.CancelJobAsync(job_id, cancellationToken), null, $"get_job with job_id \"{job_id}\"");

    [McpServerTool(Name = "get_trace", Title = "Get a trace (cascade)", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("""
        Everything one run set off, in start order: {trace_id, jobs, runs (function runs of the cascade, each with status
        and error), counts, truncated}. Use a job's trace_id (or its job_id) to see which follow-up work it caused and
        where it failed.
        """)]
    public async Task<CallToolResult> GetTraceAsync(
        [Description("The trace id: a job's trace_id (32 hex digits) or job_id, or an event's trace id.")] string trace_id,
        [Description("Only to read on after a cut answer: the \"chars:N\" cursor its note gave.")] string? cursor = null,
        CancellationToken cancellationToken = default) =>
        ToolOutput.Document(await client.GetTraceAsync(trace_id, cancellationToken), cursor, $"get_trace with trace_id \"{trace_id}\"");

    private async Task<CallToolResult> JobAsync(string jobId, int waitSeconds, string? cursor, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow().AddSeconds(waitSeconds);
        var job = await client.GetJobAsync(jobId, 0, cancellationToken);
        // Long polls of at most 20 s each until the job is final or the wait is spent: the API answers as soon as it finishes.
        while (!JobStatuses.IsFinal(job) && deadline - time.GetUtcNow() is { TotalSeconds: >= 1 } left)
        {
            job = await client.GetJobAsync(jobId, (int)Math.Min(left.TotalSeconds, AlavidaClient.MaxWaitSeconds), cancellationToken);
        }

        var result = ToolOutput.Document(job, cursor, $"get_job with job_id \"{jobId}\"");
        if (!JobStatuses.IsFinal(job) && cursor is null)
        {
            result.Content.Add(new TextContentBlock
            {
                Text = $"[The job is still {job.GetProperty("status").GetString()}: call get_job with job_id \"{jobId}\" and wait_seconds up to {MaxWaitSeconds} to wait for its result.]",
            });
        }

        return result;
    }


    private static JsonNode Summary(JsonNode job)
    {
        var summary = new JsonObject();
        foreach (var field in SummaryFields)
        {
            if (job[field] is { } value)
            {
                summary[field] = value.DeepClone();
            }
        }

        return summary;
    }

    private static int WaitSeconds(int seconds) => seconds is >= 0 and <= MaxWaitSeconds
        ? seconds
        : throw new ToolInputException($"wait_seconds: must be from 0 to {MaxWaitSeconds}; got {seconds}.");

    internal static int Limit(int limit) => limit is >= 1 and <= 100
        ? limit
        : throw new ToolInputException($"limit: must be from 1 to 100; got {limit}.");
}
