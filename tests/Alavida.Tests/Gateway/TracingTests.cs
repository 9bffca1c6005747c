using System.Collections.Concurrent;
using System.Diagnostics;
using Alavida.Grains;
using Alavida.Grains.Platform;

namespace Alavida.Tests.Gateway;

/// <summary>Grain calls join their caller's trace (<see cref="GrainCallTracing"/>): an HTTP request's, a job's.</summary>
[Collection(GatewayCollection.Name)]
public sealed class TracingTests(GatewayFixture gateway) : IDisposable
{
    private readonly ConcurrentQueue<Activity> _spans = new();
    private readonly ActivityListener _listener = new()
    {
        ShouldListenTo = source => source.Name == GrainCallTracing.SourceName,
        Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
    };

    private ActivityListener Listening()
    {
        _listener.ActivityStopped = _spans.Enqueue;
        ActivitySource.AddActivityListener(_listener);
        return _listener;
    }

    public void Dispose() => _listener.Dispose();

    [Fact]
    public async Task AGrainCallOfARequest_IsASpanInTheRequestsTrace_UnderItsSpan()
    {
        var team = await gateway.CreateTeamAsync(10);
        Listening();
        // The caller's trace: the request carries it (traceparent), the server's request span joins it.
        using var caller = new Activity("test caller").SetIdFormat(ActivityIdFormat.W3C).Start();
        var traceId = caller.TraceId;

        (await team.Http.GetAsync("/credits")).EnsureSuccessStatusCode();

        var call = Assert.Single(_spans, s => s.TraceId == traceId && s.DisplayName.Contains("TeamGrain", StringComparison.Ordinal));
        Assert.Equal(ActivityKind.Server, call.Kind);
        Assert.NotEqual(default, call.ParentSpanId);
        Assert.DoesNotContain(_spans, s => s.TraceId == traceId && s.SpanId == call.ParentSpanId);   // its parent is the request's span, not a call's
    }

    [Fact]
    public async Task TheGrainCallsOfAJob_AreInTheJobsTrace()
    {
        var team = await gateway.CreateTeamAsync(10);
        Listening();
        var body = new { companies = new[] { new { domain = $"traced-{team.TeamId:N}.com" } } };
        await team.WaitForJobAsync(await team.RunAsync("/identity/run/resolve-company", body)); // creates the company
        var jobId = await team.RunAsync("/identity/run/resolve-company", body);                 // asks its grain
        var job = await team.WaitForJobAsync(jobId);
        var traceId = ActivityTraceId.CreateFromString(job.GetProperty("trace_id").GetString());

        Assert.Equal("succeeded", job.GetProperty("status").GetString());
        Assert.Equal(JobView.TraceIdOf(Guid.Parse(jobId)), traceId.ToHexString());
        Assert.Contains(_spans, s => s.TraceId == traceId && s.DisplayName.Contains("EntityKeyGrain", StringComparison.Ordinal));
    }
}
