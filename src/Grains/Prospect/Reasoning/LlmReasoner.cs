using System.Text.Json;
using System.Text.Json.Nodes;

namespace Alavida.Grains.Prospect.Reasoning;

/// <summary>
/// Reasons with a chat model (<c>IChatClient</c>: Anthropic, or any OpenAI-compatible endpoint). Each question
/// asks for JSON in a fixed schema; an answer that is not valid JSON, breaks the schema, or comes back as an error
/// falls back to the <see cref="DeterministicReasoner"/>, so a decision is always made and always explained. Hard rules
/// stay deterministic (exclusions disqualify; the evidence of a score is the weighted signals).
/// </summary>
public sealed class LlmReasoner(StructuredChat chat, DeterministicReasoner fallback) : IProspectReasoner
{
    public const string Name = "llm";

    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private static readonly StructuredChat.Answer Qualification = new("qualification", """
        {"type":"object","additionalProperties":false,"required":["score","passed_criteria","failed_criteria","reasons"],
         "properties":{"score":{"type":"number","minimum":0,"maximum":100},
                       "passed_criteria":{"type":"array","items":{"type":"string"}},
                       "failed_criteria":{"type":"array","items":{"type":"string"}},
                       "reasons":{"type":"array","minItems":1,"items":{"type":"string","minLength":1}}}}
        """);

    private static readonly StructuredChat.Answer Matches = new("lead_matches", """
        {"type":"object","additionalProperties":false,"required":["matches"],
         "properties":{"matches":{"type":"array","items":{"type":"object","additionalProperties":false,"required":["index","score","reasons"],
           "properties":{"index":{"type":"integer","minimum":0},"score":{"type":"number","minimum":0,"maximum":100},
                         "reasons":{"type":"array","minItems":1,"items":{"type":"string","minLength":1}}}}}}}
        """);

    private static readonly StructuredChat.Answer Intent = new("buying_intent", """
        {"type":"object","additionalProperties":false,"required":["score","reasons"],
         "properties":{"score":{"type":"number","minimum":0,"maximum":100},
                       "reasons":{"type":"array","minItems":1,"items":{"type":"string","minLength":1}}}}
        """);

    public async Task<FitEvaluation> QualifyAsync(IcpProfile icp, CompanyCandidate company, double minScore, ReasoningLedger ledger, CancellationToken cancellationToken)
    {
        var rules = fallback.Qualify(icp, company, minScore);
        if (rules.Failed.Contains("excluded_domains") || rules.Failed.Contains("excluded_keywords"))
        {
            return rules; // exclusions are the customer's hard rules: no model overrides them
        }

        var question = new JsonObject
        {
            ["icp"] = JsonSerializer.SerializeToNode(icp, Web),
            ["company"] = company.ToJson(),
            ["criteria"] = Json.Array(rules.Passed.Concat(rules.Failed)),
        };
        var answer = await chat.AskAsync(Qualification,
            "You judge how well a company fits an ideal customer profile (ICP). Score the fit 0-100, list the ICP criteria the company " +
            "passed and failed (use the names given in 'criteria') and give one short reason per criterion. Judge only on the facts given.",
            question, ledger, cancellationToken);
        if (answer is null)
        {
            return rules;
        }

        var score = Math.Round(answer["score"]!.GetValue<double>(), 1);
        var reasons = Strings(answer["reasons"]);
        var qualified = score >= minScore;
        return new FitEvaluation(qualified, score, Strings(answer["passed_criteria"]), Strings(answer["failed_criteria"]), reasons, Name);
    }

    public async Task<IReadOnlyList<LeadMatch>> MatchAsync(Persona persona, IReadOnlyList<PersonCandidate> people, ReasoningLedger ledger, CancellationToken cancellationToken)
    {
        var rules = await fallback.MatchAsync(persona, people, ledger, cancellationToken);
        if (people.Count == 0)
        {
            return rules;
        }

        var question = new JsonObject
        {
            ["persona"] = persona.ToJson(),
            ["people"] = new JsonArray([.. people.Select((p, i) => (JsonNode)new JsonObject
            {
                ["index"] = i, ["title"] = p.Title, ["seniority"] = p.Seniority, ["department"] = p.Department,
            })]),
        };
        var answer = await chat.AskAsync(Matches,
            "You match people at a company against a buyer persona. For every person (by index) give a match score 0-100 and short reasons " +
            "naming which persona criteria (title keywords, seniorities, departments) they meet or miss.",
            question, ledger, cancellationToken);
        var byIndex = new Dictionary<int, JsonNode>();
        var wellFormed = answer?["matches"] is JsonArray matches && matches.All(m =>
            m?["index"] is JsonValue index && index.TryGetValue<double>(out var i) && i == Math.Floor(i) && i >= 0 && i < people.Count && byIndex.TryAdd((int)i, m));
        if (!wellFormed || byIndex.Count != people.Count)
        {
            if (answer is not null)
            {
                chat.Fallback(ledger, Matches.Name, "the answer does not cover every person exactly once");
            }

            return rules;
        }

        return [.. people.Select((p, i) =>
        {
            var m = byIndex[i];
            var score = Math.Round(m["score"]!.GetValue<double>(), 1);
            return new LeadMatch(p, score >= fallback.MinMatchScore, score, Strings(m["reasons"]));
        })];
    }

    public async Task<SignalScore> ScoreAsync(IReadOnlyList<StoredSignal> signals, DateTimeOffset now, ReasoningLedger ledger, CancellationToken cancellationToken)
    {
        var rules = fallback.Score(signals, now);
        var question = new JsonObject
        {
            ["now"] = now,
            ["signals"] = new JsonArray([.. signals.Select(s => (JsonNode)new JsonObject
            {
                ["type"] = s.Type, ["observed_at"] = s.ObservedAt, ["strength"] = s.Strength, ["recency_factor"] = fallback.DecayOf(now - s.ObservedAt), ["evidence"] = s.Evidence,
            })]),
        };
        var answer = await chat.AskAsync(Intent,
            "You score a company's buying intent 0-100 from observed signals. Recent, strong signals count most; layoffs and careers-only " +
            "visits count against. Give the score and short reasons.",
            question, ledger, cancellationToken);
        if (answer is null)
        {
            return rules;
        }

        var score = Math.Round(answer["score"]!.GetValue<double>(), 1);
        return rules with { Score = score, Tier = fallback.TierOf(score), Reasons = Strings(answer["reasons"]), Reasoner = Name };
    }

    private static IReadOnlyList<string> Strings(JsonNode? node) => StructuredChat.Strings(node);
}
