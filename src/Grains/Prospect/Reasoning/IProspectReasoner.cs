using System.Text.Json.Nodes;

namespace Alavida.Grains.Prospect.Reasoning;

/// <summary>
/// How the agentic quantums decide: qualify a company against an ICP, match people against a persona, score buying
/// signals. Two implementations: <see cref="DeterministicReasoner"/> (the default; weights in configuration, every
/// decision explained) and <see cref="LlmReasoner"/> (an <c>IChatClient</c>, validated, with the deterministic scorer
/// as fallback).
/// </summary>
public interface IProspectReasoner
{
    /// <summary>Scores a company's fit; <paramref name="minScore"/> is the threshold that applies.</summary>
    Task<FitEvaluation> QualifyAsync(IcpProfile icp, CompanyCandidate company, double minScore, ReasoningLedger ledger, CancellationToken cancellationToken);

    /// <summary>Matches every person against the persona (one result per person, in the same order).</summary>
    Task<IReadOnlyList<LeadMatch>> MatchAsync(Persona persona, IReadOnlyList<PersonCandidate> people, ReasoningLedger ledger, CancellationToken cancellationToken);

    /// <summary>Scores a company's signals as of <paramref name="now"/>.</summary>
    Task<SignalScore> ScoreAsync(IReadOnlyList<StoredSignal> signals, DateTimeOffset now, ReasoningLedger ledger, CancellationToken cancellationToken);
}

/// <summary>What reasoning cost during one job or run: model calls, tokens, fallbacks. Safe to share across threads.</summary>
public sealed class ReasoningLedger
{
    private long _calls;
    private long _inputTokens;
    private long _outputTokens;
    private long _fallbacks;

    public long Calls => Interlocked.Read(ref _calls);

    public long InputTokens => Interlocked.Read(ref _inputTokens);

    public long OutputTokens => Interlocked.Read(ref _outputTokens);

    public long Fallbacks => Interlocked.Read(ref _fallbacks);

    public void RecordCall(long? inputTokens, long? outputTokens)
    {
        Interlocked.Increment(ref _calls);
        Interlocked.Add(ref _inputTokens, inputTokens ?? 0);
        Interlocked.Add(ref _outputTokens, outputTokens ?? 0);
    }

    public void RecordFallback() => Interlocked.Increment(ref _fallbacks);

    /// <summary>Adds the figures as <c>reasoning</c> to a job's usage metrics or a run's output, when a model was asked.</summary>
    public JsonObject AddTo(JsonObject target)
    {
        if (Calls > 0 || Fallbacks > 0)
        {
            target["reasoning"] = new JsonObject { ["llm_calls"] = Calls, ["input_tokens"] = InputTokens, ["output_tokens"] = OutputTokens, ["fallbacks"] = Fallbacks };
        }

        return target;
    }
}
