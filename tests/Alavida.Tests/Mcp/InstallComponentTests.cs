using Alavida.Tests.Gateway;

namespace Alavida.Tests.Mcp;

/// <summary>
/// install_component over stdio writes the skill and the lockfile inside the server's working directory, and nowhere
/// else: not through <c>..</c>, an absolute path, a symbolic link to the project, nor a <c>.claude</c> that is a link.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class InstallComponentTests(GatewayFixture gateway)
{
    [Fact]
    public async Task InstallComponent_WritesInsideTheWorkingDirectory_AndRefusesEveryWayOut()
    {
        var team = await gateway.CreateTeamAsync(0);
        var temp = McpClients.TempDirectory();
        var work = Directory.CreateDirectory(Path.Combine(temp, "work")).FullName;
        var outside = Directory.CreateDirectory(Path.Combine(temp, "outside")).FullName;
        Directory.CreateSymbolicLink(Path.Combine(work, "escape"), outside);
        Directory.CreateDirectory(Path.Combine(work, "linked"));
        Directory.CreateSymbolicLink(Path.Combine(work, "linked", ".claude"), outside);
        await using var mcp = await McpClients.StdioAsync(gateway, team.ApiKey, work);

        foreach (var (projectDir, says) in new[]
                 {
                     ("../outside", "outside the server's working directory"),
                     (outside, "outside the server's working directory"),
                     ("escape", "outside the server's working directory"),
                     ("escape/../../outside", "outside the server's working directory"),
                     ("linked", "a symbolic link leads out"),
                 })
        {
            var refused = await mcp.CallAsync("install_component", new { slug = "identity", project_dir = projectDir });
            Assert.True(refused.IsError, $"{projectDir}: {refused.Text()}");
            Assert.Contains(says, refused.Text());
        }

        var badSlug = await mcp.CallAsync("install_component", new { slug = "../identity" });
        Assert.True(badSlug.IsError);
        Assert.Contains("is not a component slug", badSlug.Text());
        Assert.Empty(Directory.EnumerateFileSystemEntries(outside));

        var installed = (await mcp.CallAsync("install_component", new { slug = "identity", project_dir = "app" })).Json();
        var skill = Path.Combine(work, "app", ".claude", "skills", "identity", "SKILL.md");
        Assert.Equal("installed", installed.GetProperty("action").GetString());
        Assert.Equal(".claude/skills/identity/SKILL.md", installed.GetProperty("path").GetString());
        Assert.Equal(await (await team.Http.GetAsync("/registry/identity/skill")).Content.ReadAsStringAsync(), await File.ReadAllTextAsync(skill));
        Assert.Contains("\"identity\"", await File.ReadAllTextAsync(Path.Combine(work, "app", "alavida.lock.json")));
        Assert.Equal("unchanged", (await mcp.CallAsync("install_component", new { slug = "identity", project_dir = "app" })).Json().GetProperty("action").GetString());

        await File.AppendAllTextAsync(skill, "\nA local note.\n");
        var edited = await mcp.CallAsync("install_component", new { slug = "identity", project_dir = "app" });
        Assert.True(edited.IsError);
        Assert.Contains("local changes; keep them, or call again with force: true", edited.Text());
        Assert.Contains("A local note.", await File.ReadAllTextAsync(skill));
        Assert.True((await mcp.CallAsync("install_component", new { slug = "identity", project_dir = "app", force = true })).IsError is not true);
        Assert.DoesNotContain("A local note.", await File.ReadAllTextAsync(skill));
    }
}
