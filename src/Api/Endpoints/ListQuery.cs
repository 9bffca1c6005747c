using System.Globalization;
using Alavida.Grains.Platform;
using Microsoft.AspNetCore.Http;

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

    public void AddError(string field, string message) => _errors.Add(new FieldError(field, message));
}
