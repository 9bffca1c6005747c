using Alavida.Grains.Identity.Data;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Alavida.Grains.Identity;

public static class IdentityServiceCollectionExtensions
{
    /// <summary>The identity quantum's services: its stores and the event outbox. Safe to call twice.</summary>
    public static IServiceCollection AddAlavidaIdentity(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IIdentityEvents, OutboxIdentityEvents>();
        services.TryAddSingleton<CompanyStore>();
        services.TryAddSingleton<PersonStore>();
        return services;
    }
}
