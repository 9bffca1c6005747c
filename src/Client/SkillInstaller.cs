using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Alavida.Client;

/// <summary>A skill could not be installed, updated or removed as asked; the message says why and what to do.</summary>
public sealed class SkillInstallException(string message) : Exception(message);

/// <summary>What happened to one skill.</summary>
/// <param name="Slug">The component.</param>
/// <param name="Action">installed, updated, unchanged, removed.</param>
/// <param name="Version">The version now on disk (null once removed).</param>
/// <param name="Path">The SKILL.md, relative to the project root.</param>
public sealed record SkillChange(string Slug, string Action, string? Version, string Path);

/// <summary>An installed skill beside the registry.</summary>
/// <param name="Slug">The component.</param>
/// <param name="Version">The version installed.</param>
/// <param name="LatestVersion">The registry's version (null when the registry no longer has it).</param>
/// <param name="State">up-to-date, update-available, edited (local changes), missing (file deleted).</param>
/// <param name="Path">The SKILL.md, relative to the project root.</param>
public sealed record SkillStatus(string Slug, string Version, string? LatestVersion, string State, string Path);

/// <summary>
/// Installs consumer skills into a project the way Claude Code reads them (<c>.claude/skills/&lt;slug&gt;/SKILL.md</c>)
/// and keeps <see cref="Lockfile"/> beside them. Never overwrites a skill edited locally unless forced.
/// </summary>
public sealed class SkillInstaller(AlavidaClient client, string root)
{
    public string Root { get; } = Path.GetFullPath(root);

    /// <summary>Where a component's skill lives in a project: derived from its slug only, never from a lockfile.</summary>
    public static string RelativePath(string slug) => Path.Combine(".claude", "skills", CheckSlug(slug), "SKILL.md");

    /// <summary>A slug as the registry makes them (lowercase letters, digits, dashes), so a path built from it stays in its folder.</summary>
    public static string CheckSlug(string slug) =>
        slug.Length is > 0 and <= 64 && slug.All(c => c is >= 'a' and <= 'z' or >= '0' and <= '9' or '-') && slug[0] != '-'
            ? slug
            : throw new SkillInstallException($"'{slug}' is not a component slug (lowercase letters, digits and dashes, e.g. buying-signals).");

    public async Task<SkillChange> AddAsync(string slug, bool force, CancellationToken ct)
    {
        var lockfile = Lockfile.Load(Root);
        var (version, content, source) = await FetchAsync(slug, ct);
        var relative = RelativePath(slug);
        var path = Path.Combine(Root, relative);
        if (File.Exists(path) && !force)
        {
            var local = Sha256(await File.ReadAllTextAsync(path, ct));
            var locked = lockfile.Skills.GetValueOrDefault(slug);
            if (local == Sha256(content))
            {
                lockfile.Skills[slug] = new LockedSkill(version, local, source, Slashed(relative));
                lockfile.Save(Root);
                return new SkillChange(slug, locked?.Version == version ? "unchanged" : "installed", version, Slashed(relative));
            }

            if (locked is null || locked.Sha256 != local)
            {
                throw new SkillInstallException($"{Slashed(relative)} exists and has local changes; keep them, or pass --force to overwrite them.");
            }
        }

        var previous = lockfile.Skills.GetValueOrDefault(slug);
        await WriteAsync(path, content, ct);
        lockfile.Skills[slug] = new LockedSkill(version, Sha256(content), source, Slashed(relative));
        lockfile.Save(Root);
        return new SkillChange(slug, previous is null ? "installed" : previous.Sha256 == Sha256(content) ? "unchanged" : "updated", version, Slashed(relative));
    }

    /// <summary>Updates installed skills (all when <paramref name="slugs"/> is empty) to the registry's version.</summary>
    public async Task<IReadOnlyList<SkillChange>> UpdateAsync(IReadOnlyList<string> slugs, bool force, CancellationToken ct)
    {
        var lockfile = Lockfile.Load(Root);
        var targets = slugs.Count == 0 ? lockfile.Skills.Keys.ToList() : slugs.ToList();
        foreach (var slug in targets.Where(s => !lockfile.Skills.ContainsKey(s)))
        {
            throw new SkillInstallException($"'{slug}' is not installed here (see alavida list); add it with alavida add {slug}.");
        }

        if (!force)
        {
            var edited = targets.Where(s => LocalState(s, lockfile.Skills[s]) == "edited").ToList();
            if (edited.Count > 0)
            {
                throw new SkillInstallException(
                    $"{string.Join(", ", edited.Select(s => Slashed(RelativePath(s))))} {(edited.Count == 1 ? "has" : "have")} local changes (see alavida diff); " +
                    "nothing was updated. Pass --force to overwrite them.");
            }
        }

        var changes = new List<SkillChange>();
        foreach (var slug in targets)
        {
            var (version, content, source) = await FetchAsync(slug, ct);
            var locked = lockfile.Skills[slug];
            var path = Path.Combine(Root, RelativePath(slug));
            var hash = Sha256(content);
            var unchanged = locked.Sha256 == hash && LocalState(slug, locked) == "up-to-date";
            if (!unchanged)
            {
                await WriteAsync(path, content, ct);
            }

            lockfile.Skills[slug] = new LockedSkill(version, hash, source, Slashed(RelativePath(slug)));
            changes.Add(new SkillChange(slug, unchanged ? "unchanged" : "updated", version, Slashed(RelativePath(slug))));
        }

        lockfile.Save(Root);
        return changes;
    }

    public SkillChange Remove(string slug, bool force)
    {
        var lockfile = Lockfile.Load(Root);
        if (!lockfile.Skills.TryGetValue(slug, out var locked))
        {
            throw new SkillInstallException($"'{slug}' is not installed here (see alavida list).");
        }

        if (!force && LocalState(slug, locked) == "edited")
        {
            throw new SkillInstallException($"{Slashed(RelativePath(slug))} has local changes (see alavida diff {slug}); pass --force to remove it anyway.");
        }

        var path = Path.Combine(Root, RelativePath(slug));
        File.Delete(path);
        var directory = Path.GetDirectoryName(path)!;
        if (Directory.Exists(directory) && !Directory.EnumerateFileSystemEntries(directory).Any())
        {
            Directory.Delete(directory);
        }

        lockfile.Skills.Remove(slug);
        lockfile.Save(Root);
        return new SkillChange(slug, "removed", null, Slashed(RelativePath(slug)));
    }

    public async Task<IReadOnlyList<SkillStatus>> ListAsync(CancellationToken ct)
    {
        var lockfile = Lockfile.Load(Root);
        var statuses = new List<SkillStatus>();
        foreach (var (slug, locked) in lockfile.Skills)
        {
            string? latest = null;
            string? latestHash = null;
            try
            {
                var component = await client.GetComponentAsync(slug, ct);
                latest = component.GetProperty("version").GetString();
                latestHash = component.GetProperty("skill_sha256").GetString();
            }
            catch (AlavidaApiException e) when (e.Status == 404)
            {
                // Gone from the registry: show it as installed, with no latest version.
            }

            var state = LocalState(slug, locked);
            if (state == "up-to-date" && latestHash is not null && latestHash != locked.Sha256)
            {
                state = "update-available";
            }

            statuses.Add(new SkillStatus(slug, locked.Version, latest, state, Slashed(RelativePath(slug))));
        }

        return statuses;
    }

    /// <summary>The installed file beside the registry's current skill: (local text or "" when missing, registry text, path).</summary>
    public async Task<(string Local, string Registry, string Path)> CompareAsync(string slug, CancellationToken ct)
    {
        if (!Lockfile.Load(Root).Skills.ContainsKey(slug))
        {
            throw new SkillInstallException($"'{slug}' is not installed here (see alavida list); alavida info {slug} shows it.");
        }

        var relative = Slashed(RelativePath(slug));
        var path = Path.Combine(Root, relative);
        var local = File.Exists(path) ? await File.ReadAllTextAsync(path, ct) : "";
        var (_, content, _) = await FetchAsync(slug, ct);
        return (local, content, relative);
    }

    public IReadOnlyCollection<string> Installed => Lockfile.Load(Root).Skills.Keys;

    private string LocalState(string slug, LockedSkill locked)
    {
        var path = Path.Combine(Root, RelativePath(slug));
        return !File.Exists(path) ? "missing" : Sha256(File.ReadAllText(path)) == locked.Sha256 ? "up-to-date" : "edited";
    }

    private async Task<(string Version, string Content, string Source)> FetchAsync(string slug, CancellationToken ct)
    {
        JsonElement component;
        try
        {
            component = await client.GetComponentAsync(slug, ct);
        }
        catch (AlavidaApiException e) when (e.Status == 404)
        {
            throw new SkillInstallException(e.Detail ?? $"There is no component '{slug}' in the registry.");
        }

        var content = await client.GetSkillAsync(slug, ct);
        var source = new Uri(client.BaseAddress!, component.GetProperty("skill_url").GetString()).ToString();
        return (component.GetProperty("version").GetString()!, content, source);
    }

    private static async Task WriteAsync(string path, string content, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path, content, new UTF8Encoding(false), ct);
    }

    private static string Slashed(string path) => path.Replace('\\', '/');

    public static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
