using Alavida.Grains.Platform;
using Dapper;
using Npgsql;
using Orleans.Concurrency;

namespace Alavida.Grains.MeetingAnalysis;

/// <summary>meeting-analysis' read side: keyset-paged mentions (newest first), rendered as JSON by PostgreSQL, filtered by team first.</summary>
[StatelessWorker]
public sealed class MentionDataGrain(NpgsqlDataSource db) : Grain, IMentionDataGrain
{
    private const string MentionJson =
        """
        jsonb_build_object('mention_id', x.id, 'meeting_id', x.meeting_id, 'company_id', x.polyseme_company_id, 'name', x.name, 'domain', x.domain,
            'sources', to_jsonb(x.sources), 'intents', to_jsonb(x.intents), 'intent_evidence', x.intent_evidence, 'snippets', x.snippets,
            'participants', x.participants, 'engagement', x.engagement, 'reasoner', x.reasoner, 'meeting_started_at', x.meeting_started_at,
            'content_hash', x.content_hash, 'trace_id', x.trace_id, 'job_id', x.job_id, 'run_id', x.run_id, 'created_at', x.created_at)
        """;

    public async Task<MentionPage> ListAsync(MentionQuery query)
    {
        await using var connection = await db.OpenConnectionAsync();
        var rows = (await connection.QueryAsync<Row>(
            $"""
            SELECT {MentionJson}::text AS json, x.created_at AS at, x.id FROM meeting_analysis.mentions x
             WHERE x.team_id = @TeamId
               AND (@MeetingId::uuid IS NULL OR x.meeting_id = @MeetingId)
               AND (@CompanyId::uuid IS NULL OR x.polyseme_company_id = @CompanyId)
               AND (@Intent::text IS NULL OR x.intents @> ARRAY[@Intent::text])
               AND (@TraceId::text IS NULL OR x.trace_id = @TraceId)
               AND (@hasCursor = false OR (x.created_at, x.id) < (@cursorAt, @cursorId))
             ORDER BY x.created_at DESC, x.id DESC
             LIMIT @take
            """,
            Keyset.Parameters(new { query.TeamId, query.MeetingId, query.CompanyId, query.Intent, query.TraceId }, query.Cursor, query.Limit))).ToList();
        var page = Keyset.Page(rows, query.Limit, r => new PageCursor(r.At, r.Id), r => r.Json);
        return new MentionPage(page.Items, page.NextCursor);
    }

    public async Task<string?> GetAsync(Guid teamId, Guid mentionId)
    {
        await using var connection = await db.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<string?>(
            $"SELECT {MentionJson}::text FROM meeting_analysis.mentions x WHERE x.team_id = @teamId AND x.id = @mentionId", new { teamId, mentionId });
    }

    private sealed record Row(string Json, DateTime At, Guid Id);
}
