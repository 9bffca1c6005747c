using System.Net.Http.Json;
using Alavida.Tests.Gateway;

namespace Alavida.Tests.Cli;

/// <summary><c>alavida auth</c> and where the CLI finds its platform and key, against a real platform.</summary>
[Collection(GatewayCollection.Name)]
public sealed class CliAuthTests(GatewayFixture gateway)
{
    private string Url => gateway.Host.Address.ToString().TrimEnd('/');

    [Fact]
    public async Task Login_ChecksTheKeyFromStandardInput_AndKeepsItReadableByTheUserOnly_ThenWhoamiUsesIt()
    {
        var team = await gateway.CreateTeamAsync(321, name: $"cli-login-{Guid.NewGuid():N}");
        using var cli = new CliRunner();

        var login = await cli.RunAsync(team.ApiKey + "\n", CancellationToken.None, "auth", "login", "--url", Url);
        var whoami = await cli.RunAsync("auth", "whoami", "--json");
        var human = await cli.RunAsync("auth", "whoami");

        Assert.True(login.ExitCode == 0, login.ToString());
        Assert.DoesNotContain(team.ApiKey, login.Out + login.Error);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(cli.ConfigPath));
        }

        Assert.Contains(team.ApiKey, await File.ReadAllTextAsync(cli.ConfigPath));
        Assert.True(whoami.ExitCode == 0, whoami.ToString());
        var me = whoami.Json;
        Assert.Equal(team.TeamId.ToString(), me.GetProperty("team_id").GetString());
        Assert.StartsWith("cli-login-", me.GetProperty("team_name").GetString());
        Assert.Equal(321, me.GetProperty("balance").GetInt64());
        Assert.Equal(Url, me.GetProperty("url").GetString());
        Assert.False(string.IsNullOrEmpty(me.GetProperty("key_name").GetString()));
        Assert.Contains("321 credits", human.Out);
    }

    [Fact]
    public async Task Login_WithAnUnknownKey_ExitsWithTheAuthCode_AndSavesNothing()
    {
        var team = await gateway.CreateTeamAsync(1);
        using var cli = new CliRunner();

        var login = await cli.RunAsync(team.ApiKey[..^6] + "AAAAAA\n", CancellationToken.None, "auth", "login", "--url", Url);
        var empty = await cli.RunAsync("\n", CancellationToken.None, "auth", "login", "--url", Url);

        Assert.True(login.ExitCode == 3, login.ToString());
        Assert.Contains("unknown or has been revoked", login.Error);
        Assert.Single(login.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(2, empty.ExitCode);
        Assert.False(File.Exists(cli.ConfigPath));
    }

    [Fact]
    public async Task Login_ReplacesAnUnreadableConfigFile_AndAPlatformUrlWithAPathKeepsIt()
    {
        var team = await gateway.CreateTeamAsync(5);
        using var cli = new CliRunner();
        Directory.CreateDirectory(Path.GetDirectoryName(cli.ConfigPath)!);
        await File.WriteAllTextAsync(cli.ConfigPath, "{not json");

        var broken = await cli.RunAsync("credits");
        var login = await cli.RunAsync(team.ApiKey, CancellationToken.None, "auth", "login", "--url", Url);
        var credits = await cli.RunAsync("credits", "--json");
        cli.With("ALAVIDA_URL", $"{Url}/behind/a/proxy");
        var prefixed = await cli.RunAsync("credits");

        Assert.Equal(3, broken.ExitCode);
        Assert.Contains("not valid JSON", broken.Error);
        Assert.True(login.ExitCode == 0, login.ToString());
        Assert.Equal(5, credits.Json.GetProperty("balance").GetInt64());
        Assert.Equal(4, prefixed.ExitCode);
        Assert.Contains("/behind/a/proxy/credits", prefixed.Error); // the base's path is kept, not replaced by /credits
    }

    [Fact]
    public async Task EnvironmentVariables_OverrideTheSavedUrlAndKey()
    {
        var saved = await gateway.CreateTeamAsync(10);
        var fromEnv = await gateway.CreateTeamAsync(20);
        using var cli = new CliRunner();
        await cli.RunAsync(saved.ApiKey, CancellationToken.None, "auth", "login", "--url", Url);

        var bySaved = await cli.RunAsync("auth", "whoami", "--json");
        cli.With("ALAVIDA_API_KEY", fromEnv.ApiKey);
        var byEnv = await cli.RunAsync("auth", "whoami", "--json");
        cli.With("ALAVIDA_URL", "http://127.0.0.1:1");
        var unreachable = await cli.RunAsync("credits");

        Assert.Equal(saved.TeamId.ToString(), bySaved.Json.GetProperty("team_id").GetString());
        Assert.Equal(fromEnv.TeamId.ToString(), byEnv.Json.GetProperty("team_id").GetString());
        Assert.Equal(1, unreachable.ExitCode);
        Assert.Contains("Could not reach Alavida at http://127.0.0.1:1/", unreachable.Error);
    }

    [Fact]
    public async Task Logout_ForgetsTheKey_AndARevokedKeyExitsWithTheAuthCode()
    {
        var team = await gateway.CreateTeamAsync(10);
        using var cli = new CliRunner();
        await cli.RunAsync(team.ApiKey, CancellationToken.None, "auth", "login", "--url", Url);

        var logout = await cli.RunAsync("auth", "logout");
        var afterLogout = await cli.RunAsync("jobs", "list");
        cli.With("ALAVIDA_API_KEY", team.ApiKey).With("ALAVIDA_URL", Url);
        using var admin = gateway.Admin();
        var keys = await (await admin.GetAsync($"/admin/teams/{team.TeamId}/api-keys")).ReadJsonAsync();
        var keyId = keys.GetProperty("items")[0].GetProperty("key_id").GetString();
        (await admin.PostAsJsonAsync($"/admin/teams/{team.TeamId}/api-keys/{keyId}/revoke", new { })).EnsureSuccessStatusCode();
        var revoked = await cli.RunAsync("jobs", "list");

        Assert.Equal(0, logout.ExitCode);
        Assert.DoesNotContain(team.ApiKey, await File.ReadAllTextAsync(cli.ConfigPath));
        Assert.Equal(3, afterLogout.ExitCode);
        Assert.Contains("alavida auth login", afterLogout.Error);
        Assert.True(revoked.ExitCode == 3, revoked.ToString());
        Assert.Contains("revoked", revoked.Error);
    }

    [Fact]
    public async Task UsageErrors_ExitWithTwo_AndEveryCommandsHelpShowsExamples()
    {
        using var cli = new CliRunner();

        var missing = await cli.RunAsync("run", "identity");
        var unknown = await cli.RunAsync("jobs", "list", "--bogus");
        var helps = new List<CliResult>();
        foreach (var command in new[] { "auth login", "search", "info", "add", "list", "diff", "update", "remove", "run", "jobs list", "jobs get", "jobs watch", "jobs cancel", "trace", "data", "credits", "credits usage", "credits buy", "events send", "events list" })
        {
            helps.Add(await cli.RunAsync([.. command.Split(' '), "--help"]));
        }

        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("'action'", missing.Error);
        Assert.Equal(2, unknown.ExitCode);
        Assert.All(helps, h => Assert.True(h.ExitCode == 0 && h.Out.Contains("Example") && h.Out.Contains("alavida "), h.ToString()));
    }
}
