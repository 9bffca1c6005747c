using Alavida.Grains.Data;
using Alavida.Grains.Identity.Data;
using Alavida.Grains.Platform;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Alavida.Grains.Identity;

public static class IdentityServiceCollectionExtensions
{
    /// <summary>The identity quantum's services: its connection pool, stores and event outbox. Safe to call twice.</summary>
    /// <param name="services">The silo's services.</param>
    /// <param name="connectionString">The platform database (tables are schema-qualified, any search path works).</param>
    public static IServiceCollection AddAlavidaIdentity(this IServiceCollection services, string connectionString)
    {
        services.TryAddSingleton(_ => new IdentityDatabase(connectionString));
        services.TryAddSingleton(TimeProvider.System);
        services.AddGroupCommitter(connectionString);
        services.TryAddSingleton<IIdentityEvents, OutboxIdentityEvents>();
        services.TryAddSingleton<CompanyStore>();
        services.TryAddSingleton<PersonStore>();
        services.TryAddSingleton<KnownKeys>();
        services.TryAddSingleton<TeamLinks>();
        services.TryAddSingleton<IdentityLinker>();
        services.TryAddSingleton<TeamMerges>();
        services.TryAddSingleton<IdentityOutboxNudge>();
        services.TryAddSingleton<IdentityResolver>();
        if (!services.Any(s => s.ImplementationType == typeof(ResolveCompanyAction)))
        {
            services.AddQuantumAction<ResolveCompanyAction>();
            services.AddQuantumAction<ResolvePersonAction>();
            services.AddQuantumAction<MergeAction>();
        }

        return services;
    }
}
