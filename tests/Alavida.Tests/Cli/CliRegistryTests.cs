using System.Text.Json;
using System.Text.Json.Nodes;
using Alavida.Client;
using Alavida.Tests.Gateway;

namespace Alavida.Tests.Cli;

/// <summary>The registry commands and the skills they install into a project, against a real platform.</summary>
[Collection(GatewayCollection.Name)]
public sealed class CliRegistryTests(GatewayFixture gateway)
{
    private CliRunner Cli() => new CliRunner().With("ALAVIDA_URL", gateway.Host.Address.ToString());

    private static string SkillPath(CliRunner cli, string slug) => Path.Combine(cli.Project, ".claude", "skills", slug, "SKILL.md");

    [Fact]
    public async Task SearchAndInfo_ShowTheRegistry_AsTablesOrStableJson()
    {
        using var cli = Cli();

        var search = await cli.RunAsync("search", "signals", "--json");
        var piped = await cli.RunAsync("search");
        var info = await cli.RunAsync("info", "identity");
        var infoJson = await cli.RunAsync("info", "identity", "--json");
        var missing = await cli.RunAsync("info", "no-such-component");

        Assert.Equal(0, search.ExitCode);
        Assert.Contains(search.Json.GetProperty("items").EnumerateArray(), c => c.GetProperty("slug").GetString() == "buying-signals");
        Assert.StartsWith("SLUG\tVERSION\tKIND\tACTIONS\tDESCRIPTION\n", piped.Out);
        Assert.Equal(6, piped.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length - 1);
        Assert.Contains("resolve-company", info.Out);
        Assert.Contains("companies*", info.Out); // required input fields are starred
        Assert.Contains("Emits:", info.Out);
        Assert.Equal("identity", infoJson.Json.GetProperty("slug").GetString());
        Assert.True(infoJson.Json.GetProperty("actions")[0].TryGetProperty("input_schema", out _));
        Assert.Equal(4, missing.ExitCode);
        Assert.Contains("no component 'no-such-component'", missing.Error);
    }

    [Fact]
    public async Task Add_WritesTheSkill_AndTheLockfile_WithTheRegistrysHash()
    {
        using var cli = Cli();

        var added = await cli.RunAsync("add", "identity", "buying-signals", "--json");
        var again = await cli.RunAsync("add", "identity");
        var list = await cli.RunAsync("list", "--json");

        Assert.True(added.ExitCode == 0, added.ToString());
        Assert.Equal(["installed", "installed"], added.Json.GetProperty("changes").EnumerateArray().Select(c => c.GetProperty("action").GetString()));
        var skill = await File.ReadAllTextAsync(SkillPath(cli, "identity"));
        Assert.Equal(await gateway.Client(null).GetStringAsync("/registry/identity/skill"), skill);
        var lockfile = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(cli.Project, "alavida.lock.json")))!;
        var locked = lockfile["skills"]!["identity"]!;
        var component = JsonDocument.Parse(await gateway.Client(null).GetStringAsync("/registry/identity")).RootElement;
        Assert.Equal(component.GetProperty("version").GetString(), locked["version"]!.GetValue<string>());
        Assert.Equal(component.GetProperty("skill_sha256").GetString(), locked["sha256"]!.GetValue<string>());
        Assert.Equal(SkillInstaller.Sha256(skill), locked["sha256"]!.GetValue<string>());
        Assert.Equal(new Uri(gateway.Host.Address, "/registry/identity/skill").ToString(), locked["source"]!.GetValue<string>());
        Assert.Equal(".claude/skills/identity/SKILL.md", locked["path"]!.GetValue<string>());
        Assert.Contains("is up to date", again.Out);
        Assert.All(list.Json.GetProperty("items").EnumerateArray(), s => Assert.Equal("up-to-date", s.GetProperty("state").GetString()));
    }

    [Fact]
    public async Task ALocallyEditedSkill_ShowsInListAndDiff_AndUpdateRefusesIt_UnlessForced()
    {
        using var cli = Cli();
        await cli.RunAsync("add", "icp-discovery");
        var path = SkillPath(cli, "icp-discovery");
        var original = await File.ReadAllTextAsync(path);
        var edited = original.Replace("\n", "\nA line of our own.\n", StringComparison.Ordinal)[..(original.Length / 2)] + "\n";
        await File.WriteAllTextAsync(path, edited);

        var list = await cli.RunAsync("list");
        var diff = await cli.RunAsync("diff", "icp-discovery");
        var refused = await cli.RunAsync("update");
        var untouched = await File.ReadAllTextAsync(path);
        var removeRefused = await cli.RunAsync("remove", "icp-discovery");
        var forced = await cli.RunAsync("update", "icp-discovery", "--force");
        var clean = await cli.RunAsync("diff");

        Assert.Contains("edited", list.Out);
        Assert.Equal(1, diff.ExitCode);
        Assert.StartsWith("--- a/.claude/skills/icp-discovery/SKILL.md\n+++ b/.claude/skills/icp-discovery/SKILL.md (registry)\n@@ -", diff.Out);
        Assert.Contains("\n-A line of our own.\n", diff.Out);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("local changes", refused.Error);
        Assert.Contains("--force", refused.Error);
        Assert.Equal(edited, untouched);
        Assert.Equal(1, removeRefused.ExitCode);
        Assert.True(File.Exists(path));
        Assert.Equal(0, forced.ExitCode);
        Assert.Equal(original, await File.ReadAllTextAsync(path));
        Assert.Equal(0, clean.ExitCode);
        Assert.Contains("No differences", clean.Error);
    }

    [Fact]
    public async Task AnOlderInstalledVersion_ShowsAnUpdate_WhichUpdateInstalls_ThenRemoveCleansUp()
    {
        using var cli = Cli();
        await cli.RunAsync("add", "lead-discovery");
        // As an older release left it: its own text, version and hash in the lockfile.
        var path = SkillPath(cli, "lead-discovery");
        const string older = "# lead-discovery 0.9.0\n\nThe previous skill.\n";
        await File.WriteAllTextAsync(path, older);
        var lockPath = Path.Combine(cli.Project, "alavida.lock.json");
        var lockfile = JsonNode.Parse(await File.ReadAllTextAsync(lockPath))!;
        lockfile["skills"]!["lead-discovery"]!["version"] = "0.9.0";
        lockfile["skills"]!["lead-discovery"]!["sha256"] = SkillInstaller.Sha256(older);
        await File.WriteAllTextAsync(lockPath, lockfile.ToJsonString());

        var list = await cli.RunAsync("list", "--json");
        var update = await cli.RunAsync("update", "--json");
        var updated = await File.ReadAllTextAsync(path);
        var remove = await cli.RunAsync("remove", "lead-discovery");
        var removeAgain = await cli.RunAsync("remove", "lead-discovery");

        var status = Assert.Single(list.Json.GetProperty("items").EnumerateArray());
        Assert.Equal(("0.9.0", "update-available"), (status.GetProperty("version").GetString(), status.GetProperty("state").GetString()));
        Assert.NotEqual("0.9.0", status.GetProperty("latest_version").GetString());
        Assert.Equal("updated", update.Json.GetProperty("changes")[0].GetProperty("action").GetString());
        Assert.Equal(await gateway.Client(null).GetStringAsync("/registry/lead-discovery/skill"), updated);
        Assert.Equal(0, remove.ExitCode);
        Assert.False(File.Exists(path));
        Assert.False(Directory.Exists(Path.GetDirectoryName(path)));
        Assert.False(File.Exists(lockPath)); // the last skill gone, so is the lockfile
        Assert.Equal(1, removeAgain.ExitCode);
    }

    [Fact]
    public async Task ALockfileFromSomewhereElse_NeverMakesTheCliWriteOutsideTheSkillsFolder()
    {
        using var cli = Cli();
        await cli.RunAsync("add", "identity");
        var lockPath = Path.Combine(cli.Project, "alavida.lock.json");
        var lockfile = JsonNode.Parse(await File.ReadAllTextAsync(lockPath))!;
        lockfile["skills"]!["identity"]!["path"] = "../outside.md";                // a path of its own: ignored
        await File.WriteAllTextAsync(lockPath, lockfile.ToJsonString());
        File.Delete(SkillPath(cli, "identity"));

        var update = await cli.RunAsync("update");
        lockfile["skills"]!["../../escape"] = lockfile["skills"]!["identity"]!.DeepClone();   // a slug that is a path: refused
        await File.WriteAllTextAsync(lockPath, lockfile.ToJsonString());
        var list = await cli.RunAsync("list");

        Assert.True(update.ExitCode == 0, update.ToString());
        Assert.True(File.Exists(SkillPath(cli, "identity")));
        Assert.False(File.Exists(Path.Combine(cli.Home, "outside.md")));
        Assert.Equal(1, list.ExitCode);
        Assert.Contains("is not a component slug", list.Error);
        Assert.False(Directory.Exists(Path.Combine(cli.Home, "escape")));
    }

    [Fact]
    public async Task Add_IntoAnotherRoot_WithDir_AndRefusesToOverwriteAnUnlockedFileWithOtherContent()
    {
        using var cli = Cli();
        var other = Directory.CreateDirectory(Path.Combine(cli.Home, "elsewhere")).FullName;
        var foreign = Path.Combine(other, ".claude", "skills", "meeting-sync", "SKILL.md");
        Directory.CreateDirectory(Path.GetDirectoryName(foreign)!);
        await File.WriteAllTextAsync(foreign, "mine\n");

        var refused = await cli.RunAsync("add", "meeting-sync", "--dir", other);
        var added = await cli.RunAsync("add", "identity", "--dir", "../elsewhere");

        Assert.Equal(1, refused.ExitCode);
        Assert.Equal("mine\n", await File.ReadAllTextAsync(foreign));
        Assert.Equal(0, added.ExitCode);
        Assert.True(File.Exists(Path.Combine(other, ".claude", "skills", "identity", "SKILL.md")));
        Assert.True(File.Exists(Path.Combine(other, "alavida.lock.json")));
        Assert.False(File.Exists(Path.Combine(cli.Project, "alavida.lock.json")));
    }
}
