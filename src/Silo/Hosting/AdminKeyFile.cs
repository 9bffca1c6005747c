using System.Security.Cryptography;
using Alavida.Api.Hosting;
using Alavida.Grains.Platform;

namespace Alavida.Silo.Hosting;

/// <summary>Where this process's admin key comes from.</summary>
public enum AdminKeyOrigin
{
    /// <summary><c>Platform:AdminKey</c> is configured (never shown or logged).</summary>
    Configured,

    /// <summary>Made on this start and kept in the local data directory for later starts.</summary>
    Created,

    /// <summary>Read from the local data directory, where an earlier start kept it.</summary>
    Stored,

    /// <summary>Made for this process only: the local data directory could not be written.</summary>
    ThisProcessOnly,
}

/// <summary>The admin key's origin; <see cref="Key"/> is null when configured, so a configured key is never shown.</summary>
public sealed record AdminKeySource(AdminKeyOrigin Origin, string? Key, string? File, string? Problem = null);

/// <summary>
/// Keeps a generated admin key stable across starts of a local install: without <c>Platform:AdminKey</c>, the key
/// lives in <c>admin-key</c> beside the local database's folder (<c>.data/admin-key</c>), readable by its owner only,
/// so every local process and every restart uses the same one.
/// </summary>
public static class AdminKeyFile
{
    public const string FileName = "admin-key";

    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Sets <c>Platform:AdminKey</c> from the file (made on first use) unless it is configured; says where it came from.</summary>
    public static AdminKeySource Ensure(IConfiguration configuration)
    {
        var setting = $"{PlatformOptions.SectionName}:{nameof(PlatformOptions.AdminKey)}";
        if (!string.IsNullOrWhiteSpace(configuration[setting]))
        {
            return new AdminKeySource(AdminKeyOrigin.Configured, null, null);
        }

        var options = configuration.GetSection(AlavidaOptions.SectionName).Get<AlavidaOptions>() ?? new AlavidaOptions();
        var file = PathFor(options);
        AdminKeySource source;
        try
        {
            source = ReadOrCreate(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            source = new AdminKeySource(AdminKeyOrigin.ThisProcessOnly, NewKey(), file, ex.Message);
        }

        configuration[setting] = source.Key;
        return source;
    }

    /// <summary>The key file: beside the local PostgreSQL's data folder (<c>Alavida:LocalPostgresDirectory</c>).</summary>
    public static string PathFor(AlavidaOptions options)
    {
        var data = RepositoryPaths.Resolve(options.LocalPostgresDirectory).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
        return Path.Combine(Path.GetDirectoryName(data) ?? Directory.GetCurrentDirectory(), FileName);
    }

    private static AdminKeySource ReadOrCreate(string file)
    {
        if (Read(file) is { } existing)
        {
            return new AdminKeySource(AdminKeyOrigin.Stored, existing, file);
        }

        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        // Written whole under another name, then moved into place without replacing: two processes starting at once
        // never read a half-written key, and the one that loses the race uses the winner's.
        var temporary = $"{file}.{Environment.ProcessId}.tmp";
        var key = NewKey();
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerOnly;
        }

        using (var writer = new StreamWriter(temporary, options))
        {
            writer.WriteLine(key);
        }

        try
        {
            // Replaces only a file that holds no key (emptied by hand), never one another process has just written.
            File.Move(temporary, file, overwrite: File.Exists(file) && Read(file) is null);
            return new AdminKeySource(AdminKeyOrigin.Created, key, file);
        }
        catch (IOException) when (Read(file) is { } winner)
        {
            return new AdminKeySource(AdminKeyOrigin.Stored, winner, file);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>The key in <paramref name="file"/>; null when there is no file or it holds no key (e.g. emptied by hand).</summary>
    private static string? Read(string file) =>
        File.Exists(file) && File.ReadAllText(file).Trim() is { Length: > 0 } key ? key : null;

    private static string NewKey() => "alv_admin_" + RandomNumberGenerator.GetString(ApiKeyFormat.Alphabet, 32);
}
