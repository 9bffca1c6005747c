namespace Alavida.Mcp;

/// <summary>
/// Where install_component may write: inside the server's working directory only. Paths are compared after resolving
/// every symbolic link on the way (and <c>..</c>), so neither <c>../elsewhere</c> nor a link that points out (the project
/// directory, or a <c>.claude</c> inside it) leads the install outside.
/// </summary>
public sealed class ProjectDirectories(string workingDirectory)
{
    private const int MaxLinkHops = 40;

    /// <summary>The working directory, its links resolved.</summary>
    public string Root { get; } = RealPath(workingDirectory);

    /// <summary>The project directory for <paramref name="projectDir"/> (relative to the working directory, or absolute inside it).</summary>
    /// <param name="projectDir">The directory the caller asked for.</param>
    /// <param name="writes">Paths relative to the project that will be written; each must resolve inside too.</param>
    public string Resolve(string projectDir, params string[] writes)
    {
        var project = RealPath(Path.Combine(Root, projectDir));
        if (!Inside(project))
        {
            throw new ToolInputException(
                $"project_dir: '{projectDir}' resolves to {project}, outside the server's working directory {Root}; installs go inside it only.");
        }

        foreach (var write in writes)
        {
            var target = RealPath(Path.Combine(project, write));
            if (!Inside(target))
            {
                throw new ToolInputException($"project_dir: {write} in '{projectDir}' resolves to {target}, outside the server's working directory {Root} (a symbolic link leads out); nothing was written.");
            }
        }

        return project;
    }

    private bool Inside(string path) =>
        path == Root || path.StartsWith(Root.EndsWith(Path.DirectorySeparatorChar) ? Root : Root + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    /// <summary>The absolute path with every existing symbolic link on it resolved (the parts that do not exist yet are kept as they are).</summary>
    private static string RealPath(string path)
    {
        var hops = 0;
        var pending = new Stack<string>();
        var current = Path.GetFullPath(path);
        foreach (var part in current[Path.GetPathRoot(current)!.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries).Reverse())
        {
            pending.Push(part);
        }

        current = Path.GetPathRoot(current)!;
        while (pending.TryPop(out var part))
        {
            if (part == "..")
            {
                current = Path.GetDirectoryName(current) ?? current;
                continue;
            }

            var next = Path.Combine(current, part);
            if (new FileInfo(next).LinkTarget is { } target)
            {
                if (++hops > MaxLinkHops)
                {
                    throw new ToolInputException($"project_dir: too many symbolic links on the way to {path}.");
                }

                // Walk the link's target (relative to the link's directory) in place of the link, so links within it resolve too.
                var absolute = Path.GetFullPath(target, current);
                foreach (var inner in absolute[Path.GetPathRoot(absolute)!.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries).Reverse())
                {
                    pending.Push(inner);
                }

                current = Path.GetPathRoot(absolute)!;
                continue;
            }

            current = next;
        }

        return current;
    }
}
