using Npgsql;

namespace Alavida.Grains.Data;

/// <summary>The settings every application pool uses on top of the configured connection string.</summary>
public static class PostgresPool
{
    /// <summary>
    /// No reset on close: pooled connections carry no session state of ours (no session SETs, temp tables or session
    /// locks; advisory locks and the mesh steps' planner settings are transaction-scoped, the mesh writer's settings are
    /// startup options of its own pool, and the migrator has its own connection), so the <c>DISCARD ALL</c>
    /// before each reuse is pure cost, and it would also drop the prepared statements. Auto-prepare: the hot statements
    /// are parsed and planned once per connection instead of on every call. Keep-alive: see <see cref="WithKeepAlive"/>.
    /// </summary>
    private static NpgsqlConnectionStringBuilder Tune(NpgsqlConnectionStringBuilder builder)
    {
        builder.NoResetOnClose = true;
        builder.MaxAutoPrepare = 128;
        builder.AutoPrepareMinUsages = 2;
        return WithKeepAlive(builder);
    }

    /// <summary>
    /// An idle connection is checked every second, so those a database restart killed leave the pool within a second of
    /// it instead of each failing the next statement given to it (one failed request per pooled connection). Only idle
    /// connections are checked: a one-byte round trip each, nothing for busy ones. Orleans' own connections use it too.
    /// </summary>
    public static NpgsqlConnectionStringBuilder WithKeepAlive(NpgsqlConnectionStringBuilder builder)
    {
        builder.KeepAlive = 1;
        return builder;
    }

    /// <summary>
    /// A data source with the pool settings of <see cref="Tune(NpgsqlConnectionStringBuilder)"/>. Its batches
    /// (<see cref="NpgsqlBatch"/>: the group commits of <see cref="GroupCommitter"/> and the mesh) are not traced as
    /// database spans: each carries the writes of many requests and runs, so it belongs to no one trace, and a span of
    /// it would cost a copy of every statement's text. Single commands are traced as usual.
    /// </summary>
    public static NpgsqlDataSource Create(NpgsqlConnectionStringBuilder builder)
    {
        var dataSource = new NpgsqlDataSourceBuilder(Tune(builder).ConnectionString);
        dataSource.ConfigureTracing(tracing => tracing.ConfigureBatchFilter(_ => false));
        return dataSource.Build();
    }

    /// <inheritdoc cref="Create(NpgsqlConnectionStringBuilder)"/>
    public static NpgsqlDataSource Create(string connectionString) => Create(new NpgsqlConnectionStringBuilder(connectionString));

    /// <summary>Planner settings that rule out sequential scans, hash and merge joins (see <see cref="PlannedByIndex"/>).</summary>
    public const string ByIndexPlannerSettings = "-c enable_seqscan=off -c enable_hashjoin=off -c enable_mergejoin=off";

    /// <summary>
    /// For a pool whose statements all find their rows by key (arrays of a batch joined to a table with <c>unnest</c>):
    /// its sessions plan by index, whatever a table's size was when a statement was planned. A prepared statement keeps
    /// its plan for the connection's life, and one made while a table was nearly empty (a fresh install, the first
    /// minutes) scans and hashes the whole table long after it has grown. A statement with no usable index still runs
    /// (the settings make a scan costly, not impossible). Added to the server options the connection string may already
    /// carry, not in their place.
    /// </summary>
    public static NpgsqlConnectionStringBuilder PlannedByIndex(NpgsqlConnectionStringBuilder builder)
    {
        builder.Options = string.IsNullOrWhiteSpace(builder.Options) ? ByIndexPlannerSettings : $"{builder.Options} {ByIndexPlannerSettings}";
        return builder;
    }
}
