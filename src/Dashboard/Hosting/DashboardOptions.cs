using System.ComponentModel.DataAnnotations;

namespace Alavida.Dashboard.Hosting;

/// <summary>The dashboard at <c>/app</c>, section <c>Dashboard</c>.</summary>
public sealed class DashboardOptions
{
    public const string SectionName = "Dashboard";

    /// <summary>A session ends after this long without a request (each request slides it on). Default 8 hours.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00")]
    public TimeSpan SessionIdleTimeout { get; set; } = TimeSpan.FromHours(8);

    /// <summary>
    /// Marks the session cookie Secure on every request, for a gateway behind a proxy that ends TLS (the gateway then sees
    /// http). When false (the default) it is Secure when the request itself is HTTPS. (The antiforgery cookie, which signs
    /// no one in, follows the request: ASP.NET refuses an always-Secure one over http.)
    /// </summary>
    public bool SecureCookies { get; set; }
}
