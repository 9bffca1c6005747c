using System.Reflection;
using Alavida.Grains.Registry;
using DbUp;
using DbUp.Engine.Output;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Alavida.Grains.Data;

/// <summary>
/// Applies each component's plain SQL migrations (embedded as <c>Migrations/&lt;component&gt;/NNNN_name.sql</c>) with
/// DbUp, one journal per component in that component's own schema. Safe to run from several silos at once: a
/// PostgreSQL advisory lock serialises them, and a re-run applies nothing.
/// </summary>
public static partial class DatabaseMigrator
{
    /// <summary>The journal table each component keeps in its own schema.</summary>
    public const string JournalTable = "schema_versions";

    // Arbitrary, fixed: the advisory lock key every Alavida process uses while migrating.
    private const long MigrationLockKey = 0x416C_6176_6964_61;

    /// <summary>Components in the order they are migrated: folder name under <c>Migrations/</c> and schema.</summary>
    public static IReadOnlyList<MigrationComponent> Components { get; } =
    [
        new("public", "public"),
        new("orleans", "orleans"),
        new("mesh", "mesh"),
        new("identity", "identity"),
        new("icp_discovery", "icp_discovery"),
        new("lead_discovery", "lead_discovery"),
        new("buying_signals", "buying_signals"),
        new("webhooks", "webhooks"),
        new("meetings", "meetings"),
        new("meeting_analysis", "meeting_analysis"),
        new("dashboard", "dashboard"),
    ];

    /// <summary>
    /// Migrates every component; returns the scripts applied per component (empty lists on a re-run). Contract scripts
    /// (<c>NNNN_contract_*.sql</c>: the last step of an expand → migrate → contract change, which removes what the previous
    /// release still uses) are held back when <paramref name="contract"/> is false — during a rolling upgrade, until no
    /// process of the previous release runs — and applied by a later run with it true (ADR 0007).
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, IReadOnlyList<string>>> MigrateAsync(
        string connectionString, ILogger logger, CancellationToken cancellationToken = default, bool contract = true)
    {
        await using var lockConnection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await lockConnection.OpenAsync(cancellationToken);
        await ExecuteAsync(lockConnection, $"SELECT pg_advisory_lock({MigrationLockKey})", cancellationToken);
        try
        {
            var applied = new Dictionary<string, IReadOnlyList<string>>();
            foreach (var component in Components)
            {
                applied[component.Name] = await MigrateComponentAsync(lockConnection, connectionString, component, contract, logger, cancellationToken);
            }

            // Registry rows are data shipped with the build: published after the schema is in place, under the same lock.
            Log.RegistryPublished(logger, await RegistrySeeder.SeedAsync(lockConnection, cancellationToken));
            return applied;
        }
        finally
        {
            await ExecuteAsync(lockConnection, $"SELECT pg_advisory_unlock({MigrationLockKey})", CancellationToken.None);
        }
    }

    /// <summary>Whether a script (its name under its component's folder) is a contract step.</summary>
    public static bool IsContract(string script) => script.Length > 5 && script[4] == '_' && script[5..].StartsWith("contract_", StringComparison.Ordinal);

    private static async Task<IReadOnlyList<string>> MigrateComponentAsync(
        NpgsqlConnection connection, string connectionString, MigrationComponent component, bool contract, ILogger logger, CancellationToken cancellationToken)
    {
        // The schema must exist before DbUp creates its journal there; scripts run with it first on the search path.
        await ExecuteAsync(connection, $"CREATE SCHEMA IF NOT EXISTS {component.Schema}", cancellationToken);
        var componentConnection = new NpgsqlConnectionStringBuilder(connectionString) { SearchPath = component.Schema }.ConnectionString;
        var prefix = $"{typeof(DatabaseMigrator).Assembly.GetName().Name}.Migrations.{component.Name}.";

        var upgrader = DeployChanges.To
            .PostgresqlDatabase(componentConnection)
            .WithScriptsEmbeddedInAssembly(Assembly.GetExecutingAssembly(), name => name.StartsWith(prefix, StringComparison.Ordinal)
                && (contract || !IsContract(name[prefix.Length..])))
            .JournalToPostgresqlTable(component.Schema, JournalTable)
            .WithTransactionPerScript()
            .LogTo(new DbUpLog(logger))
            .Build();

        var result = await Task.Run(upgrader.PerformUpgrade, cancellationToken);
        if (!result.Successful)
        {
            throw new InvalidOperationException(
                $"Migration of component '{component.Name}' failed in script '{result.ErrorScript?.Name}': {result.Error.Message}", result.Error);
        }

        var scripts = result.Scripts.Select(s => s.Name[prefix.Length..]).ToList();
        Log.ComponentMigrated(logger, component.Name, scripts.Count);
        if (!contract)
        {
            var applied = upgrader.GetExecutedScripts().ToHashSet();
            var heldBack = Assembly.GetExecutingAssembly().GetManifestResourceNames()
                .Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && IsContract(n[prefix.Length..]) && !applied.Contains(n)).ToList();
            if (heldBack.Count > 0)
            {
                Log.ContractHeldBack(logger, component.Name, string.Join(", ", heldBack.Select(n => n[prefix.Length..])));
            }
        }

        return scripts;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private sealed class DbUpLog(ILogger logger) : IUpgradeLog
    {
        public void LogTrace(string format, params object[] args) { }

        public void LogDebug(string format, params object[] args) { }

        public void LogInformation(string format, params object[] args) => Log.DbUpMessage(logger, string.Format(format, args));

        public void LogWarning(string format, params object[] args) => Log.DbUpWarning(logger, string.Format(format, args));

        public void LogError(string format, params object[] args) => Log.DbUpError(logger, string.Format(format, args));

        public void LogError(Exception ex, string format, params object[] args) => Log.DbUpError(logger, string.Format(format, args));
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Migrations for component {Component}: {Count} script(s) applied")]
        public static partial void ComponentMigrated(ILogger logger, string component, int count);

        [LoggerMessage(6, LogLevel.Warning, "Migrations for component {Component}: contract script(s) held back (Alavida:ContractMigrations is false): {Scripts}")]
        public static partial void ContractHeldBack(ILogger logger, string component, string scripts);

        [LoggerMessage(5, LogLevel.Information, "Registry: {Count} component version(s) published or updated")]
        public static partial void RegistryPublished(ILogger logger, int count);

        [LoggerMessage(2, LogLevel.Debug, "DbUp: {Message}")]
        public static partial void DbUpMessage(ILogger logger, string message);

        [LoggerMessage(3, LogLevel.Warning, "DbUp: {Message}")]
        public static partial void DbUpWarning(ILogger logger, string message);

        [LoggerMessage(4, LogLevel.Error, "DbUp: {Message}")]
        public static partial void DbUpError(ILogger logger, string message);
    }
}

/// <summary>A component whose migrations live in <c>Migrations/{Name}/</c> and whose tables live in <paramref name="Schema"/>.</summary>
public sealed record MigrationComponent(string Name, string Schema);
