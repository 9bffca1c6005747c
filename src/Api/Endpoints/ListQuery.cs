using System.Globalization;
using Alavida.Grains.Platform;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Alavida.Api.Endpoints;

/// <summary>Parses the query parameters every list shares (<c>limit</c>, <c>cursor</c>, <c>since</c>), naming bad ones.</summary>
internal sealed class ListQuery
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 200;

    private readonly List<FieldError> _errors = [];

    private ListQuery()
    {
    }

    public int Limit { get; private set; } = DefaultLimit;

    public string? Cursor { get; private set; }

    public DateTimeOffset? Since { get; private set; }

    public IReadOnlyList<FieldError> Errors => _errors;

    /// <summary>Parses the shared parameters; <paramref name="validateCursor"/> is false where another component owns the cursor format.</summary>
    public static ListQuery Parse(HttpRequest request, bool validateCursor = true)
    {
        var query = new ListQuery();
        var limit = request.Query["limit"].ToString();
        if (limit.Length > 0)
        {
            if (int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value is >= 1 and <= MaxLimit)
            {
                query.Limit = value;
            }
            else
            {
                query.AddError("limit", $"must be a whole number from 1 to {MaxLimit}");
            }
        }

        var cursor = request.Query["cursor"].ToString();
        if (cursor.Length > 0)
        {
            if (!validateCursor || PageCursor.TryDecode(cursor, out _))
            {
                query.Cursor = cursor;
            }
            else
            {
                query.AddError("cursor", "is not a cursor this API returned; pass back next_cursor unchanged");
            }
        }

        var since = request.Query["since"].ToString();
        if (since.Length > 0)
        {
            if (DateTimeOffset.TryParse(since, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var when))
            {
                query.Since = when;
            }
            else
            {
                query.AddError("since", "must be an ISO 8601 date or date-time, e.g. 2026-11-25T00:00:00Z");
            }
        }

        return query;
    }

    /// <summary>
    /// The query of a list paged by <c>limit</c> and <c>cursor</c> only (<paramref name="list"/> names it in the
    /// problem): the query, or a 422 problem naming each bad parameter (<c>since</c> included, which it does not take).
    /// </summary>
    public static (ListQuery? Query, ProblemHttpResult? Problem) ParsePaged(HttpRequest request, string list)
    {
        var query = Parse(request);
        if (query.Since is not null)
        {
            query.AddError("since", $"is not a filter of the {list} list (limit and cursor are)");
        }

        return query.Errors.Count > 0 ? (null, Problems.Invalid("The query is invalid.", query.Errors)) : (query, null);
    }

    public void AddError(string field, string message) => _errors.Add(new FieldError(field, message));

    /// <summary>A UUID filter; null when absent, and an error recorded when it is not a UUID.</summary>
    public Guid? ParseId(string field, string? value)
    {
        if (value is null)
        {
            return null;
        }

        if (Guid.TryParse(value, out var id))
        {
            return id;
        }

        AddError(field, "must be a UUID");
        return null;
    }

    /// <summary>A trace id filter (32 hex digits; a UUID is accepted too); null when absent, an error recorded when malformed.</summary>
    public string? ParseTraceId(string field, string? value)
    {
        if (value is null)
        {
            return null;
        }

        if (TraceIds.TryNormalize(value, out var trace))
        {
            return trace;
        }

        AddError(field, "must be a trace id: 32 hexadecimal digits (a job id), or an event's trace id of at most 256 printable characters");
        return null;
    }
}

/// <summary>Trace ids as the API accepts them: a job's (32 hex digits) or any event's trace id, as it was sent.</summary>
public static class TraceIds
{
    /// <summary>
    /// The stored form of <paramref name="value"/>: a job's 32 hex digits in lowercase (as jobs write them); any other
    /// id exactly as given, since events keep the trace id their sender chose (a UUID with dashes stays one).
    /// </summary>
    public static bool TryNormalize(string value, out string traceId)
    {
        traceId = value.Length == 32 && value.All(char.IsAsciiHexDigit) ? value.ToLowerInvariant() : value;
        return value.Length is > 0 and <= 256 && value.All(c => c > ' ' && c < 127);
    }
}
