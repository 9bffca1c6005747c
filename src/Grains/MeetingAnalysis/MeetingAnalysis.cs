using System.Text.Json.Nodes;
using Alavida.Grains.Meetings;
using Alavida.Grains.Mesh;
using Alavida.Grains.Platform;
using Alavida.Grains.Prospect;
using Alavida.Grains.Prospect.Reasoning;
using Microsoft.Extensions.DependencyInjection;

namespace Alavida.Grains.MeetingAnalysis;

/// <summary>
/// <c>/meeting-analysis/run/analyze {meeting_ids}</c>: analyses the team's meetings (another team's ids, like unknown
/// ones, are <c>not_found</c>). Billed per meeting analysed; an unchanged meeting and a meeting not found are free.
/// </summary>
public sealed class AnalyzeMeetingsAction(IGrainFactory grains, MeetingAnalyzer analyzer, MentionCommitter committer) : IQuantumAction
{
    public string Quantum => MeetingAnalyzer.Quantum;

    public string Action => "analyze";

    public async Task<JobResult> ExecuteAsync(QuantumActionContext context, CancellationToken cancellationToken)
    {
        var job = context.Job;
        var ids = context.Input.GetProperty("meeting_ids").EnumerateArray().Select(e => Guid.Parse(e.GetString()!)).ToList();
        var scope = new CascadeScope(job.TeamId, job.TraceId, job.JobId, null);
        var ledger = new ReasoningLedger();
        var outcomes = await analyzer.AnalyzeAsync(scope, ids, ledger, cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        await Emit.SendAsync(grains, await committer.CommitAsync(scope, outcomes));
        await context.ReportProgressAsync(ids.Count, ids.Count);

        var analysed = outcomes.Where(o => o.Status == AnalysisStatus.Analyzed).Select(o => o.MeetingId).Distinct().Count();
        var metrics = ledger.AddTo(new JsonObject { ["meetings_analyzed"] = analysed, ["mentions"] = outcomes.Sum(o => o.Mentions.Count) });
        return new JobResult(Result(outcomes).ToJsonString(), analysed, metrics.ToJsonString());
    }

    /// <summary>The result document (schema: the registry's analyze output).</summary>
    public static JsonObject Result(IReadOnlyList<MeetingAnalyzer.Outcome> outcomes)
    {
        int Count(AnalysisStatus status) => outcomes.Count(o => o.Status == status);
        return new JsonObject
        {
            ["counts"] = new JsonObject
            {
                ["submitted"] = outcomes.Count, ["analyzed"] = Count(AnalysisStatus.Analyzed), ["unchanged"] = Count(AnalysisStatus.Unchanged),
                ["not_found"] = Count(AnalysisStatus.NotFound), ["mentions"] = outcomes.Sum(o => o.Mentions.Count),
            },
            ["results"] = new JsonArray([.. outcomes.Select((o, i) => (JsonNode)Item(i, o))]),
        };
    }

    public static JsonObject Item(int index, MeetingAnalyzer.Outcome o) => new()
    {
        ["index"] = index,
        ["meeting_id"] = o.MeetingId,
        ["status"] = o.Status switch { AnalysisStatus.Analyzed => "analyzed", AnalysisStatus.Unchanged => "unchanged", _ => "not_found" },
        ["mentions"] = new JsonArray([.. o.Mentions.Select(m => (JsonNode)new JsonObject
        {
            ["mention_id"] = m.Id,
            ["company_id"] = m.Draft.CompanyId,
            ["name"] = m.Draft.Name,
            ["domain"] = m.Draft.Domain,
            ["sources"] = Json.Array(m.Draft.Sources),
            ["intents"] = Json.Array(m.Intents.Intents),
            ["participants"] = m.Draft.Participants.Count,
            ["engagement"] = m.Engagement,
        })]),
    };
}

/// <summary>
/// <c>meeting/transcript.added</c> (meeting-sync, for a new or changed meeting) → that meeting analysed under the same
/// trace, charged once per meeting analysed (an unchanged one is free and announces nothing), and one
/// <c>meeting/company.mentioned</c> per company.
/// </summary>
public static class TranscriptAddedFunction
{
    public const string Id = "meeting-analysis/analyze-added-transcript";

    public static MeshFunctionDefinition Create(int concurrency) =>
        CascadeFunction.Create(Id, MeetingEvents.TranscriptAdded, concurrency, "analyze", async run =>
        {
            var meetingId = Json.Id(run.Context.Data, "meeting_id") ?? throw new NonRetriableException("data.meeting_id is missing or not a UUID");
            var analyzer = run.Services.GetRequiredService<MeetingAnalyzer>();
            var outcomes = await analyzer.AnalyzeAsync(run.Scope, [meetingId], run.Ledger, run.Context.CancellationToken);
            var outcome = outcomes[0];
            if (outcome.Status == AnalysisStatus.NotFound)
            {
                return CascadeRun.Skip("the team has no such meeting");
            }

            if (outcome.Status == AnalysisStatus.Analyzed && await run.ChargeAsync(MeetingAnalyzer.Quantum, "analyze", 1, meetingId) is { } skip)
            {
                return CascadeRun.Skip(skip);
            }

            run.Emit(await run.Services.GetRequiredService<MentionCommitter>().CommitAsync(run.Scope, outcomes));
            return run.Done(AnalyzeMeetingsAction.Item(0, outcome));
        });
}
