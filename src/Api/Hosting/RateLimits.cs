using System.Globalization;
using System.Net;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Alavida.Api.Auth;
using Alavida.Api.Endpoints;
using Alavida.Grains.Platform;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Alavida.Api.Hosting;

/// <summary>Request rate limits, section <c>RateLimits</c>: a token bucket per caller.</summary>
public sealed class RateLimitOptions
{
    public const string SectionName = "RateLimits";

    /// <summary>Each API key (and the admin key) has its own bucket.</summary>
    public TokenBucket PerKey { get; set; } = new() { Burst = 200, PerPeriod = 100, Period = TimeSpan.FromSeconds(1) };

    /// <summary>Requests without a valid key, per client address (they can only fail, but should not fail by the thousand).</summary>
    public TokenBucket Anonymous { get; set; } = new() { Burst = 100, PerPeriod = 50, Period = TimeSpan.FromSeconds(1) };

    /// <summary>A bucket of <see cref="Burst"/> requests, refilled by <see cref="PerPeriod"/> every <see cref="Period"/>.</summary>
    public sealed class TokenBucket
    {
        /// <summary>Requests a caller may send at once; 0 switches the limit off.</summary>
        public int Burst { get; set; }

        /// <summary>Requests added back every period (the sustained rate).</summary>
        public int PerPeriod { get; set; }

        public TimeSpan Period { get; set; }
    }
}

/// <summary>
/// Rate limits with ASP.NET Core's limiter: one token bucket per API key (so one team's burst is refused on its own
/// bucket and never slows another's requests: nothing queues), one per client address for requests without a valid
/// key. Probes are not limited. A refusal is a 429 problem with <c>Retry-After</c>.
/// </summary>
public static class RateLimits
{
    public static IServiceCollection AddAlavidaRateLimits(this IServiceCollection services)
    {
        services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.SectionName);
        services.AddSingleton<VerifiedEventKeys>();
        services.AddRateLimiter(o =>
        {
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(Partition);
            o.OnRejected = RejectAsync;
        });
        return services;
    }

    private static RateLimitPartition<string> Partition(HttpContext context)
    {
        var options = context.RequestServices.GetRequiredService<IOptionsMonitor<RateLimitOptions>>().CurrentValue;
        if (context.Request.Path.StartsWithSegments("/health") || context.Request.Path.StartsWithSegments("/alive"))
        {
            return RateLimitPartition.GetNoLimiter("probes");
        }

        var user = context.User;
        var (key, bucket) = user.FindFirstValue(ApiKeyAuthenticationHandler.KeyClaim) is { } keyId ? ($"key:{keyId}", options.PerKey)
            : EventKeyPrefix(context) is { } eventKey
              && context.RequestServices.GetRequiredService<VerifiedEventKeys>().Contains(eventKey) ? ($"event-key:{eventKey}", options.PerKey)
            : user.IsInRole(ApiKeyAuthenticationHandler.AdminRole) ? ("admin", options.PerKey)
            : ($"address:{context.Connection.RemoteIpAddress ?? IPAddress.None}", options.Anonymous);
        return bucket.Burst <= 0
            ? RateLimitPartition.GetNoLimiter(key)
            : RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = bucket.Burst,
                TokensPerPeriod = Math.Max(bucket.PerPeriod, 1),
                ReplenishmentPeriod = bucket.Period > TimeSpan.Zero ? bucket.Period : TimeSpan.FromSeconds(1),
                QueueLimit = 0,
                AutoReplenishment = true,
            });
    }

    /// <summary>The prefix of the event key a request to the event API carries, in its path or its Bearer header.</summary>
    private static string? EventKeyPrefix(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        var key = path.StartsWith("/e/", StringComparison.OrdinalIgnoreCase) ? path[3..]
            : EventKeyEndpoints.IsEventApi(context.Request.Path) ? EventKeyEndpoints.HeaderKey(context.Request)
            : null;
        return key is not null && ApiKeyFormat.TryGetPrefix(key, out var prefix) ? prefix : null;
    }

    /// <summary>
    /// Event keys this process has seen verified: only those get a bucket of their own (an event key is checked by its
    /// endpoint, after the limiter), so made-up keys share their caller's address bucket instead of each getting one.
    /// </summary>
    public sealed class VerifiedEventKeys
    {
        private const int Capacity = 100_000;
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> _prefixes = new(StringComparer.Ordinal);

        public bool Contains(string prefix) => _prefixes.ContainsKey(prefix);

        public void Add(string prefix)
        {
            if (_prefixes.Count >= Capacity)
            {
                _prefixes.Clear(); // bounded; the keys in use are seen again at their next request
            }

            _prefixes.TryAdd(prefix, true);
        }
    }

    private static async ValueTask RejectAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var context = rejected.HttpContext;
        var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        var who = context.User.FindFirstValue(ApiKeyAuthenticationHandler.KeyClaim) is not null ? "this API key"
            : context.Request.Path.StartsWithSegments("/e") ? "this event key" : "this client";
        await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails =
            {
                Status = StatusCodes.Status429TooManyRequests,
                Type = "https://docs.alavida.dev/problems/rate-limited",
                Title = "Too many requests",
                Detail = $"Too many requests for {who}; retry in {seconds} s. Limits are per API key and per event key (RateLimits:PerKey).",
            },
        });
    }
}
