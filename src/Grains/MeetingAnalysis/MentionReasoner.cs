using System.Text.Json.Nodes;
using Alavida.Grains.Prospect.Reasoning;

namespace Alavida.Grains.MeetingAnalysis;

/// <summary>A mention's intents and who decided them (<c>deterministic</c> or <c>llm</c>).</summary>
public sealed record MentionIntents(IReadOnlyList<IntentEvidence> Evidence, string Reasoner)
{
    public IReadOnlyList<string> Intents { get; } = [.. Evidence.Select(e => e.Intent).Distinct()];
}

/// <summary>Reads the intents of a company from its snippets: <see cref="DeterministicMentionReasoner"/> by default, <see cref="LlmMentionReasoner"/> when a model is configured.</summary>
public interface IMentionReasoner
{
    Task<MentionIntents> ReadAsync(MentionDraft mention, ReasoningLedger ledger, CancellationToken cancellationToken);
}

/// <summary>The phrase lists of <see cref="MeetingAnalysisOptions"/>: every intent names its phrase and snippet.</summary>
public sealed class DeterministicMentionReasoner(IntentRules rules) : IMentionReasoner
{
    public Task<MentionIntents> ReadAsync(MentionDraft mention, ReasoningLedger ledger, CancellationToken cancellationToken) =>
        Task.FromResult(new MentionIntents(rules.Detect(mention.Snippets), IntentRules.Name));
}

/// <summary>
/// Asks the reasoning model (the prospect chain's <see cref="StructuredChat"/>: schema-checked JSON, GenAI spans) which
/// intents the snippets show, each quoting its phrase and snippet. An answer that fails the schema, names a snippet
/// that does not exist or quotes a phrase the snippet does not contain is not used: the phrase lists decide.
/// </summary>
public sealed class LlmMentionReasoner(StructuredChat chat, DeterministicMentionReasoner fallback) : IMentionReasoner
{
    public const string Name = "llm";

    private static readonly StructuredChat.Answer Answer = new("mention_intents", """
        {"type":"object","additionalProperties":false,"required":["intents"],
         "properties":{"intents":{"type":"array","items":{"type":"object","additionalProperties":false,"required":["intent","snippet","phrase"],
           "properties":{"intent":{"enum":["evaluation","pain","competitor","pricing","timeline","budget","objection","next_step"]},
                         "snippet":{"type":"integer","minimum":0},
                         "phrase":{"type":"string","minLength":1,"maxLength":200}}}}}}
        """); // the enum is Intents.All

    public async Task<MentionIntents> ReadAsync(MentionDraft mention, ReasoningLedger ledger, CancellationToken cancellationToken)
    {
        if (mention.Snippets.Count == 0)
        {
            return await fallback.ReadAsync(mention, ledger, cancellationToken);
        }

        var question = new JsonObject
        {
            ["company"] = mention.Name ?? mention.Domain,
            ["snippets"] = new JsonArray([.. mention.Snippets.Select((s, i) => (JsonNode)new JsonObject { ["index"] = i, ["speaker"] = s.Speaker, ["text"] = s.Text })]),
        };
        var answer = await chat.AskAsync(Answer,
            "You read snippets of a sales call about one company and list the buying intents they show about that company: " +
            $"{string.Join(", ", Intents.All)}. For each intent give the snippet index and the exact phrase from that snippet that shows it. " +
            "List only intents the snippets show.",
            question, ledger, cancellationToken);
        if (answer is null)
        {
            return await fallback.ReadAsync(mention, ledger, cancellationToken);
        }

        var evidence = answer["intents"]!.AsArray().Select(n => new IntentEvidence(
            n!["intent"]!.GetValue<string>(), n["phrase"]!.GetValue<string>(), (int)n["snippet"]!.GetValue<double>())).ToList();
        if (evidence.Any(e => e.Snippet >= mention.Snippets.Count || !mention.Snippets[e.Snippet].Text.Contains(e.Phrase, StringComparison.OrdinalIgnoreCase)))
        {
            chat.Fallback(ledger, Answer.Name, "an intent quotes a snippet or phrase that is not there");
            return await fallback.ReadAsync(mention, ledger, cancellationToken);
        }

        var ordered = Intents.All.SelectMany(i => evidence.Where(e => e.Intent == i).Take(1)).ToList();
        return new MentionIntents(ordered, Name);
    }
}
