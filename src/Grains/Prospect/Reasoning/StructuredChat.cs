using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Alavida.Grains.Prospect.Reasoning;

/// <summary>
/// One question to the reasoning chat model (<see cref="ReasonerOptions.ChatClientKey"/>) with a JSON schema for its
/// answer: null when the model fails, or answers with something that is not JSON in that schema, so the caller falls
/// back to its deterministic rules. Shared by every agentic quantum that reasons with a model.
/// </summary>
public sealed partial class StructuredChat(
    [Microsoft.Extensions.DependencyInjection.FromKeyedServices(ReasonerOptions.ChatClientKey)] IChatClient chat,
    IOptions<ReasonerOptions> options,
    ILogger<StructuredChat> logger)
{
    /// <summary>An answer's name and JSON schema.</summary>
    public sealed class Answer(string name, string schema)
    {
        public string Name { get; } = name;

        public JsonSchema Schema { get; } = JsonSchema.FromText(schema, new BuildOptions { SchemaRegistry = new SchemaRegistry() });

        public JsonElement SchemaElement { get; } = JsonDocument.Parse(schema).RootElement.Clone();
    }

    /// <summary>Asks; the answer when it is one JSON object valid against the schema, else null (counted as a fallback).</summary>
    public async Task<JsonObject?> AskAsync(Answer answer, string instructions, JsonObject question, ReasoningLedger ledger, CancellationToken cancellationToken)
    {
        ChatResponse response;
        try
        {
            response = await chat.GetResponseAsync(
                [new ChatMessage(ChatRole.System, instructions + " Answer with one JSON object only."), new ChatMessage(ChatRole.User, question.ToJsonString())],
                new ChatOptions
                {
                    ModelId = options.Value.Model,
                    Temperature = 0,
                    MaxOutputTokens = options.Value.MaxOutputTokens,
                    ResponseFormat = ChatResponseFormat.ForJsonSchema(answer.SchemaElement, answer.Name),
                },
                cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            ledger.RecordFallback();
            Log.ProviderFailed(logger, ex, answer.Name);
            return null;
        }

        ledger.RecordCall(response.Usage?.InputTokenCount, response.Usage?.OutputTokenCount);
        JsonNode? parsed;
        try
        {
            parsed = JsonNode.Parse(StripFence(response.Text));
        }
        catch (JsonException)
        {
            parsed = null;
        }

        if (parsed is not JsonObject obj || !answer.Schema.Evaluate(JsonSerializer.SerializeToElement(obj)).IsValid)
        {
            Fallback(ledger, answer.Name, "the answer is not JSON in the expected schema");
            return null;
        }

        return obj;
    }

    /// <summary>Records that a schema-valid answer was still not usable, and why.</summary>
    public void Fallback(ReasoningLedger ledger, string question, string why)
    {
        ledger.RecordFallback();
        Log.Fallback(logger, question, why);
    }

    /// <summary>A JSON array of strings (schema-checked) as a list.</summary>
    public static IReadOnlyList<string> Strings(JsonNode? node) => node is JsonArray a ? [.. a.Select(n => n!.GetValue<string>())] : [];

    /// <summary>Models sometimes wrap JSON in a Markdown fence despite the instructions.</summary>
    private static string StripFence(string text)
    {
        var t = text.Trim();
        if (!t.StartsWith("```", StringComparison.Ordinal))
        {
            return t;
        }

        var start = t.IndexOf('\n');
        var end = t.LastIndexOf("```", StringComparison.Ordinal);
        return start >= 0 && end > start ? t[(start + 1)..end] : t;
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "The model's {Question} answer was not used ({Why}); the deterministic rules decided")]
        public static partial void Fallback(ILogger logger, string question, string why);

        [LoggerMessage(2, LogLevel.Warning, "The model failed to answer {Question}; the deterministic rules decided")]
        public static partial void ProviderFailed(ILogger logger, Exception exception, string question);
    }
}
