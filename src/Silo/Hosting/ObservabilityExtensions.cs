using System.Diagnostics;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace Alavida.Silo.Hosting;

public static class ObservabilityExtensions
{
    /// <summary>The service name in traces, metrics and logs.</summary>
    public const string ServiceName = "alavida";

    /// <summary>Our own activity source and meter; quantum code creates spans and instruments under this name.</summary>
    public const string TelemetryName = Alavida.Grains.AlavidaTelemetry.Name;

    /// <summary>Probe and scrape paths: not traced, and their request log lines are Verbose.</summary>
    public static readonly string[] OperationalPaths = ["/metrics", "/health", "/alive"];

    /// <summary>The first stage of Serilog's two-stage set-up: logs start-up (and start-up failures) as compact JSON.</summary>
    public static Serilog.ILogger CreateBootstrapLogger() =>
        new LoggerConfiguration()
            .MinimumLevel.Information()
            .Enrich.With<TraceContextEnricher>()
            .Enrich.With<EventKeyRedactor>()
            .WriteTo.Console(new CompactJsonFormatter())
            .CreateBootstrapLogger();

    /// <summary>
    /// Serilog compact JSON to stdout with <c>trace_id</c>/<c>span_id</c>; OpenTelemetry traces and metrics (Orleans,
    /// ASP.NET Core, HTTP, Npgsql, runtime) with a Prometheus endpoint, and OTLP export when
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set.
    /// </summary>
    public static WebApplicationBuilder AddAlavidaObservability(this WebApplicationBuilder builder)
    {
        if (builder.Services.Any(s => s.ServiceType == typeof(TraceContextEnricher)))
        {
            return builder;
        }

        builder.Services.AddSingleton<TraceContextEnricher>();
        builder.Services.AddSerilog(
            (services, logger) => logger
                .MinimumLevel.Information()
                .MinimumLevel.Override("Orleans", LogEventLevel.Warning)
                .MinimumLevel.Override("Polly", LogEventLevel.Warning)
                .MinimumLevel.Override("Microsoft.AspNetCore", LogEventLevel.Warning)
                .MinimumLevel.Override("Microsoft.Extensions.Diagnostics.HealthChecks", LogEventLevel.Warning)
                .MinimumLevel.Override("System.Net.Http.HttpClient", LogEventLevel.Warning)
                .ReadFrom.Configuration(builder.Configuration)
                .ReadFrom.Services(services)
                .Enrich.FromLogContext()
                .Enrich.With(services.GetRequiredService<TraceContextEnricher>())
                .Enrich.With<EventKeyRedactor>()
                .Enrich.WithProperty("service", ServiceName)
                .WriteTo.Console(new CompactJsonFormatter()),
            preserveStaticLogger: true);

        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(ServiceName, serviceInstanceId: Environment.MachineName))
            .WithTracing(tracing => tracing
                .AddSource(TelemetryName, Alavida.Grains.GrainCallTracing.SourceName, Alavida.Grains.Prospect.Reasoning.ReasonerOptions.TelemetrySource)
                .AddAspNetCoreInstrumentation(o =>
                {
                    o.Filter = ctx => !OperationalPaths.Any(p => ctx.Request.Path.StartsWithSegments(p));
                    o.EnrichWithHttpRequest = (activity, request) =>
                    {
                        if (request.Path.StartsWithSegments("/e", StringComparison.OrdinalIgnoreCase))
                        {
                            activity.SetTag("url.path", Alavida.Api.Endpoints.EventKeyEndpoints.Redact(request.Path.Value ?? ""));
                        }
                    };
                })
                .AddHttpClientInstrumentation()
                .AddNpgsql())
            .WithMetrics(metrics => metrics
                .AddMeter(TelemetryName, "Microsoft.Orleans", "Npgsql")
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddPrometheusExporter());
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            telemetry.UseOtlpExporter();
        }

        return builder;
    }

    /// <summary>
    /// An event key travels in the path of Inngest's event API (<c>/e/{key}</c>): every logged value that is such a path
    /// — the request line, ASP.NET Core's request scope, our own messages — keeps the key's public prefix only.
    /// </summary>
    public sealed class EventKeyRedactor : ILogEventEnricher
    {
        public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory)
        {
            // Every log event passes here: look without allocating, and copy only what is redacted.
            List<LogEventProperty>? redacted = null;
            foreach (var (name, value) in logEvent.Properties)
            {
                var text = value is ScalarValue { Value: var raw } ? raw switch { string s => s, PathString p => p.Value, _ => null } : null;
                if (text is not null && text.StartsWith("/e/", StringComparison.OrdinalIgnoreCase))
                {
                    (redacted ??= []).Add(new LogEventProperty(name, new ScalarValue(Alavida.Api.Endpoints.EventKeyEndpoints.Redact(text))));
                }
            }

            foreach (var property in redacted ?? [])
            {
                logEvent.AddOrUpdateProperty(property);
            }
        }
    }

    /// <summary>Adds <c>trace_id</c> and <c>span_id</c> of the current activity to every log event.</summary>
    public sealed class TraceContextEnricher : ILogEventEnricher
    {
        public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory)
        {
            if (Activity.Current is not { } activity)
            {
                return;
            }

            logEvent.AddPropertyIfAbsent(propertyFactory.CreateProperty("trace_id", activity.TraceId.ToHexString()));
            logEvent.AddPropertyIfAbsent(propertyFactory.CreateProperty("span_id", activity.SpanId.ToHexString()));
        }
    }
}
