using Alavida.Grains.Platform;
using Dapper;
using Npgsql;
using Orleans.Concurrency;

namespace Alavida.Grains.Identity;

/// <summary>
/// Per-team visibility over the global identities, and the reads behind <c>/identity/data</c> (the links themselves
/// are written by <see cref="IdentityLinker"/>), as the team sees them: an entity the team merged away reads as its
/// survivor with <c>merged_into</c>, exactly as a global tombstone does (ADR 0006). Stateless and reentrant: every call
/// only waits on the database.
/// </summary>
[StatelessWorker, Reentrant]
public sealed class IdentityDataGrain(NpgsqlDataSource db, IdentityResolver resolver, TeamMerges merges) : Grain, IIdentityDataGrain
{
    public async Task<bool> AreVisibleAsync(Guid teamId, IdentityKind kind, IReadOnlyList<Guid> entityIds)
    {
        foreach (var id in entityIds.Distinct())
        {
            var survivor = kind == IdentityKind.Company
                ? (await GrainFactory.GetGrain<ICompanyGrain>(id).GetAsync())?.Id
                : (await GrainFactory.GetGrain<IPersonGrain>(id).GetAsync())?.Id;
            if (survivor is null || !await IsLinkedAsync(teamId, kind, id, survivor.Value))
            {
                return false;
            }
        }

        return true;
    }

    public async Task<CompanyView?> GetCompanyAsync(Guid teamId, Guid companyId)
    {
        var view = await GrainFactory.GetGrain<ICompanyGrain>(companyId).GetAsync();
        return view is not null && await IsLinkedAsync(teamId, IdentityKind.Company, companyId, view.Id) ? await SeenByAsync(teamId, view) : null;
    }

    public async Task<IReadOnlyDictionary<Guid, string>> GetCompanyLabelsAsync(Guid teamId, IReadOnlyList<Guid> companyIds)
    {
        if (companyIds.Count == 0)
        {
            return new Dictionary<Guid, string>();
        }

        await using var connection = await db.OpenConnectionAsync();
        var rows = await connection.QueryAsync<(Guid Id, string? Label)>(
            """
            SELECT c.id, coalesce(c.display_name,
                   (SELECT min(k.value) FROM identity.company_keys k WHERE k.company_id = coalesce(c.merged_into, c.id) AND k.kind = 'domain')) AS label
              FROM identity.companies c
              JOIN identity.team_entities t ON t.team_id = @teamId AND t.kind = 'company' AND t.entity_id = c.id
             WHERE c.id = ANY(@ids)
            """,
            new { teamId, ids = companyIds.Distinct().ToArray() });
        return rows.Where(r => !string.IsNullOrWhiteSpace(r.Label)).ToDictionary(r => r.Id, r => r.Label!);
    }

    public async Task<PersonView?> GetPersonAsync(Guid teamId, Guid personId)
    {
        var view = await GrainFactory.GetGrain<IPersonGrain>(personId).GetAsync();
        return view is not null && await IsLinkedAsync(teamId, IdentityKind.Person, personId, view.Id) ? await SeenByAsync(teamId, view) : null;
    }

    /// <summary>The company as the team sees it: its survivor's view, marked merged, when the team merged it away.</summary>
    private async Task<CompanyView> SeenByAsync(Guid teamId, CompanyView view)
    {
        var survivor = await merges.SurvivorAsync(teamId, IdentityKind.Company, view.Id);
        return survivor != view.Id && await GrainFactory.GetGrain<ICompanyGrain>(survivor).GetAsync() is { } merged
            ? merged with { RequestedId = view.RequestedId, MergedInto = merged.Id }
            : view;
    }

    /// <summary>The person as the team sees them (its merges of persons, and of their company, applied).</summary>
    private async Task<PersonView> SeenByAsync(Guid teamId, PersonView view)
    {
        var survivor = await merges.SurvivorAsync(teamId, IdentityKind.Person, view.Id);
        if (survivor != view.Id && await GrainFactory.GetGrain<IPersonGrain>(survivor).GetAsync() is { } merged)
        {
            view = merged with { RequestedId = view.RequestedId, MergedInto = merged.Id };
        }

        return view.CurrentCompanyId is { } company ? view with { CurrentCompanyId = await merges.SurvivorAsync(teamId, IdentityKind.Company, company) } : view;
    }

    public async Task<Page<CompanyView>> FindCompaniesAsync(IdentityQuery query)
    {
        if (query.Domain is not null || query.LinkedIn is not null)
        {
            var byDomain = query.Domain is null ? null : await resolver.FindCompanyByDomainAsync(query.Domain);
            var byLinkedIn = query.LinkedIn is null ? null : await resolver.FindCompanyByLinkedInAsync(query.LinkedIn);
            var found = query.Domain is not null && query.LinkedIn is not null && byDomain?.Id != byLinkedIn?.Id ? null : byDomain ?? byLinkedIn;
            return Single(found is not null && await IsLinkedAsync(query.TeamId, IdentityKind.Company, found.RequestedId, found.Id) ? await SeenByAsync(query.TeamId, found) : null);
        }

        var (ids, next) = await ListAsync(query, IdentityKind.Company, companyFilter: false);
        var views = await Task.WhenAll(ids.Select(async id => await GrainFactory.GetGrain<ICompanyGrain>(id).GetAsync() is { } view ? await SeenByAsync(query.TeamId, view) : null));
        return new Page<CompanyView>(views.OfType<CompanyView>().ToList(), next);
    }

    public async Task<Page<PersonView>> FindPersonsAsync(IdentityQuery query)
    {
        if (query.Email is not null || query.LinkedIn is not null)
        {
            var byEmail = query.Email is null ? null : await resolver.FindPersonByEmailAsync(query.Email);
            var byLinkedIn = query.LinkedIn is null ? null : await resolver.FindPersonByLinkedInAsync(query.LinkedIn);
            var found = query.Email is not null && query.LinkedIn is not null && byEmail?.Id != byLinkedIn?.Id ? null : byEmail ?? byLinkedIn;
            var seen = found is not null && await IsLinkedAsync(query.TeamId, IdentityKind.Person, found.RequestedId, found.Id) ? await SeenByAsync(query.TeamId, found) : null;
            return Single(seen is not null && (query.CompanyId is null || seen.CurrentCompanyId == query.CompanyId) ? seen : null);
        }

        var (ids, next) = await ListAsync(query, IdentityKind.Person, companyFilter: query.CompanyId is not null);
        var views = await Task.WhenAll(ids.Select(async id => await GrainFactory.GetGrain<IPersonGrain>(id).GetAsync() is { } view ? await SeenByAsync(query.TeamId, view) : null));
        return new Page<PersonView>(views.OfType<PersonView>().ToList(), next);
    }

    private async Task<bool> IsLinkedAsync(Guid teamId, IdentityKind kind, Guid requested, Guid survivor)
    {
        await using var connection = await db.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<bool>(
            "SELECT EXISTS (SELECT 1 FROM identity.team_entities WHERE team_id = @teamId AND kind = @kind AND entity_id IN (@requested, @survivor))",
            new { teamId, kind = IdentityKinds.Text(kind), requested, survivor });
    }

    private async Task<(IReadOnlyList<Guid> Ids, string? Next)> ListAsync(IdentityQuery query, IdentityKind kind, bool companyFilter)
    {
        await using var connection = await db.OpenConnectionAsync();
        var rows = (await connection.QueryAsync<(Guid EntityId, DateTime LinkedAt)>(
            """
            SELECT t.entity_id, t.linked_at
              FROM identity.team_entities t
             WHERE t.team_id = @TeamId AND t.kind = @kind
               AND (@JobId::uuid IS NULL OR t.job_id = @JobId)
               AND (@companyFilter = false OR EXISTS (SELECT 1 FROM identity.persons p WHERE p.id = t.entity_id AND p.current_company_id = @CompanyId))
               AND (@hasCursor = false OR (t.linked_at, t.entity_id) < (@cursorAt, @cursorId))
             ORDER BY t.linked_at DESC, t.entity_id DESC
             LIMIT @take
            """,
            Keyset.Parameters(new { query.TeamId, kind = IdentityKinds.Text(kind), query.JobId, companyFilter, query.CompanyId }, query.Cursor, query.Limit)))
            .ToList();
        var page = Keyset.Page(rows, query.Limit, r => new PageCursor(r.LinkedAt, r.EntityId), r => r.EntityId);
        return (page.Items, page.NextCursor);
    }

    private static Page<T> Single<T>(T? item) where T : class => new(item is null ? [] : [item], null);

}
