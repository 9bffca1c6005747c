using System.Data;
using Npgsql;

namespace Alavida.Grains.Platform;

/// <summary>Small helpers for the platform's SQL: a transaction scope and status text mapping.</summary>
internal static class Db
{
    public static async Task<T> InTransactionAsync<T>(this NpgsqlDataSource dataSource, Func<NpgsqlConnection, NpgsqlTransaction, Task<T>> work)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted);
        var result = await work(connection, transaction);
        await transaction.CommitAsync();
        return result;
    }

    public static string ToText(this JobStatus status) => status switch
    {
        JobStatus.Queued => "queued",
        JobStatus.Running => "running",
        JobStatus.Succeeded => "succeeded",
        JobStatus.Failed => "failed",
        JobStatus.Cancelled => "cancelled",
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };

    public static JobStatus ParseStatus(string text) => text switch
    {
        "queued" => JobStatus.Queued,
        "running" => JobStatus.Running,
        "succeeded" => JobStatus.Succeeded,
        "failed" => JobStatus.Failed,
        "cancelled" => JobStatus.Cancelled,
        _ => throw new InvalidOperationException($"Unknown job status '{text}'."),
    };

    /// <summary>timestamptz arrives as a UTC DateTime.</summary>
    public static DateTimeOffset Utc(this DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));

    public static DateTimeOffset? Utc(this DateTime? value) => value?.Utc();
}
