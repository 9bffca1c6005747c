using System.Text.Json;
using Alavida.Grains.Platform;

namespace Alavida.Api.Endpoints;

/// <summary>The 202 of <c>POST /{quantum}/run/{action}</c>.</summary>
public sealed record RunAccepted(Guid JobId, string TraceId, string Quantum, string Action, string Status, string StatusUrl);

/// <summary>A job as the API shows it (snake_case on the wire).</summary>
public sealed record JobResponse(
    Guid JobId,
    string TraceId,
    string Quantum,
    string Action,
    string Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? EndedAt,
    JsonElement Input,
    JsonElement? Result,
    JsonElement? Usage,
    JsonElement? Error,
    JsonElement? Progress)
{
    public static JobResponse From(JobView job) => new(
        job.JobId, job.TraceId, job.Quantum, job.Action, job.Status.ToString().ToLowerInvariant(), job.CreatedAt, job.StartedAt, job.EndedAt,
        Json(job.InputJson)!.Value, Json(job.ResultJson), Json(job.UsageJson), Json(job.ErrorJson), Json(job.ProgressJson));

    private static JsonElement? Json(string? text) => text is null ? null : JsonDocument.Parse(text).RootElement.Clone();
}

/// <summary>Every list: a page of items and the cursor of the next page.</summary>
public sealed record ListResponse<T>(IReadOnlyList<T> Items, string? NextCursor);

/// <summary><c>GET /credits</c>.</summary>
public sealed record CreditsResponse(long Balance, long LifetimeUsed, long Reserved)
{
    public static CreditsResponse From(CreditBalance b) => new(b.Balance, b.LifetimeUsed, b.Reserved);
}

/// <summary>
/// <c>GET /credits</c>: the balance with what billing knows: credits bought (grants are not purchases), the low-balance
/// threshold and whether the balance is below it, and refunded credits that had been spent already.
/// </summary>
public sealed record AccountResponse(
    long Balance, long LifetimeUsed, long Reserved, long LifetimePurchased, long? LowBalanceThreshold, bool LowBalance, DateTimeOffset? LowSince, long RefundShortfall)
{
    public static AccountResponse From(TeamAccount account) => From(account.Credits, account.Billing);

    private static AccountResponse From(CreditBalance b, Alavida.Grains.Billing.BillingStatus s) =>
        new(b.Balance, b.LifetimeUsed, b.Reserved, s.LifetimePurchased, s.LowBalanceThreshold, s.LowSince is not null, s.LowSince, s.RefundShortfall);
}

/// <summary><c>GET /credits/usage</c>: per job (paged) and per quantum (totals over the same filters).</summary>
public sealed record UsageResponse(IReadOnlyList<JobUsage> Items, string? NextCursor, IReadOnlyList<QuantumUsage> ByQuantum);

/// <summary><c>GET /{quantum}/health</c>.</summary>
public sealed record QuantumHealth(string Quantum, string Version, string Status, DateTimeOffset Timestamp, IReadOnlyList<ActionHealth> Actions);

/// <summary>Whether an action runs on this deployment.</summary>
public sealed record ActionHealth(string Name, bool Available);
