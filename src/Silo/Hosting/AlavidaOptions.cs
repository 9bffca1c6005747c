using System.ComponentModel.DataAnnotations;

namespace Alavida.Silo.Hosting;

/// <summary>What this process hosts.</summary>
public enum HostRole
{
    /// <summary>Silo and HTTP gateway in one process: the default, for local use, small deployments and tests.</summary>
    All,

    /// <summary>A silo only (grains, reminders, dashboard); its HTTP port serves health, metrics and the dashboard.</summary>
    Silo,

    /// <summary>The HTTP gateway as an Orleans client of silos that run elsewhere.</summary>
    Gateway,
}

/// <summary>Platform host settings, section <c>Alavida</c>.</summary>
public sealed class AlavidaOptions
{
    public const string SectionName = "Alavida";

    /// <summary>What this process hosts (<c>All</c>, <c>Silo</c> or <c>Gateway</c>).</summary>
    [Required]
    public HostRole Role { get; set; } = HostRole.All;

    /// <summary>
    /// Where the zero-config PostgreSQL keeps its files when no connection string is set. Relative paths are taken
    /// from the repository root (the folder holding <c>Alavida.sln</c>), else from the working directory.
    /// </summary>
    [Required]
    public string LocalPostgresDirectory { get; set; } = ".data/postgres";

    /// <summary>Apply the database migrations at start-up (silo roles only).</summary>
    public bool MigrateOnStart { get; set; } = true;

    /// <summary>
    /// Apply contract migrations too (the step that removes what the previous release still uses). Set it to false for
    /// a rolling upgrade, while processes of the previous release run, then back to true (ADR 0007).
    /// </summary>
    public bool ContractMigrations { get; set; } = true;
}

/// <summary>Orleans cluster settings, section <c>Orleans</c>.</summary>
public sealed class OrleansClusterOptions
{
    public const string SectionName = "Orleans";

    /// <summary>The cluster a silo joins; silos with the same ClusterId and database form one cluster.</summary>
    [Required]
    public string ClusterId { get; set; } = "alavida-local";

    /// <summary>The service identity: grain state and reminders are keyed by it, so keep it stable across deployments.</summary>
    [Required]
    public string ServiceId { get; set; } = "alavida";

    /// <summary>Silo-to-silo port.</summary>
    [Range(1, 65535)]
    public int SiloPort { get; set; } = 11111;

    /// <summary>Client gateway port.</summary>
    [Range(1, 65535)]
    public int GatewayPort { get; set; } = 30000;

    /// <summary>
    /// The address other silos and clients use to reach this silo: an IP or a host name (resolved at start-up).
    /// Defaults to loopback, which suits a single machine; set it in containers.
    /// </summary>
    [Required]
    public string AdvertisedAddress { get; set; } = "127.0.0.1";
}
