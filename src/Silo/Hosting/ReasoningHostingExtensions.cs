using System.ClientModel;
using Alavida.Grains.Prospect.Reasoning;
using Anthropic;
using Microsoft.Extensions.AI;
using OpenAI;

namespace Alavida.Silo.Hosting;

/// <summary>
/// The chat model behind the LLM reasoner, chosen by <c>Reasoning:Provider</c>: <c>anthropic</c> (Anthropic's SDK),
/// <c>openai</c> (OpenAI or any OpenAI-compatible endpoint via <c>Reasoning:Endpoint</c>), or <c>custom</c> (the host
/// registered its own <see cref="IChatClient"/>). Every call is traced as a GenAI span under the job's or run's trace.
/// </summary>
public static class ReasoningHostingExtensions
{
    public static IServiceCollection AddAlavidaReasoning(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(ReasonerOptions.Section).Get<ReasonerOptions>() ?? new ReasonerOptions();
        var provider = options.Provider.ToLowerInvariant();
        if (provider is "deterministic" or "custom")
        {
            return services;
        }

        if (string.IsNullOrWhiteSpace(options.Model))
        {
            throw new InvalidOperationException($"Reasoning:Provider is '{options.Provider}' but Reasoning:Model is not set: name the model to use.");
        }

        services.AddKeyedSingleton<IChatClient>(ReasonerOptions.ChatClientKey, (sp, _) =>
        {
            IChatClient inner = provider switch
            {
                "anthropic" => new AnthropicClient { ApiKey = Key(options, "ANTHROPIC_API_KEY") }.AsIChatClient(options.Model),
                "openai" => new OpenAIClient(
                        new ApiKeyCredential(Key(options, "OPENAI_API_KEY")),
                        new OpenAIClientOptions { Endpoint = string.IsNullOrWhiteSpace(options.Endpoint) ? null : new Uri(options.Endpoint) })
                    .GetChatClient(options.Model).AsIChatClient(),
                _ => throw new InvalidOperationException(
                    $"Reasoning:Provider '{options.Provider}' is not known: use deterministic, anthropic, openai or custom."),
            };
            return Traced(inner, sp);
        });
        return services;
    }

    /// <summary>
    /// Wraps a host's own chat client (provider <c>custom</c>) the same way: GenAI spans under the job's trace.
    /// </summary>
    public static IServiceCollection AddAlavidaChatClient(this IServiceCollection services, IChatClient client) =>
        services.AddKeyedSingleton<IChatClient>(ReasonerOptions.ChatClientKey, (sp, _) => Traced(client, sp));

    /// <summary>Every call a GenAI span (OpenTelemetry conventions) on <see cref="ReasonerOptions.TelemetrySource"/>.</summary>
    private static IChatClient Traced(IChatClient inner, IServiceProvider services) =>
        new ChatClientBuilder(inner).UseOpenTelemetry(services.GetService<ILoggerFactory>(), ReasonerOptions.TelemetrySource).Build(services);

    private static string Key(ReasonerOptions options, string environmentVariable) =>
        !string.IsNullOrWhiteSpace(options.ApiKey) ? options.ApiKey
        : Environment.GetEnvironmentVariable(environmentVariable) is { Length: > 0 } key ? key
        : throw new InvalidOperationException($"Reasoning:Provider is '{options.Provider}' but no API key is set: set Reasoning:ApiKey or {environmentVariable}.");
}
