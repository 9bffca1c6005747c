using Alavida.Grains.Platform;
using Dapper;
using Npgsql;
using Orleans.Concurrency;

namespace Alavida.Grains.Prospect;

/// <summary>
/// The prospect chain's read side: one keyset-paged query shape for every entity, its columns rendered as JSON by
/// PostgreSQL, every query filtered by team first. Columns are named as the seed's data layer names them
/// (<c>polyseme_company_id</c>, <c>polyseme_person_id</c>); the API keeps its field names (<c>company_id</c>, <c>person_id</c>).
/// </summary>
[StatelessWorker]
public sealed class ProspectDataGrain(NpgsqlDataSource db) : Grain, IProspectDataGrain
{
    private sealed record Entity(string Table, string Id, string At, string Json, bool HasPerson, bool HasTrace);

    private static readonly Dictionary<(string, string), Entity> Entities = new()
    {
        [("icp-discovery", "qualifications")] = new("icp_discovery.qualifications", "id", "created_at",
            """
            jsonb_build_object('qualification_id', id, 'company_id', polyseme_company_id, 'company', company, 'qualified', qualified,
                'status', coalesce(status, CASE WHEN qualified THEN 'qualified' ELSE 'disqualified' END), 'missing_facts', coalesce(missing_facts, '[]'::jsonb), 'score', score,
                'min_score', min_score, 'passed_criteria', passed_criteria, 'failed_criteria', failed_criteria, 'reasons', reasons, 'reasoner', reasoner,
                'job_id', job_id, 'run_id', run_id, 'trace_id', trace_id, 'created_at', created_at)
            """, HasPerson: false, HasTrace: true),
        [("lead-discovery", "leads")] = new("lead_discovery.leads", "id", "created_at",
            """
            jsonb_build_object('lead_id', id, 'company_id', polyseme_company_id, 'person_id', polyseme_person_id, 'name', name, 'title', title, 'seniority', seniority,
                'department', department, 'source', source, 'match_score', match_score, 'match_reasons', match_reasons,
                'job_id', job_id, 'run_id', run_id, 'trace_id', trace_id, 'created_at', created_at)
            """, HasPerson: true, HasTrace: true),
        [("lead-discovery", "people")] = new("lead_discovery.people", "polyseme_person_id", "created_at",
            """
            jsonb_build_object('person_id', polyseme_person_id, 'company_id', polyseme_company_id, 'name', name, 'title', title, 'email', email,
                'linkedin_url', linkedin_url, 'seniority', seniority, 'department', department, 'source', source, 'job_id', job_id,
                'created_at', created_at, 'updated_at', updated_at)
            """, HasPerson: true, HasTrace: false),
        [("buying-signals", "scores")] = new("buying_signals.scores", "id", "scored_at",
            """
            jsonb_build_object('score_id', id, 'company_id', polyseme_company_id, 'score', score, 'tier', tier, 'signal_count', signal_count,
                'evidence', evidence, 'reasons', reasons, 'reasoner', reasoner, 'scored_at', scored_at,
                'job_id', job_id, 'run_id', run_id, 'trace_id', trace_id)
            """, HasPerson: false, HasTrace: true),
        [("buying-signals", "signals")] = new("buying_signals.signals", "id", "created_at",
            """
            jsonb_build_object('signal_id', id, 'company_id', polyseme_company_id, 'type', type, 'observed_at', observed_at, 'strength', strength,
                'source_url', source_url, 'evidence', evidence, 'job_id', job_id, 'trace_id', trace_id, 'created_at', created_at)
            """, HasPerson: false, HasTrace: true),
    };

    public async Task<ProspectDataPage> ListAsync(ProspectDataQuery query)
    {
        var e = Find(query.Quantum, query.Entity);
        var sql = $"""
            SELECT {e.Json}::text AS json, {e.At} AS at, {e.Id} AS id FROM {e.Table}
             WHERE team_id = @TeamId
               AND (@CompanyId::uuid IS NULL OR polyseme_company_id = @CompanyId)
               AND (@JobId::uuid IS NULL OR job_id = @JobId)
               {(e.HasPerson ? "AND (@PersonId::uuid IS NULL OR polyseme_person_id = @PersonId)" : "")}
               {(e.HasTrace ? "AND (@TraceId::text IS NULL OR trace_id = @TraceId)" : "")}
               {(query.Entity == "scores" ? "AND (@Tier::text IS NULL OR tier = @Tier)" : "")}
               AND (@hasCursor = false OR ({e.At}, {e.Id}) < (@cursorAt, @cursorId))
             ORDER BY {e.At} DESC, {e.Id} DESC
             LIMIT @take
            """;
        await using var connection = await db.OpenConnectionAsync();
        var rows = (await connection.QueryAsync<Row>(sql, Keyset.Parameters(
            new { query.TeamId, query.CompanyId, query.JobId, query.PersonId, query.TraceId, query.Tier }, query.Cursor, query.Limit))).ToList();
        var page = Keyset.Page(rows, query.Limit, r => new PageCursor(r.At, r.Id), r => r.Json);
        return new ProspectDataPage(page.Items, page.NextCursor);
    }

    public async Task<IReadOnlyDictionary<Guid, long>> CountLeadsAsync(Guid teamId, IReadOnlyList<Guid> companyIds)
    {
        if (companyIds.Count == 0)
        {
            return new Dictionary<Guid, long>();
        }

        await using var connection = await db.OpenConnectionAsync();
        var rows = await connection.QueryAsync<(Guid CompanyId, long Leads)>(
            """
            SELECT polyseme_company_id, count(*) FROM lead_discovery.leads
             WHERE team_id = @teamId AND polyseme_company_id = ANY(@ids)
             GROUP BY polyseme_company_id
            """,
            new { teamId, ids = companyIds.Distinct().ToArray() });
        return rows.ToDictionary(r => r.CompanyId, r => r.Leads);
    }

    public async Task<string?> GetAsync(Guid teamId, string quantum, string entity, Guid id)
    {
        var e = Find(quantum, entity);
        await using var connection = await db.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<string?>(
            $"SELECT {e.Json}::text FROM {e.Table} WHERE team_id = @teamId AND {e.Id} = @id ORDER BY {e.At} DESC LIMIT 1", new { teamId, id });
    }

    private static Entity Find(string quantum, string entity) =>
        Entities.GetValueOrDefault((quantum, entity)) ?? throw new ArgumentException($"{quantum} has no data entity '{entity}'.");

    private sealed record Row(string Json, DateTime At, Guid Id);
}
