using System.ComponentModel;
using System.Text.Json.Nodes;
using Alavida.Client;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Alavida.Mcp;

/// <summary>Installing a component's skill into a project on this machine: offered over stdio only (an HTTP server has no project of the caller's).</summary>
[McpServerToolType]
public sealed class InstallTools(AlavidaClient client, ProjectDirectories projects)
{
    [McpServerTool(Name = "install_component", Title = "Install a component's skill into the project", Destructive = false, Idempotent = true, OpenWorld = false)]
    [Description("""
        Install a component's consumer skill into a project on this machine, the way Claude Code reads skills:
        .claude/skills/<slug>/SKILL.md, recorded (version, sha256, source) in alavida.lock.json at the project root.
        The project directory must be inside the server's working directory. A skill edited locally is not overwritten
        unless force is true. Returns {slug, action (installed|updated|unchanged), version, path, project_dir}.
        """)]
    public async Task<CallToolResult> InstallAsync(
        [Description("The component's slug, e.g. \"identity\" (see search_registry).")] string slug,
        [Description("The project directory, relative to the server's working directory (default \".\": the working directory itself).")] string project_dir = ".",
        [Description("Overwrite a SKILL.md that has local changes (default false).")] bool force = false,
        CancellationToken cancellationToken = default)
    {
        if (slug.Length == 0 || !slug.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-'))
        {
            throw new ToolInputException($"slug: '{slug}' is not a component slug (lowercase letters, digits and '-', e.g. \"identity\").");
        }

        var root = projects.Resolve(project_dir, SkillInstaller.RelativePath(slug), Lockfile.FileName);
        SkillChange change;
        try
        {
            change = await new SkillInstaller(client, root).AddAsync(slug, force, cancellationToken);
        }
        catch (SkillInstallException e)
        {
            // The installer speaks the CLI's flags; a model calls this tool with arguments.
            throw new ToolInputException(e.Message.Replace("pass --force", "call again with force: true", StringComparison.Ordinal));
        }

        return ToolOutput.Result(new JsonObject
        {
            ["slug"] = change.Slug,
            ["action"] = change.Action,
            ["version"] = change.Version,
            ["path"] = change.Path,
            ["project_dir"] = root,
        }.ToJsonString(ToolOutput.Json));
    }
}
