using System.ComponentModel.DataAnnotations;

namespace Alavida.Grains.MeetingAnalysis;

/// <summary>The intents a mention can carry (docs/meeting-analysis.md).</summary>
public static class Intents
{
    public const string Evaluation = "evaluation";
    public const string Pain = "pain";
    public const string Competitor = "competitor";
    public const string Pricing = "pricing";
    public const string Timeline = "timeline";
    public const string Budget = "budget";
    public const string Objection = "objection";
    public const string NextStep = "next_step";

    public static IReadOnlyList<string> All => MeetingAnalysisLimits.Intents;
}

/// <summary>
/// meeting-analysis' rules (configuration section <c>MeetingAnalysis</c>): the phrases that make each intent, how much each
/// intent adds to the engagement signal, snippet bounds, domains that are never a company mention, and each team's own
/// domains (its host side). Phrases and domains given in configuration are added to these defaults.
/// </summary>
public sealed class MeetingAnalysisOptions
{
    public const string SectionName = "MeetingAnalysis";

    /// <summary>Phrases per intent, matched case-insensitively on word boundaries in the mention's snippets.</summary>
    public Dictionary<string, List<string>> IntentPhrases { get; set; } = new(StringComparer.Ordinal)
    {
        [Intents.Evaluation] = ["evaluating", "evaluate", "trial", "pilot", "proof of concept", "poc", "demo", "looking at options", "shortlist", "comparing vendors", "test drive", "sandbox"],
        [Intents.Pain] = ["struggling", "pain point", "the problem is", "biggest problem", "frustrating", "frustrated", "takes forever", "manual process", "bottleneck", "broken", "churn", "losing deals", "too slow", "headache"],
        [Intents.Competitor] = ["competitor", "we currently use", "currently using", "we use", "switch from", "switching from", "instead of", "compared to", "versus", "vs", "alternative to", "moving away from", "replace"],
        [Intents.Pricing] = ["pricing", "price", "cost", "quote", "discount", "per seat", "license fee", "licence fee", "subscription", "how much"],
        [Intents.Timeline] = ["timeline", "by the end of", "next quarter", "this quarter", "q1", "q2", "q3", "q4", "deadline", "go live", "go-live", "rollout", "by january", "by march", "by june", "by september", "within weeks"],
        [Intents.Budget] = ["budget", "budgeted", "funding", "approved spend", "cfo sign-off", "procurement", "purchase order"],
        [Intents.Objection] = ["concern", "concerned", "too expensive", "not sure", "security review", "risk", "hesitant", "blocker", "pushback", "not a priority"],
        [Intents.NextStep] = ["next step", "next steps", "follow up", "follow-up", "send over", "schedule", "set up a call", "book a meeting", "introduce you", "send the proposal", "contract", "sign the"],
    };

    /// <summary>What each intent adds to a mentioned company's engagement strength (0–1, after <see cref="BaseEngagement"/>).</summary>
    public Dictionary<string, double> IntentWeights { get; set; } = new(StringComparer.Ordinal)
    {
        [Intents.Evaluation] = 0.15, [Intents.Pain] = 0.1, [Intents.Competitor] = 0, [Intents.Pricing] = 0.15, [Intents.Timeline] = 0.1,
        [Intents.Budget] = 0.15, [Intents.Objection] = -0.1, [Intents.NextStep] = 0.15,
    };

    /// <summary>Engagement strength of a company discussed without any intent.</summary>
    [Range(0.0, 1.0)]
    public double BaseEngagement { get; set; } = 0.3;

    /// <summary>Snippets kept per mention.</summary>
    [Range(1, 20)]
    public int MaxSnippets { get; set; } = 5;

    /// <summary>Characters kept per snippet (a longer segment is cut around the mention).</summary>
    [Range(80, 2000)]
    public int MaxSnippetChars { get; set; } = 280;

    /// <summary>
    /// Hosts or registrable domains never reported as a company mention: reserved example domains and meeting tools whose
    /// links are pasted in every call.
    /// </summary>
    public List<string> IgnoredDomains { get; set; } =
        ["example.com", "example.org", "example.net", "zoom.us", "meet.google.com", "teams.microsoft.com", "calendly.com", "docs.google.com", "drive.google.com"];

    /// <summary>Each team's own domains (team id → domains): the host side, never reported, besides each meeting's organizer and hosts.</summary>
    public Dictionary<string, List<string>> TeamDomains { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>True when every intent named in configuration is one of <see cref="Intents.All"/>.</summary>
    public bool NamesKnownIntents() => IntentPhrases.Keys.Concat(IntentWeights.Keys).All(Intents.All.Contains);
}
