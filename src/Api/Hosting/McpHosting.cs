using System.Collections.Concurrent;
using System.Net.Http.Headers;
using Alavida.Api.Endpoints;
using Alavida.Client;
using Alavida.Mcp;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ModelContextProtocol.AspNetCore;

namespace Alavida.Api.Hosting;

/// <summary>
/// The MCP tools over Streamable HTTP at <c>/mcp</c> (a team's API key required), the same implementation as
/// <c>alavida mcp</c>. Stateless: each POST is served on its own, with its own HttpContext, so any gateway can answer
/// it. A tool acts as the caller by calling this gateway's public API over loopback with the caller's own
/// Authorization header: the same authentication, team scoping, validation, rate limits and problems as any client,
/// and no second path to the grains to keep in step.
/// </summary>
public static class McpHosting
{
    public const string Path = "/mcp";

    private const string CallerHttpClient = "alavida-mcp-caller";

    public static IHostApplicationBuilder AddAlavidaMcp(this IHostApplicationBuilder builder)
    {
        builder.Services.AddHttpContextAccessor();
        // Longer than the longest tool call: two long polls (run_component and get_job wait at most 30 s).
        builder.Services.AddHttpClient(CallerHttpClient, http => http.Timeout = TimeSpan.FromSeconds(90));
        builder.Services.AddSingleton<GatewaySelf>();
        builder.Services.AddScoped(services => services.GetRequiredService<GatewaySelf>().ClientFor(
            services.GetRequiredService<IHttpContextAccessor>().HttpContext
            ?? throw new InvalidOperationException("The MCP tools at /mcp act for an HTTP request; there is none.")));
        builder.Services.AddMcpServer(AlavidaMcp.Configure)
            .WithHttpTransport(o => o.SessionMode = HttpServerSessionMode.Stateless)
            .WithAlavidaTools(local: false);
        return builder;
    }

    /// <summary>Maps <c>/mcp</c>: team keys only, and out of the OpenAPI document (it is JSON-RPC, not a REST operation).</summary>
    public static IEndpointRouteBuilder MapAlavidaMcp(this IEndpointRouteBuilder app)
    {
        app.MapMcp(Path).RequireAuthorization(AuthPolicies.Team).ExcludeFromDescription().WithTags("MCP");
        return app;
    }

    /// <summary>This gateway's own public address, as the caller reached it, and clients that call it with the caller's key.</summary>
    private sealed class GatewaySelf(IServer server, IHttpClientFactory clients)
    {
        private readonly ConcurrentDictionary<(string Scheme, int Port), Uri> _addresses = new();

        public AlavidaClient ClientFor(HttpContext context)
        {
            var http = clients.CreateClient(CallerHttpClient);
            http.BaseAddress = _addresses.GetOrAdd((context.Request.Scheme, context.Connection.LocalPort), Address);
            if (AuthenticationHeaderValue.TryParse(context.Request.Headers.Authorization, out var authorization))
            {
                http.DefaultRequestHeaders.Authorization = authorization;
            }

            return new AlavidaClient(http, ownsHttp: true);
        }

        /// <summary>
        /// The listening address on the port the request came in on (so never the management listener, which does not
        /// serve /mcp), with a wildcard host (0.0.0.0, [::], +, *) made loopback: the call stays on this machine.
        /// </summary>
        private Uri Address((string Scheme, int Port) local)
        {
            var bound = (server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [])
                .Select(BindingAddress.Parse)
                .FirstOrDefault(a => a.Port == local.Port && !a.IsUnixPipe);
            var host = bound?.Host switch
            {
                null or "+" or "*" or "0.0.0.0" => "127.0.0.1",
                "[::]" or "::" => "[::1]",
                var named => named,
            };
            return new Uri($"{bound?.Scheme ?? local.Scheme}://{host}:{local.Port}/");
        }
    }
}
