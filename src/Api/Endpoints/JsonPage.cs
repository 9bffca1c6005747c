using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Alavida.Api.Endpoints;

/// <summary>A list page whose items PostgreSQL already rendered as JSON: written as they are, not parsed again.</summary>
internal static class JsonPage
{
    /// <summary><c>{"items": [...], "next_cursor": …}</c>, as every list answers.</summary>
    public static IResult Of(IReadOnlyList<string> itemsJson, string? nextCursor)
    {
        var json = new StringBuilder("{\"items\":[").AppendJoin(',', itemsJson).Append("],\"next_cursor\":")
            .Append(nextCursor is null ? "null" : JsonSerializer.Serialize(nextCursor)).Append('}');
        return Results.Text(json.ToString(), "application/json", Encoding.UTF8);
    }
}
