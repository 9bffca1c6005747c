using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Alavida.Grains;

/// <summary>Our activity source and meter (the host subscribes to <see cref="Name"/>).</summary>
public static class AlavidaTelemetry
{
    /// <summary>The name of the activity source and of the meter.</summary>
    public const string Name = "Alavida";

    /// <summary>Spans of jobs and quantum steps.</summary>
    public static readonly ActivitySource Source = new(Name);

    private static readonly Meter Meter = new(Name);

    /// <summary>Jobs accepted at <c>/run</c>, by quantum.</summary>
    public static readonly Counter<long> JobsAccepted = Meter.CreateCounter<long>("alavida.jobs.accepted", "{job}", "Jobs accepted, by quantum");

    /// <summary>Jobs that reached a final status, by quantum and status.</summary>
    public static readonly Counter<long> JobsFinished = Meter.CreateCounter<long>("alavida.jobs.finished", "{job}", "Jobs finished, by quantum and status");

    /// <summary>Job duration from start to final status, by quantum.</summary>
    public static readonly Histogram<double> JobDuration = Meter.CreateHistogram<double>("alavida.jobs.duration", "s", "Job run time, by quantum");

    /// <summary>Credits charged, by quantum.</summary>
    public static readonly Counter<long> CreditsCharged = Meter.CreateCounter<long>("alavida.credits.charged", "{credit}", "Credits charged, by quantum");

    /// <summary>Starts a span in the trace whose id is the job id, so every span of a job shares its trace.</summary>
    public static Activity? StartJobActivity(string name, Guid jobId) =>
        Source.StartActivity(
            name,
            ActivityKind.Internal,
            new ActivityContext(ActivityTraceId.CreateFromString(Platform.JobView.TraceIdOf(jobId)), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded));
}
