namespace Alavida.Silo.Hosting;

/// <summary>
/// Operational endpoints (<c>/metrics</c>, the Orleans <c>/dashboard</c>) on a listener of their own, off the public
/// one: the public address answers them 404, the management address answers only them and the health checks. By
/// default the management listener is on loopback, so only the machine (or what you forward to it) reaches it.
/// </summary>
public static partial class ManagementExtensions
{
    /// <summary>Endpoint metadata: served on the management listener only.</summary>
    public sealed class ManagementOnly
    {
        public static readonly ManagementOnly Instance = new();

        private ManagementOnly()
        {
        }
    }

    /// <summary>Adds the management listener's addresses to the host's (validated now, naming the key).</summary>
    public static WebApplicationBuilder AddAlavidaManagement(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(ManagementOptions.SectionName).Get<ManagementOptions>() ?? new ManagementOptions();
        var management = Addresses(options.Urls, $"{ManagementOptions.SectionName}:Urls", requirePort: true);
        var publicUrls = builder.Configuration[WebHostDefaults.ServerUrlsKey] ?? "http://localhost:5000";
        var ports = management.Select(a => a.Port).ToHashSet();
        if (Addresses(publicUrls, "Urls", requirePort: false).Select(a => a.Port).Where(ports.Contains).Select(p => (int?)p).FirstOrDefault() is { } clash)
        {
            throw new InvalidOperationException($"Invalid configuration: Urls and {ManagementOptions.SectionName}:Urls share port {clash}; give the management listener a port of its own.");
        }

        if (management.Count > 0)
        {
            builder.WebHost.UseSetting(WebHostDefaults.ServerUrlsKey, string.Join(';', [publicUrls, .. management.Select(a => a.Url)]));
        }

        builder.Services.AddSingleton(new ManagementPorts(ports));
        return builder;
    }

    /// <summary>
    /// Keeps each endpoint on its listener: management endpoints only on the management ports, everything else (health
    /// excepted) only on the public ones; the wrong one answers 404 as if nothing were there.
    /// </summary>
    public static WebApplication UseManagementBoundary(this WebApplication app)
    {
        var ports = app.Services.GetRequiredService<ManagementPorts>();
        app.Use(async (context, next) =>
        {
            var endpoint = context.GetEndpoint();
            // Probes are answered on both: load balancers use the public address, monitoring the management one.
            if (endpoint is not RouteEndpoint { RoutePattern.RawText: "/health" or "/alive" })
            {
                var onManagement = ports.Contains(context.Connection.LocalPort);
                if (onManagement != (endpoint?.Metadata.GetMetadata<ManagementOnly>() is not null) && (endpoint is not null || onManagement))
                {
                    await ProblemAsync(context, StatusCodes.Status404NotFound, "Not Found", onManagement
                        ? $"The management listener serves /metrics, /dashboard, /health and /alive only; {context.Request.Path} is on the public address."
                        : $"No endpoint matches {context.Request.Method} {context.Request.Path}. The API reference is at /reference.");
                    return;
                }
            }

            // The dashboard's silo pages take a silo address it does not check (a malformed one threw: a 500).
            if (context.Request.Path.StartsWithSegments("/dashboard", out var rest) && SiloPage().Match(rest.Value ?? "") is { Success: true } page
                && !IsSiloAddress(Uri.UnescapeDataString(page.Groups[1].Value)))
            {
                await ProblemAsync(context, StatusCodes.Status400BadRequest, "Bad Request",
                    $"'{page.Groups[1].Value}' is not a silo address; they look like 10.0.0.5:11111@441234567 (the dashboard's silo list links to them).");
                return;
            }

            await next(context);
        });
        return app;
    }

    private static bool IsSiloAddress(string text)
    {
        try
        {
            return SiloAddress.FromParsableString(text) is not null;
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or IndexOutOfRangeException or OverflowException)
        {
            return false;
        }
    }

    private static Task ProblemAsync(HttpContext context, int status, string title, string detail)
    {
        context.SetEndpoint(null);
        context.Response.StatusCode = status;
        return context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        }).AsTask();
    }

    [System.Text.RegularExpressions.GeneratedRegex("^/Silo(?:Stats|Properties|Metadata|Counters)/(.+)$")]
    private static partial System.Text.RegularExpressions.Regex SiloPage();

    /// <summary>Marks endpoints as operational: management listener only, and left out of the OpenAPI document.</summary>
    public static TBuilder ForManagement<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
    {
        builder.Add(b => b.Metadata.Add(ManagementOnly.Instance));
        builder.Add(b => b.Metadata.Add(new Microsoft.AspNetCore.Routing.ExcludeFromDescriptionAttribute()));
        return builder;
    }

    /// <summary>The URLs of a <c>Urls</c>-style setting with their ports (Kestrel's <c>+</c> and <c>*</c> hosts accepted).</summary>
    private static List<(string Url, int Port)> Addresses(string? urls, string key, bool requirePort) =>
        [.. (urls ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(url =>
        {
            if (!Uri.TryCreate(url.Replace("://+", "://0.0.0.0").Replace("://*", "://0.0.0.0"), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                throw new InvalidOperationException($"Invalid configuration: {key}: '{url}' is not an http(s) URL.");
            }

            if (requirePort && (uri.IsDefaultPort || uri.Port == 0))
            {
                throw new InvalidOperationException($"Invalid configuration: {key}: '{url}' needs an explicit port of its own.");
            }

            return (url, uri.Port);
        })];
}

/// <summary>The management listener, section <c>Management</c>.</summary>
public sealed class ManagementOptions
{
    public const string SectionName = "Management";

    /// <summary>
    /// Where <c>/metrics</c> and the Orleans <c>/dashboard</c> are served (semicolon-separated URLs, explicit ports);
    /// empty to serve them nowhere. Loopback by default: expose it to your monitoring on purpose.
    /// </summary>
    public string Urls { get; set; } = "http://127.0.0.1:9090";
}

/// <summary>The local ports of the management listener.</summary>
public sealed class ManagementPorts(IReadOnlySet<int> ports)
{
    public bool Contains(int port) => ports.Contains(port);

    public bool Any => ports.Count > 0;
}
