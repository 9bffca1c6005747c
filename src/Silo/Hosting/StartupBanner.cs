using System.Text;
using Alavida.Grains.Platform;

namespace Alavida.Silo.Hosting;

/// <summary>Where the start-up banner is written: standard error unless a host (a test) registers another writer.</summary>
/// <param name="Writer">The writer.</param>
public sealed record StartupConsole(TextWriter Writer);

/// <summary>What the banner says: where the platform listens, the admin key's origin and the development team.</summary>
/// <param name="Address">The HTTP address.</param>
/// <param name="AdminKey">Where the admin key came from (its value only when it was not configured).</param>
/// <param name="CreatedTeam">The development team made on this start (its key shown only now).</param>
/// <param name="ExistingTeam">The development team an earlier start made.</param>
/// <param name="Management">The management listener's address (metrics, the Orleans dashboard), if any.</param>
public sealed record BannerFacts(string Address, AdminKeySource AdminKey, TeamCreated? CreatedTeam, TeamView? ExistingTeam, string? Management = null);

/// <summary>
/// The plain-text banner a newcomer reads on the console: on the first start the development team's key, the admin
/// key and the next commands; on later starts that the team exists and how to give it a new key. The log carries the
/// same events without the secrets.
/// </summary>
public static class StartupBanner
{
    public static string Render(BannerFacts facts)
    {
        var url = facts.Address;
        var text = new StringBuilder().AppendLine().AppendLine($"  Alavida is ready at {url}").AppendLine();
        var admin = AdminBearer(facts.AdminKey);
        if (facts.CreatedTeam is { } created)
        {
            text.AppendLine($"  Fresh database: created the development team '{created.Name}' with {created.Credits.Balance} credits.")
                .AppendLine("  Its API key, shown only this once:")
                .AppendLine()
                .AppendLine($"      {created.ApiKey.Secret}")
                .AppendLine()
                .AppendLine(AdminKeyLine(facts.AdminKey, first: true))
                .AppendLine()
                .AppendLine("  Next, in another terminal:")
                .AppendLine($"      export ALAVIDA_URL={url} ALAVIDA_API_KEY={created.ApiKey.Secret}")
                .AppendLine("      curl -s -H \"Authorization: Bearer $ALAVIDA_API_KEY\" $ALAVIDA_URL/credits")
                .AppendLine("      dotnet run --project samples/prospect");
        }
        else if (facts.ExistingTeam is { } team)
        {
            text.AppendLine($"  The development team '{team.Name}' ({team.TeamId}) exists; its API key was shown on the first start only.")
                .AppendLine("  A new key for it, from the admin API:")
                .AppendLine($"      curl -s -X POST -H \"Authorization: Bearer {admin}\" -H 'Content-Type: application/json' \\")
                .AppendLine($"           -d '{{\"name\":\"dev\"}}' {url}/admin/teams/{team.TeamId}/api-keys")
                .AppendLine(AdminKeyLine(facts.AdminKey, first: false));
        }
        else
        {
            text.AppendLine(AdminKeyLine(facts.AdminKey, first: false))
                .AppendLine($"  Teams and their keys: curl -s -H \"Authorization: Bearer {admin}\" {url}/admin/teams");
        }

        text.AppendLine()
            .AppendLine($"  Dashboard: {url}/app · API reference: {url}/reference · health: {url}/health");
        if (facts.Management is { } management)
        {
            text.AppendLine($"  Metrics and the Orleans dashboard (the management listener; the dashboard after the admin's sign-in at {url}/app): {management}/metrics · {management}/dashboard");
        }

        return text.AppendLine().ToString();
    }

    private static string AdminKeyLine(AdminKeySource key, bool first) => key.Origin switch
    {
        AdminKeyOrigin.Configured => "  Admin key (/admin/…): the configured Platform:AdminKey.",
        AdminKeyOrigin.Created or AdminKeyOrigin.Stored when first =>
            $"  Admin key (/admin/…): {key.Key}{Environment.NewLine}  kept in {key.File} (mode 0600) for later starts; set Platform__AdminKey to choose your own.",
        AdminKeyOrigin.Created or AdminKeyOrigin.Stored => $"  Admin key (/admin/…): in {key.File} (set Platform__AdminKey to choose your own).",
        _ => $"  Admin key (/admin/…), for this process only since {key.File} could not be written ({key.Problem}): {key.Key}",
    };

    /// <summary>The admin key as a shell command line shows it: read from its file, never a configured key's value.</summary>
    private static string AdminBearer(AdminKeySource key) => key.Origin switch
    {
        AdminKeyOrigin.Configured => "<your Platform:AdminKey>",
        AdminKeyOrigin.ThisProcessOnly => key.Key!,
        _ => $"$(cat {key.File})",
    };
}
