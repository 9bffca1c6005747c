using Alavida.Grains.Data;
using Npgsql;

namespace Alavida.Grains.Mesh;

/// <summary>
/// The mesh writer's own connection pool. Its statements join arrays of a batch (<c>unnest</c>) to the mesh tables by
/// key, and are prepared: PostgreSQL plans them once per connection and keeps that plan. A plan made while a table
/// was nearly empty (a fresh install, the first minutes) scans and hashes the whole table, and stays in use after the
/// table has grown: a status update of a few runs then reads every run (measured: 5 ms per batch at 30k runs, 78 ms
/// when it also waited on a row). So these sessions rule out sequential scans, hash and merge joins: every mesh write
/// finds its rows by index, whatever the table's size was when it was planned.
/// </summary>
public sealed class MeshDatabase(string connectionString) : IAsyncDisposable
{
    /// <summary>Connections for the writer (one batch at a time) and its rare retries.</summary>
    public NpgsqlDataSource Writer { get; } = PostgresPool.Create(WriterSettings(connectionString));

    private static NpgsqlConnectionStringBuilder WriterSettings(string connectionString)
    {
        return PostgresPool.PlannedByIndex(new NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = 4, ApplicationName = "alavida-mesh" });
    }

    public ValueTask DisposeAsync() => Writer.DisposeAsync();
}
