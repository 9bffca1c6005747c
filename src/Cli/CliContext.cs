using Alavida.Client;

namespace Alavida.Cli;

/// <summary>One invocation: its environment, output format and the platform it talks to.</summary>
public sealed class CliContext(CliEnvironment env, OutputFormat format)
{
    public CliEnvironment Env { get; } = env;

    public Output Output { get; } = new(env, format);

    private CliConfig? _config;

    /// <summary>The saved configuration, read once per invocation.</summary>
    private CliConfig Config => _config ??= CliConfig.Load(Env);

    /// <summary>The platform's address: ALAVIDA_URL, else the signed-in one, else the local default.</summary>
    public Uri Url => ParseUrl(Env.Variable("ALAVIDA_URL") is { Length: > 0 } fromEnv ? fromEnv : Config.Url ?? CliConfig.DefaultUrl);

    /// <summary>The API key: ALAVIDA_API_KEY, else the signed-in one; null when neither.</summary>
    public string? ApiKey => Env.Variable("ALAVIDA_API_KEY") is { Length: > 0 } fromEnv ? fromEnv : Config.ApiKey;

    /// <summary>A client for the platform; without a key (and <paramref name="requireKey"/>) an auth error that says how to sign in.</summary>
    public AlavidaClient Client(bool requireKey = true)
    {
        var key = ApiKey;
        if (requireKey && string.IsNullOrEmpty(key))
        {
            throw new CliException(ExitCodes.Auth, "Not signed in: run 'alavida auth login' (or set ALAVIDA_API_KEY).");
        }

        return AlavidaClient.Create(Url, key);
    }

    public static Uri ParseUrl(string text) =>
        Uri.TryCreate(text.TrimEnd('/') + "/", UriKind.Absolute, out var url) && url.Scheme is "http" or "https"
            ? url
            : throw new CliException(ExitCodes.Usage, $"'{text}' is not an http(s) URL of an Alavida platform (e.g. {CliConfig.DefaultUrl}).");
}
