using System.Text.Json;
using System.Text.Json.Nodes;
using Alavida.Grains.Mesh;
using Alavida.Grains.Platform;
using Alavida.Grains.Prospect;
using Alavida.Grains.Registry;
using Json.Schema;
using Microsoft.Extensions.DependencyInjection;

namespace Alavida.Grains.Meetings;

/// <summary>
/// <c>/meeting-sync/run/ingest</c>: the gateway has checked every meeting (schema and <see cref="MeetingRules"/>); stores
/// them and announces the new and changed ones. Billed per meeting stored or updated; an unchanged re-send is free.
/// </summary>
public sealed class IngestMeetingsAction(IGrainFactory grains, MeetingIngestor ingestor) : IQuantumAction
{
    public string Quantum => MeetingLimits.Quantum;

    public string Action => "ingest";

    public async Task<JobResult> ExecuteAsync(QuantumActionContext context, CancellationToken cancellationToken)
    {
        var job = context.Job;
        var meetings = context.Input.GetProperty("meetings").EnumerateArray().Select((m, i) => Meeting.Parse(m) is { Meeting: { } meeting } ? meeting
            : throw new QuantumActionException("invalid_meeting", $"/meetings/{i} does not satisfy the meeting rules it was accepted under")).ToList();
        var scope = new CascadeScope(job.TeamId, job.TraceId, job.JobId, null);
        var outcomes = await ingestor.IngestAsync(scope, meetings);
        cancellationToken.ThrowIfCancellationRequested();
        await Emit.SendAsync(grains, MeetingIngestor.Events(scope, outcomes));
        await context.ReportProgressAsync(meetings.Count, meetings.Count);

        int Count(MeetingOutcome status) => outcomes.Count(o => o.Status == status);
        var result = new JsonObject
        {
            ["counts"] = new JsonObject
            {
                ["received"] = meetings.Count, ["stored"] = Count(MeetingOutcome.Stored), ["updated"] = Count(MeetingOutcome.Updated),
                ["unchanged"] = Count(MeetingOutcome.Unchanged),
            },
            ["results"] = new JsonArray([.. outcomes.Select((o, i) => (JsonNode)MeetingIngestor.Item(i, o))]),
        };
        return new JobResult(result.ToJsonString(), meetings.Count - Count(MeetingOutcome.Unchanged), null);
    }
}

/// <summary>
/// <c>meeting/transcript.received</c> (from a connector through <c>/e/{key}</c> or <c>/events</c>; data = one meeting) →
/// the same as <c>ingest</c> for that meeting, under the event's trace. A meeting that is not valid fails the run at once
/// (no retries) with every problem named; one that the team cannot pay for is skipped, as in the prospect chain.
/// </summary>
public static class TranscriptReceivedFunction
{
    public const string Id = "meeting-sync/ingest-received-transcript";

    public static MeshFunctionDefinition Create(int concurrency) =>
        CascadeFunction.Create(Id, MeetingEvents.TranscriptReceived, concurrency, "ingest", async run =>
        {
            var meeting = MeetingSchema.Check(run.Context.Data);
            var meetingId = meeting.IdFor(run.Scope.TeamId);
            var store = run.Services.GetRequiredService<MeetingStore>();
            if (await store.ContentHashAsync(run.Scope.TeamId, meetingId) != meeting.ContentHash()
                && await run.ChargeAsync(MeetingLimits.Quantum, "ingest", 1, meetingId) is { } skip)
            {
                return CascadeRun.Skip(skip);
            }

            var outcomes = await run.Services.GetRequiredService<MeetingIngestor>().IngestAsync(run.Scope, [meeting]);
            run.Emit(MeetingIngestor.Events(run.Scope, outcomes));
            return run.Done(MeetingIngestor.Item(0, outcomes[0]));
        });
}

/// <summary>An event's meeting checked as the gateway checks a request's: the registry's meeting schema, then <see cref="MeetingRules"/>.</summary>
internal static class MeetingSchema
{
    private const int MaxProblems = 20;

    private static readonly Lazy<JsonSchema> Schema = new(() =>
    {
        var manifest = ComponentManifest.LoadEmbedded().Single(c => c.Slug == MeetingLimits.Quantum);
        var item = JsonNode.Parse(manifest.ManifestJson)!["actions"]!.AsArray().Single(a => a!["name"]!.GetValue<string>() == "ingest")!
            ["input_schema"]!["properties"]!["meetings"]!["items"]!.DeepClone().AsObject();
        item["$schema"] = "https://json-schema.org/draft/2020-12/schema";
        return JsonSchema.FromText(item.ToJsonString(), new BuildOptions { SchemaRegistry = new SchemaRegistry() },
            new Uri($"https://schemas.alavida.dev/{MeetingLimits.Quantum}/{manifest.Version}/meeting.json"));
    });

    /// <summary>The meeting, or a <see cref="NonRetriableException"/> naming each problem (<c>data/vtt: …</c>).</summary>
    public static Meeting Check(JsonElement data)
    {
        if (data.ValueKind == JsonValueKind.Object && data.TryGetProperty("trace_id", out _))
        {
            // The mesh's, not the meeting's: an event may name its trace in its data.
            var meetingOnly = JsonObject.Create(data)!;
            meetingOnly.Remove("trace_id");
            data = JsonSerializer.SerializeToElement(meetingOnly);
        }

        var evaluation = Schema.Value.Evaluate(data, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (!evaluation.IsValid)
        {
            var problems = (evaluation.Details ?? []).Where(d => d.Errors is { Count: > 0 })
                .SelectMany(d => d.Errors!.Select(e => $"data{d.InstanceLocation}: {e.Value}")).Distinct().Take(MaxProblems);
            throw new NonRetriableException($"The event's data is not a meeting: {string.Join("; ", problems)}");
        }

        var (meeting, rules) = Meeting.Parse(data);
        return meeting ?? throw new NonRetriableException(
            $"The event's data is not a meeting: {string.Join("; ", rules.Take(MaxProblems).Select(p => $"data{p.Pointer}: {p.Message}"))}");
    }
}
