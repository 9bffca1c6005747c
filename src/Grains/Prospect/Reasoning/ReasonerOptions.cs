namespace Alavida.Grains.Prospect.Reasoning;

/// <summary>
/// Which reasoner the agentic quantums use (configuration section <c>Reasoning</c>). <c>deterministic</c> (the
/// default) needs nothing; <c>anthropic</c> and <c>openai</c> (any OpenAI-compatible endpoint) need a model and a key;
/// <c>custom</c> uses an <c>IChatClient</c> registered by the host under <see cref="ChatClientKey"/>.
/// </summary>
public sealed class ReasonerOptions
{
    public const string Section = "Reasoning";

    /// <summary>The DI key of the chat client the LLM reasoner uses.</summary>
    public const string ChatClientKey = "alavida-reasoning";

    /// <summary>The activity source of the GenAI spans (one per model call).</summary>
    public const string TelemetrySource = "Alavida.GenAI";

    /// <summary><c>deterministic</c>, <c>anthropic</c>, <c>openai</c> or <c>custom</c>.</summary>
    public string Provider { get; set; } = "deterministic";

    /// <summary>Model id, e.g. <c>claude-sonnet-4-5</c> or <c>gpt-4.1-mini</c>.</summary>
    public string? Model { get; set; }

    /// <summary>API key; when empty, <c>ANTHROPIC_API_KEY</c> or <c>OPENAI_API_KEY</c> from the environment.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Base URL of an OpenAI-compatible endpoint (e.g. a local model server); empty for OpenAI itself.</summary>
    public string? Endpoint { get; set; }

    /// <summary>Upper bound of tokens per answer.</summary>
    public int MaxOutputTokens { get; set; } = 1024;

    /// <summary>Model calls at most in flight per job or run.</summary>
    public int MaxParallelCalls { get; set; } = 4;

    /// <summary>True when a chat model decides (with the deterministic scorer as fallback).</summary>
    public bool UsesModel => !string.Equals(Provider, "deterministic", StringComparison.OrdinalIgnoreCase);
}
