using System.ComponentModel.DataAnnotations;
using Alavida.Grains.Mesh;
using Alavida.Grains.Platform;
using Alavida.Grains.Prospect;
using Alavida.Grains.Prospect.Reasoning;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Alavida.Grains.MeetingAnalysis;

public static class MeetingAnalysisHostingExtensions
{
    /// <summary>
    /// meeting-analysis in a silo: its <c>analyze</c> action, its <c>meeting/transcript.added</c> function (at most
    /// <c>MeetingAnalysis:ConcurrencyPerTeam</c> runs per team at once, by default the cascade's
    /// <c>Prospect:ConcurrencyPerTeam</c>), its rules (section
    /// <c>MeetingAnalysis</c>, checked at start) and the intent reasoner chosen by <c>Reasoning:Provider</c>.
    /// Needs the prospect chain (<see cref="ProspectHostingExtensions.AddAlavidaProspect"/>): its store takes the people and signals.
    /// </summary>
    public static IServiceCollection AddAlavidaMeetingAnalysis(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<MeetingAnalysisOptions>()
            .Bind(configuration.GetSection(MeetingAnalysisOptions.SectionName))
            .Validate(o => Validator.TryValidateObject(o, new ValidationContext(o), null, validateAllProperties: true),
                $"{MeetingAnalysisOptions.SectionName}: a value is out of range (MaxSnippets 1–20, MaxSnippetChars 80–2000, BaseEngagement 0–1)")
            .Validate(o => o.NamesKnownIntents(), $"{MeetingAnalysisOptions.SectionName}: IntentPhrases and IntentWeights may only name {string.Join(", ", Intents.All)}")
            .ValidateOnStart();
        services.TryAddSingleton<QuantumPrices>();
        services.TryAddSingleton<CascadeBilling>();
        services.TryAddSingleton<StructuredChat>();
        services.AddSingleton<AnalysisStore>();
        services.AddSingleton<KnownNamesCache>();
        services.AddSingleton<IntentRules>();
        services.AddSingleton<DeterministicMentionReasoner>();
        services.AddSingleton<IMentionReasoner>(sp => sp.GetRequiredService<IOptions<ReasonerOptions>>().Value.UsesModel
            ? ActivatorUtilities.CreateInstance<LlmMentionReasoner>(sp)
            : sp.GetRequiredService<DeterministicMentionReasoner>());
        services.AddSingleton<MeetingAnalyzer>();
        services.AddSingleton<MentionCommitter>();
        services.AddQuantumAction<AnalyzeMeetingsAction>();
        var cascade = configuration.GetValue("Prospect:ConcurrencyPerTeam", ProspectHostingExtensions.DefaultConcurrencyPerTeam);
        services.AddMeshFunction(TranscriptAddedFunction.Create(configuration.GetValue($"{MeetingAnalysisOptions.SectionName}:ConcurrencyPerTeam", cascade)));
        return services;
    }
}
