using System.Text.Json;
using System.Text.Json.Serialization;

namespace Alavida.Client;

/// <summary>One installed skill as <c>alavida.lock.json</c> records it.</summary>
/// <param name="Version">The component version installed.</param>
/// <param name="Sha256">SHA-256 (hex) of the SKILL.md as written: a file whose hash differs was edited locally.</param>
/// <param name="Source">Where it came from (the registry URL of the skill).</param>
/// <param name="Path">The file, relative to the project root.</param>
public sealed record LockedSkill(
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("sha256")] string Sha256,
    [property: JsonPropertyName("source")] string Source,
    [property: JsonPropertyName("path")] string Path);

/// <summary>
/// <c>alavida.lock.json</c> at the project root: which skills are installed, at which version and content hash, so
/// <c>list</c>, <c>diff</c> and <c>update</c> can tell registry changes from local edits. Written sorted and indented,
/// so it diffs well in review.
/// </summary>
public sealed class Lockfile
{
    public const string FileName = "alavida.lock.json";

    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true };

    [JsonPropertyName("lockfile_version")]
    public int LockfileVersion { get; set; } = 1;

    [JsonPropertyName("skills")]
    public SortedDictionary<string, LockedSkill> Skills { get; set; } = new(StringComparer.Ordinal);

    public static string PathIn(string root) => System.IO.Path.Combine(root, FileName);

    /// <summary>The lockfile of <paramref name="root"/>, or an empty one when there is none.</summary>
    public static Lockfile Load(string root)
    {
        var path = PathIn(root);
        if (!File.Exists(path))
        {
            return new Lockfile();
        }

        try
        {
            var lockfile = JsonSerializer.Deserialize<Lockfile>(File.ReadAllText(path), Options) ?? new Lockfile();
            lockfile.Skills = new SortedDictionary<string, LockedSkill>(lockfile.Skills ?? [], StringComparer.Ordinal);
            return lockfile;
        }
        catch (JsonException e)
        {
            throw new SkillInstallException($"{path} is not a valid lockfile ({e.Message}); fix or delete it.");
        }
    }

    public void Save(string root)
    {
        var path = PathIn(root);
        if (Skills.Count == 0)
        {
            File.Delete(path);
            return;
        }

        var temporary = path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(this, Options) + "\n");
        File.Move(temporary, path, overwrite: true);
    }
}
