using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Alavida.Api.Endpoints;

/// <summary>The <c>Idempotency-Key</c> request header, read and checked the same way everywhere.</summary>
internal static class IdempotencyKeyHeader
{
    public const string Name = "Idempotency-Key";
    public const int MaxLength = 255;

    /// <summary>The key (null when absent), or a 400 problem when it is too long or not printable.</summary>
    public static (string? Key, ProblemHttpResult? Problem) Read(HttpRequest request)
    {
        var key = request.Headers[Name].ToString();
        if (key.Length > MaxLength || key.Any(char.IsControl))
        {
            return (null, Problems.BadRequest($"{Name} must be at most {MaxLength} printable characters."));
        }

        return (key.Length > 0 ? key : null, null);
    }
}
