using Alavida.Grains.Mesh;
using Alavida.Grains.Platform;
using Alavida.Grains.Prospect;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Alavida.Grains.Meetings;

public static class MeetingHostingExtensions
{
    /// <summary>
    /// meeting-sync in a silo: its <c>ingest</c> action, its <c>meeting/transcript.received</c> function (at most
    /// <c>Prospect:ConcurrencyPerTeam</c> runs per team at once, as the cascade's) and its store.
    /// </summary>
    public static IServiceCollection AddAlavidaMeetings(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton<QuantumPrices>();
        services.TryAddSingleton<CascadeBilling>();
        services.AddSingleton<MeetingStore>();
        services.AddSingleton<MeetingIngestor>();
        services.AddQuantumAction<IngestMeetingsAction>();
        services.AddMeshFunction(TranscriptReceivedFunction.Create(
            configuration.GetValue("Prospect:ConcurrencyPerTeam", ProspectHostingExtensions.DefaultConcurrencyPerTeam)));
        return services;
    }
}
