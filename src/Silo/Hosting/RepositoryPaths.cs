namespace Alavida.Silo.Hosting;

internal static class RepositoryPaths
{
    /// <summary>Resolves a path against the repository root (the folder with Alavida.sln), else the working directory.</summary>
    public static string Resolve(string path)
    {
        if (Path.IsPathRooted(path))
        {
            return path;
        }

        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Alavida.sln")))
            {
                return Path.Combine(dir.FullName, path);
            }
        }

        return Path.GetFullPath(path);
    }
}
