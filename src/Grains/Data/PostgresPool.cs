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
    /// are parsed and planned once per connection instead of on every call.
    /// </summary>
    private static NpgsqlConnectionStringBuilder Tune(NpgsqlConnectionStringBuilder builder)
    {
        builder.NoResetOnClose = true;
        builder.MaxAutoPrepare = 128;
        builder.AutoPrepareMinUsages = 2;
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
}
