using Alavida.Grains.Mesh;
using Alavida.Grains.Platform;
using Alavida.Grains.Prospect.Reasoning;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Alavida.Grains.Prospect;

public static class ProspectHostingExtensions
{
    /// <summary>Per-team concurrency of each cascade function (configuration <c>Prospect:ConcurrencyPerTeam</c>).</summary>
    public const int DefaultConcurrencyPerTeam = 5;

    /// <summary>
    /// The prospect chain in a silo: icp-discovery, lead-discovery and buying-signals (their actions, their mesh
    /// functions, the store) and the reasoner chosen by <c>Reasoning:Provider</c>. A model provider other than
    /// <c>deterministic</c> needs an <c>IChatClient</c> under <see cref="ReasonerOptions.ChatClientKey"/>.
    /// </summary>
    public static IServiceCollection AddAlavidaProspect(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ProspectScoringOptions>().Bind(configuration.GetSection(ProspectScoringOptions.Section));
        services.AddOptions<ReasonerOptions>().Bind(configuration.GetSection(ReasonerOptions.Section));
        services.AddSingleton<ProspectStore>();
        services.AddSingleton<QuantumPrices>();
        services.AddSingleton<CascadeBilling>();
        services.AddSingleton<Qualifier>();
        services.AddSingleton<LeadFinder>();
        services.AddSingleton<SignalScorer>();
        services.AddSingleton<DeterministicReasoner>();
        services.TryAddSingleton<StructuredChat>(); // resolved only when a model reasons (it needs the keyed chat client)
        services.AddSingleton<IProspectReasoner>(sp => sp.GetRequiredService<IOptions<ReasonerOptions>>().Value.UsesModel
            ? ActivatorUtilities.CreateInstance<LlmReasoner>(sp)
            : sp.GetRequiredService<DeterministicReasoner>());

        services.AddQuantumAction<QualifyAction>();
        services.AddQuantumAction<DiscoverAction>();
        services.AddQuantumAction<IngestPeopleAction>();
        services.AddQuantumAction<ScoreAction>();
        services.AddQuantumAction<IngestSignalsAction>();

        var concurrency = configuration.GetValue("Prospect:ConcurrencyPerTeam", DefaultConcurrencyPerTeam);
        services.AddMeshFunction(QualifyMentionFunction.Create(concurrency));
        services.AddMeshFunction(LeadsOnQualifiedFunction.Create(concurrency));
        services.AddMeshFunction(ScoreOnLeadsFunction.Create(concurrency));
        return services;
    }
}
