using System.Net;
using System.Text.Json;
using Alavida.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Serilog.Core;

namespace Alavida.Tests.Foundation;

[Collection(ClusterCollection.Name)]
public sealed class ObservabilityTests(DatabaseFixture database)
{
    [Fact]
    public async Task RequestLogLine_CarriesTheTraceIdOfTheProblemResponse()
    {
        var sink = new CapturingSink();
        await using var host = await PlatformHost.StartAsync(
            database.ConnectionString,
            ClusterIdentity.New(),
            settings: new Dictionary<string, string?> { ["Serilog:MinimumLevel:Default"] = "Information" },
            services: s => s.AddSingleton<ILogEventSink>(sink));

        var response = await host.Http.GetAsync("/no-such-endpoint");
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var traceId = problem.GetProperty("trace_id").GetString();

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Matches("^[0-9a-f]{32}$", traceId);
        // The request line is written as the response completes, so wait for it rather than racing it.
        var line = await sink.WaitForAsync(e => e.Properties.TryGetValue("RequestPath", out var p) && p.ToString() == "\"/no-such-endpoint\"")
            .Within(TimeSpan.FromSeconds(30), "the request log line");
        Assert.Equal($"\"{traceId}\"", line.Properties["trace_id"].ToString());
        Assert.Matches("^\"[0-9a-f]{16}\"$", line.Properties["span_id"].ToString());

        // An event key travels in the path of Inngest's event API: the line keeps its public prefix only.
        const string eventKey = "alve_AbCdEfGhIj_0123456789abcdefghijABCDEFGHIJ01";
        var sent = await host.Http.PostAsync($"/E/{eventKey}", new StringContent("""{"name":"x/y","data":{}}""", System.Text.Encoding.UTF8, "application/json"));
        var keyLine = await sink.WaitForAsync(e => e.Properties.TryGetValue("RequestPath", out var p) && p.ToString().StartsWith("\"/E/", StringComparison.Ordinal)
                && e.MessageTemplate.Text.StartsWith("HTTP", StringComparison.Ordinal))
            .Within(TimeSpan.FromSeconds(30), "the event API's request log line");
        Assert.Equal(HttpStatusCode.Unauthorized, sent.StatusCode); // routes ignore case, and so does the redaction
        Assert.Equal("\"/E/alve_AbCdEfGhIj_…\"", keyLine.Properties["RequestPath"].ToString());
        Assert.DoesNotContain(sink.Events, e => e.RenderMessage().Contains("0123456789abcdef") || e.Properties.Values.Any(v => v.ToString().Contains("0123456789abcdef")));
    }
}
