namespace Alavida.Dashboard.Components.Shared;

/// <summary>One bar of a trace timeline: a job, a run or a step.</summary>
/// <param name="Label">What it is.</param>
/// <param name="Href">Where it opens (null: nowhere).</param>
/// <param name="Status">Its status.</param>
/// <param name="Start">When it started (or was created).</param>
/// <param name="End">When it ended; null while it runs.</param>
/// <param name="Depth">Nesting: 0 the job, 1 its runs, 2 their steps.</param>
public sealed record TimelineBar(string Label, string? Href, string Status, DateTimeOffset Start, DateTimeOffset? End, int Depth = 0);
