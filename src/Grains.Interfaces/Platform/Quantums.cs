namespace Alavida.Grains.Platform;

/// <summary>The six quantums every deployment serves, by their kebab-case slug (routes, config, logs, registry).</summary>
public static class Quantums
{
    /// <summary>Resolves companies and people to stable UUIDs.</summary>
    public const string Identity = "identity";

    /// <summary>Qualifies companies against an ideal customer profile.</summary>
    public const string IcpDiscovery = "icp-discovery";

    /// <summary>Finds leads at qualified companies.</summary>
    public const string LeadDiscovery = "lead-discovery";

    /// <summary>Scores buying signals.</summary>
    public const string BuyingSignals = "buying-signals";

    /// <summary>Ingests meeting transcripts from connectors.</summary>
    public const string MeetingSync = "meeting-sync";

    /// <summary>Analyses meeting transcripts.</summary>
    public const string MeetingAnalysis = "meeting-analysis";

    /// <summary>All quantum slugs.</summary>
    public static IReadOnlyList<string> All { get; } = [Identity, IcpDiscovery, LeadDiscovery, BuyingSignals, MeetingSync, MeetingAnalysis];
}

/// <summary>One page of a list and the cursor of the next page (null on the last page).</summary>
/// <typeparam name="T">The item type.</typeparam>
/// <param name="Items">The items of this page.</param>
/// <param name="NextCursor">Opaque cursor for the next page, or null.</param>
[GenerateSerializer, Immutable, Alias("Alavida.Platform.Page`1")]
public sealed record Page<T>([property: Id(0)] IReadOnlyList<T> Items, [property: Id(1)] string? NextCursor);
