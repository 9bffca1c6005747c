using Dapper;
using Npgsql;

namespace Alavida.Grains.Registry;

/// <summary>
/// Publishes the components shipped in this build into <c>registry_components</c>/<c>registry_versions</c>. Runs as
/// part of the migration (under its lock): a new version is inserted, an unchanged one is left alone.
/// </summary>
public static class RegistrySeeder
{
    public static async Task<int> SeedAsync(NpgsqlConnection connection, CancellationToken cancellationToken = default)
    {
        var published = 0;
        foreach (var component in ComponentManifest.LoadEmbedded())
        {
            await using var tx = await connection.BeginTransactionAsync(cancellationToken);
            var changed = await connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO public.registry_components (slug, name, kind, description, latest_version)
                VALUES (@Slug, @Name, @Kind, @Description, @Version)
                ON CONFLICT (slug) DO UPDATE SET name = excluded.name, kind = excluded.kind, description = excluded.description,
                                                 latest_version = excluded.latest_version, updated_at = now()
                WHERE (registry_components.name, registry_components.kind, registry_components.description, registry_components.latest_version)
                      IS DISTINCT FROM (excluded.name, excluded.kind, excluded.description, excluded.latest_version);
                INSERT INTO public.registry_versions (slug, version, manifest, skill_md, skill_sha256)
                VALUES (@Slug, @Version, @ManifestJson::jsonb, @SkillMarkdown, @SkillSha256)
                ON CONFLICT (slug, version) DO UPDATE SET manifest = excluded.manifest, skill_md = excluded.skill_md,
                                                          skill_sha256 = excluded.skill_sha256, published_at = now()
                WHERE registry_versions.skill_sha256 <> excluded.skill_sha256 OR registry_versions.manifest <> excluded.manifest;
                """,
                new { component.Slug, component.Name, component.Kind, component.Description, component.Version, component.ManifestJson, component.SkillMarkdown, component.SkillSha256 },
                tx, cancellationToken: cancellationToken));
            await tx.CommitAsync(cancellationToken);
            published += changed > 0 ? 1 : 0;
        }

        return published;
    }
}
