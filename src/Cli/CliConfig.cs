using System.Text.Json;
using System.Text.Json.Serialization;

namespace Alavida.Cli;

/// <summary>
/// The signed-in platform and key, in <c>$XDG_CONFIG_HOME/alavida/config.json</c> (else <c>~/.config/alavida</c>),
/// readable by the user only (0600). <c>ALAVIDA_URL</c> and <c>ALAVIDA_API_KEY</c> override it.
/// </summary>
public sealed class CliConfig
{
    public const string DefaultUrl = "http://127.0.0.1:8080";

    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true };

    [JsonPropertyName("url")]
    public string? Url { get; set; }

    [JsonPropertyName("api_key")]
    public string? ApiKey { get; set; }

    public static string PathFor(CliEnvironment env)
    {
        var configHome = env.Variable("XDG_CONFIG_HOME");
        if (string.IsNullOrEmpty(configHome))
        {
            var home = env.Variable("HOME");
            configHome = Path.Combine(string.IsNullOrEmpty(home) ? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) : home, ".config");
        }

        return Path.Combine(configHome, "alavida", "config.json");
    }

    public static CliConfig Load(CliEnvironment env)
    {
        var path = PathFor(env);
        if (!File.Exists(path))
        {
            return new CliConfig();
        }

        try
        {
            return JsonSerializer.Deserialize<CliConfig>(File.ReadAllText(path)) ?? new CliConfig();
        }
        catch (JsonException)
        {
            throw new CliException(ExitCodes.Auth, $"{path} is not valid JSON; run alavida auth login again (or delete it).");
        }
    }

    /// <summary>The saved configuration, or an empty one when the file is unreadable (what <c>auth login</c> overwrites).</summary>
    public static CliConfig LoadOrEmpty(CliEnvironment env)
    {
        try
        {
            return Load(env);
        }
        catch (CliException)
        {
            return new CliConfig();
        }
    }

    public void Save(CliEnvironment env)
    {
        var path = PathFor(env);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + ".tmp";
        File.Delete(temporary);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite; // the key never exists readable by others
        }

        using (var stream = new FileStream(temporary, options))
        {
            JsonSerializer.Serialize(stream, this, Options);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
