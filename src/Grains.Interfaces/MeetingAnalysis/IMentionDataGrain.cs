namespace Alavida.Grains.MeetingAnalysis;

/// <summary>A list request for a team's company mentions (<c>GET /meeting-analysis/data/mentions</c>).</summary>
/// <param name="TeamId">The caller's team; only its mentions are visible.</param>
/// <param name="MeetingId">Only mentions in this meeting.</param>
/// <param name="CompanyId">Only mentions of this company.</param>
/// <param name="Intent">Only mentions carrying this intent.</param>
/// <param name="TraceId">Only mentions written by this trace.</param>
/// <param name="Limit">Page size.</param>
/// <param name="Cursor">The previous page's <c>next_cursor</c>.</param>
[GenerateSerializer, Immutable, Alias("Alavida.MeetingAnalysis.MentionQuery")]
public sealed record MentionQuery(
    [property: Id(0)] Guid TeamId,
    [property: Id(1)] Guid? MeetingId,
    [property: Id(2)] Guid? CompanyId,
    [property: Id(3)] string? Intent,
    [property: Id(4)] string? TraceId,
    [property: Id(5)] int Limit,
    [property: Id(6)] string? Cursor);

/// <summary>One page of mentions as JSON objects, newest first (fields in meeting-analysis' SKILL.md).</summary>
/// <param name="ItemsJson">Each mention as a JSON object.</param>
/// <param name="NextCursor">Cursor of the next page; null at the end.</param>
[GenerateSerializer, Immutable, Alias("Alavida.MeetingAnalysis.MentionPage")]
public sealed record MentionPage([property: Id(0)] IReadOnlyList<string> ItemsJson, [property: Id(1)] string? NextCursor);

/// <summary>Reads meeting-analysis' data, always within one team.</summary>
[Alias("Alavida.MeetingAnalysis.IMentionDataGrain")]
public interface IMentionDataGrain : IGrainWithIntegerKey
{
    /// <summary>A page of mentions; throws <see cref="ArgumentException"/> for a foreign cursor.</summary>
    [Alias("List")]
    Task<MentionPage> ListAsync(MentionQuery query);

    /// <summary>One mention as a JSON object, or null when the team has none with that id.</summary>
    [Alias("Get")]
    Task<string?> GetAsync(Guid teamId, Guid mentionId);
}

/// <summary>meeting-analysis' fixed names, shared by the gateway and the silo.</summary>
public static class MeetingAnalysisLimits
{
    /// <summary>The quantum's slug.</summary>
    public const string Quantum = "meeting-analysis";

    /// <summary>The intents a mention can carry, in the order they are listed.</summary>
    public static readonly IReadOnlyList<string> Intents = ["evaluation", "pain", "competitor", "pricing", "timeline", "budget", "objection", "next_step"];
}
