using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Npgsql;

namespace Alavida.Api.Hosting;

/// <summary>
/// Turns a dependency outage (PostgreSQL or the Orleans cluster unreachable) into a 503 problem and a malformed
/// request into a 400 problem; anything else is left to the default handler (a 500 problem without internals).
/// </summary>
internal sealed class UnavailableExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (status, title, detail) = exception switch
        {
            BadHttpRequestException bad => (bad.StatusCode, "Bad request", bad.Message),
            NpgsqlException or TimeoutException => (StatusCodes.Status503ServiceUnavailable, "Dependency unavailable", "The database is unavailable; retry shortly."),
            SiloUnavailableException or OrleansMessageRejectionException =>
                (StatusCodes.Status503ServiceUnavailable, "Dependency unavailable", "The cluster is unavailable; retry shortly."),
            _ => (0, "", ""),
        };
        if (status == 0)
        {
            return false;
        }

        httpContext.Response.StatusCode = status;
        if (status == StatusCodes.Status503ServiceUnavailable)
        {
            // Outages here last seconds (a database restart, a silo's death being detected): worth a retry soon.
            httpContext.Response.Headers.RetryAfter = "1";
        }

        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        });
    }
}
