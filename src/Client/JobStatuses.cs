using System.Text.Json;

namespace Alavida.Client;

/// <summary>A job's statuses as the API names them, and which of them are final.</summary>
public static class JobStatuses
{
    public static readonly IReadOnlyList<string> All = ["queued", "running", "succeeded", "failed", "cancelled"];

    public static readonly IReadOnlyList<string> Final = ["succeeded", "failed", "cancelled"];

    /// <summary>Whether a job (the API's JSON) has finished: its status will not change again.</summary>
    public static bool IsFinal(JsonElement job) =>
        job.TryGetProperty("status", out var status) && status.ValueKind == JsonValueKind.String && Final.Contains(status.GetString());
}
