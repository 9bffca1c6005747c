using Microsoft.Extensions.DependencyInjection;

namespace Alavida.Grains.Mesh;

/// <summary>Registers the mesh runtime in a silo, and functions from C#.</summary>
public static class MeshHostingExtensions
{
    /// <summary>
    /// Adds the mesh runtime (router, write batcher, gates, run grains, reconciliation) to the silo. Needs an
    /// <c>NpgsqlDataSource</c> in the services (the platform database, which <paramref name="connectionString"/> names
    /// too: the writer keeps its own pool on it, see <see cref="MeshDatabase"/>). Safe to call twice. Time comes from
    /// <see cref="MeshClock"/>.
    /// </summary>
    public static ISiloBuilder AddAlavidaMesh(this ISiloBuilder silo, string connectionString)
    {
        var services = silo.Services;
        if (services.Any(s => s.ServiceType == typeof(MeshRouter)))
        {
            return silo;
        }

        services.AddSingleton(_ => new MeshDatabase(connectionString));
        services.AddSingleton<MeshClock>();
        services.AddSingleton<MeshMonitor>();
        services.AddSingleton<MeshFunctionRegistry>();
        services.AddSingleton<MeshStore>();
        services.AddSingleton<MeshStepGroups>();
        services.AddSingleton<MeshQueries>();
        services.AddSingleton<MeshRouter>();
        services.AddSingleton<MeshReconciler>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<MeshReconciler>());
        return silo;
    }

    /// <summary>
    /// Registers a mesh function. The definition is validated when the silo starts; an invalid one stops start-up
    /// with a <see cref="MeshDefinitionException"/> naming every problem.
    /// </summary>
    public static IServiceCollection AddMeshFunction(this IServiceCollection services, MeshFunctionDefinition function)
    {
        services.AddSingleton(function);
        return services;
    }
}
