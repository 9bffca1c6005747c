using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Npgsql;
using Orleans.Runtime.Messaging;
using Orleans.Serialization;

namespace Alavida.Api.Hosting;

/// <summary>
/// The problem for an exception a request let escape. A malformed request keeps the status Kestrel gave it (400, 413…).
/// A transient outage of PostgreSQL or the cluster is a 503 with Retry-After: nothing was accepted and a retry soon
/// will do. A value PostgreSQL refuses as invalid data (SQLSTATE class 22) is a 422: the input was bad, and the edge
/// checks should have said so. Anything else, a database error that is not transient included, is a 500, logged; no
/// answer carries internals.
/// </summary>
internal sealed partial class ExceptionProblemHandler(ILogger<ExceptionProblemHandler> logger) : IExceptionHandler
{
    private enum Fault
    {
        Unexpected,
        DatabaseUnavailable,
        ClusterUnavailable,
        InvalidData,
    }

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var request = httpContext.Request;
        if (exception is BadHttpRequestException bad)
        {
            await Problems.Request(bad.StatusCode, bad.Message).ExecuteAsync(httpContext);
            return true;
        }

        var (fault, sqlState) = Classify(exception);
        switch (fault)
        {
            case Fault.DatabaseUnavailable or Fault.ClusterUnavailable:
                // Outages here last seconds (a database restart, a silo's death being detected): worth a retry soon.
                httpContext.Response.Headers.RetryAfter = "1";
                await Problems.Unavailable(fault == Fault.DatabaseUnavailable
                    ? "The database is unavailable; retry shortly."
                    : "The cluster is unavailable; retry shortly.").ExecuteAsync(httpContext);
                break;
            case Fault.InvalidData:
                Log.InvalidDataRefused(logger, request.Method, request.Path, sqlState);
                await Problems.Invalid(
                    "The database refused a value of the request as invalid data (text or a number it cannot store). Check the values you sent.",
                    []).ExecuteAsync(httpContext);
                break;
            default:
                Log.Unexpected(logger, exception, request.Method, request.Path, exception.GetType().Name);
                await Problems.Internal().ExecuteAsync(httpContext);
                break;
        }

        return true;
    }

    private static (Fault Fault, string? SqlState) Classify(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case PostgresException pg:
                    return (ByState(pg.SqlState, pg.IsTransient), pg.SqlState);
                case NpgsqlException npgsql:
                    return (npgsql.IsTransient ? Fault.DatabaseUnavailable : Fault.Unexpected, null);
                case TimeoutException:
                    return (Fault.DatabaseUnavailable, null);
                case SiloUnavailableException or OrleansMessageRejectionException or ConnectionFailedException or GatewayTooBusyException or ClientNotAvailableException:
                    return (Fault.ClusterUnavailable, null);

                // A database error raised on another silo, whose type did not cross the wire: judged by its SQLSTATE
                // (its message starts with it), as Alavida.Grains.Data.TransientFaults does.
                case UnavailableExceptionFallbackException { ExceptionType: { } type } fallback when type.StartsWith("Npgsql.", StringComparison.Ordinal):
                    return !type.EndsWith(nameof(PostgresException), StringComparison.Ordinal) ? (Fault.DatabaseUnavailable, null)
                        : SqlState().Match(fallback.Message) is { Success: true } state
                            ? (ByState(state.Groups[1].Value, new PostgresException("", "ERROR", "ERROR", state.Groups[1].Value).IsTransient), state.Groups[1].Value)
                            : (Fault.Unexpected, null);
            }
        }

        return (Fault.Unexpected, null);
    }

    private static Fault ByState(string sqlState, bool transient) =>
        transient ? Fault.DatabaseUnavailable
        : sqlState.StartsWith("22", StringComparison.Ordinal) ? Fault.InvalidData
        : Fault.Unexpected;

    [GeneratedRegex("^([0-9A-Z]{5}):")]
    private static partial Regex SqlState();

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "{Method} {Path}: PostgreSQL refused a value as invalid data ({SqlState}); the edge checks let it through")]
        public static partial void InvalidDataRefused(ILogger logger, string method, string path, string? sqlState);

        [LoggerMessage(2, LogLevel.Error, "{Method} {Path} failed with an unexpected {ExceptionType}")]
        public static partial void Unexpected(ILogger logger, Exception exception, string method, string path, string exceptionType);
    }
}
