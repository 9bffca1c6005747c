namespace Alavida.Api.Hosting;

/// <summary>Platform settings, section <c>Platform</c>.</summary>
public sealed class PlatformOptions
{
    public const string SectionName = "Platform";

    /// <summary>
    /// The platform admin key for <c>/admin/…</c> (<c>Authorization: Bearer …</c>). When unset, a random one is made
    /// on the first start, shown in the start-up banner and kept in <c>.data/admin-key</c> for later starts, which
    /// suits a laptop; set it in any shared deployment. A configured key is never shown or logged.
    /// </summary>
    public string? AdminKey { get; set; }

    /// <summary>On an empty database, create a development team and print its API key in the start-up banner (so a newcomer can call the API at once).</summary>
    public bool CreateDevTeam { get; set; } = true;

    /// <summary>Opening credits of that development team.</summary>
    public long DevTeamCredits { get; set; } = 1000;

    /// <summary>Largest accepted request body, in bytes (larger ones get 413).</summary>
    public long MaxRequestBodyBytes { get; set; } = 2 * 1024 * 1024;
}
