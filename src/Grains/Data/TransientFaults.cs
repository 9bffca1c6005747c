using System.Net.Sockets;
using System.Text.RegularExpressions;
using Npgsql;
using Orleans.Runtime.Messaging;
using Orleans.Serialization;

namespace Alavida.Grains.Data;

/// <summary>
/// Tells a transient infrastructure fault (the database unreachable, restarting or out of connections, a serialisation
/// failure or deadlock, a silo or the cluster unavailable, a timeout talking to either) from a failure of the work
/// itself. A transient fault is worth retrying: the same call can succeed once the infrastructure is back. Anything
/// else (a bug, a constraint the data breaks, bad input) would fail again the same way.
/// </summary>
public static partial class TransientFaults
{
    /// <summary>True when <paramref name="exception"/>, or an exception it wraps, is a transient fault.</summary>
    public static bool IsTransient(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (IsTransientItself(e))
            {
                return true;
            }

            if (e is AggregateException aggregate && aggregate.InnerExceptions.Any(IsTransient))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>What the fault was, in a few words, for a job's error or a log line (never the data involved).</summary>
    public static string Describe(Exception exception) => Innermost(exception) switch
    {
        PostgresException pg => $"PostgreSQL refused with {pg.SqlState} ({pg.MessageText})",
        NpgsqlException or SocketException or IOException => "the database could not be reached",
        SiloUnavailableException or OrleansMessageRejectionException or ConnectionFailedException => "a silo of the cluster was unavailable",
        TimeoutException => "a call timed out",
        var other => other.GetType().Name,
    };

    private static bool IsTransientItself(Exception e) => e switch
    {
        NpgsqlException npgsql => npgsql.IsTransient,
        SocketException or TimeoutException => true,
        SiloUnavailableException or OrleansMessageRejectionException or ConnectionFailedException or GatewayTooBusyException => true,
        ClientNotAvailableException => true,

        // A database error raised on another silo whose type did not cross the wire: judge it by its SQLSTATE.
        UnavailableExceptionFallbackException { ExceptionType: { } type } fallback => type.StartsWith("Npgsql.", StringComparison.Ordinal)
            && (!type.EndsWith(nameof(PostgresException), StringComparison.Ordinal)
                || (SqlState().Match(fallback.Message) is { Success: true } state && IsTransientSqlState(state.Groups[1].Value))),
        _ => false,
    };

    private static bool IsTransientSqlState(string sqlState) => new PostgresException("", "ERROR", "ERROR", sqlState).IsTransient;

    private static Exception Innermost(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (IsTransientItself(e))
            {
                return e;
            }
        }

        return exception;
    }

    // PostgresException's message starts with its SQLSTATE: "57P03: the database system is starting up".
    [GeneratedRegex("^([0-9A-Z]{5}):")]
    private static partial Regex SqlState();
}
