using System.Text.Json.Nodes;

namespace Alavida.Grains.Platform;

/// <summary>The <c>usage</c> document of a finished job: units and credits, plus the quantum's own figures.</summary>
internal static class JobUsageDocument
{
    public static string Build(int units, long pricePerUnit, long reserved, long charged, long refunded, string? metricsJson)
    {
        var usage = new JsonObject
        {
            ["units"] = units,
            ["price_per_unit"] = pricePerUnit,
            ["credits_reserved"] = reserved,
            ["credits_charged"] = charged,
            ["credits_refunded"] = refunded,
        };
        if (metricsJson is not null && JsonNode.Parse(metricsJson) is JsonObject metrics)
        {
            foreach (var (key, value) in metrics)
            {
                usage[key] ??= value?.DeepClone();
            }
        }

        return usage.ToJsonString();
    }
}
