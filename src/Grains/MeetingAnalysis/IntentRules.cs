using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Alavida.Grains.MeetingAnalysis;

/// <summary>A snippet of a meeting about a company: who said it, when, the text (bounded), and whether it names the company.</summary>
public sealed record Snippet(string Speaker, double? StartS, string Text, bool NamesCompany = true);

/// <summary>Why a mention carries an intent: the phrase, and the snippet it is in (index into the mention's snippets).</summary>
public sealed record IntentEvidence(string Intent, string Phrase, int Snippet);

/// <summary>
/// The deterministic intent rules: every configured phrase in one compiled pattern (case-insensitive, on word
/// boundaries), so a snippet is read once whatever the number of phrases; each intent found names its phrase and snippet.
/// </summary>
public sealed class IntentRules
{
    public const string Name = "deterministic";

    private readonly Regex _pattern;
    private readonly Dictionary<string, List<string>> _intentsByPhrase = new(StringComparer.OrdinalIgnoreCase);

    public IntentRules(IOptions<MeetingAnalysisOptions> options)
    {
        foreach (var (intent, phrases) in options.Value.IntentPhrases)
        {
            foreach (var phrase in phrases.Select(p => p.Trim().ToLowerInvariant()).Where(p => p.Length > 0).Distinct())
            {
                if (!_intentsByPhrase.TryGetValue(phrase, out var intents))
                {
                    _intentsByPhrase[phrase] = intents = [];
                }

                intents.Add(intent);
            }
        }

        var alternatives = _intentsByPhrase.Keys.OrderByDescending(p => p.Length).Select(p => Regex.Escape(p).Replace("\\ ", "\\s+", StringComparison.Ordinal));
        _pattern = new Regex($@"\b(?:{string.Join('|', alternatives)})\b",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Compiled);
    }

    /// <summary>The intents of a company from its snippets, each with the first phrase and snippet that shows it, in <see cref="Intents.All"/> order.</summary>
    public IReadOnlyList<IntentEvidence> Detect(IReadOnlyList<Snippet> snippets)
    {
        var found = new Dictionary<string, IntentEvidence>(StringComparer.Ordinal);
        for (var i = 0; i < snippets.Count; i++)
        {
            foreach (Match m in _pattern.Matches(snippets[i].Text))
            {
                var phrase = string.Join(' ', m.Value.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)).ToLowerInvariant();
                // What the company's own people say shows its intents, but not that it is someone's competitor: that
                // takes a snippet naming it ("we currently use Kardex").
                foreach (var intent in (_intentsByPhrase.GetValueOrDefault(phrase) ?? []).Where(x => snippets[i].NamesCompany || x != Intents.Competitor))
                {
                    found.TryAdd(intent, new IntentEvidence(intent, phrase, i));
                }
            }
        }

        return [.. Intents.All.Where(found.ContainsKey).Select(i => found[i])];
    }

    /// <summary>How many intents each snippet shows (to pick the snippets worth keeping).</summary>
    public int Count(string text) => _pattern.Count(text);
}
