using Alavida.Grains.Platform;
using Dapper;
using Npgsql;
using Orleans.Concurrency;

namespace Alavida.Grains.Registry;

/// <summary>Serves the registry from a short-lived cache of its tables; stateless, so every silo answers locally.</summary>
[StatelessWorker]
public sealed class RegistryGrain(NpgsqlDataSource db, QuantumActionCatalog catalog, TimeProvider time) : Grain, IRegistryGrain
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(30);
    private IReadOnlyList<(ComponentDescriptor Component, string Skill)>? _cache;
    private DateTimeOffset _loadedAt;

    public async Task<IReadOnlyList<ComponentDescriptor>> SearchAsync(string? query)
    {
        var all = await LoadAsync();
        var terms = (query ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return all.Select(c => c.Component)
            .Where(c => terms.All(t => Searchable(c).Contains(t, StringComparison.OrdinalIgnoreCase)))
            .ToList();
    }

    public async Task<ComponentDescriptor?> GetAsync(string slug) => (await LoadAsync()).FirstOrDefault(c => c.Component.Slug == slug).Component;

    public async Task<string?> GetSkillAsync(string slug) => (await LoadAsync()).FirstOrDefault(c => c.Component.Slug == slug).Skill;

    private static string Searchable(ComponentDescriptor c) =>
        string.Join(' ', [c.Slug, c.Name, c.Kind, c.Description, .. c.Actions.Select(a => a.Name), .. c.EventsConsumed, .. c.EventsEmitted]);

    private async Task<IReadOnlyList<(ComponentDescriptor Component, string Skill)>> LoadAsync()
    {
        if (_cache is not null && time.GetUtcNow() - _loadedAt < CacheFor)
        {
            return _cache;
        }

        await using var connection = await db.OpenConnectionAsync();
        var rows = await connection.QueryAsync<Row>(
            """
            SELECT v.manifest::text AS manifest, v.skill_md, v.published_at
              FROM registry_components c JOIN registry_versions v ON v.slug = c.slug AND v.version = c.latest_version
             ORDER BY c.slug
            """);
        _cache = rows.Select(r => (ComponentManifest.Parse(r.Manifest, r.SkillMd).ToDescriptor(r.PublishedAt.Utc(), (q, a) => catalog.Find(q, a) is not null), r.SkillMd)).ToList();
        _loadedAt = time.GetUtcNow();
        return _cache;
    }

    private sealed record Row(string Manifest, string SkillMd, DateTime PublishedAt);
}
