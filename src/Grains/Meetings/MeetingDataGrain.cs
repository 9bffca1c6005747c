using Alavida.Grains.Platform;
using Dapper;
using Npgsql;
using Orleans.Concurrency;

namespace Alavida.Grains.Meetings;

/// <summary>
/// meeting-sync's read side: keyset-paged meetings (newest start first), rendered as JSON by PostgreSQL, every query
/// filtered by team first; one meeting with its participants and segments (its transcript's arrays, one element each).
/// </summary>
[StatelessWorker]
public sealed class MeetingDataGrain(NpgsqlDataSource db) : Grain, IMeetingDataGrain
{
    private const string MeetingJson =
        """
        jsonb_build_object('meeting_id', m.id, 'source', m.source, 'external_id', m.external_id, 'title', m.title, 'started_at', m.started_at,
            'ended_at', m.ended_at, 'organizer_email', m.organizer_email, 'transcript_format', m.transcript_format, 'segment_count', m.segment_count,
            'content_hash', m.content_hash, 'revision', m.revision, 'trace_id', m.trace_id, 'job_id', m.job_id, 'run_id', m.run_id,
            'created_at', m.created_at, 'updated_at', m.updated_at)
        """;

    public async Task<MeetingPage> ListAsync(MeetingQuery query)
    {
        await using var connection = await db.OpenConnectionAsync();
        var rows = (await connection.QueryAsync<Row>(
            $"""
            SELECT {MeetingJson}::text AS json, m.started_at AS at, m.id FROM meetings.meetings m
             WHERE m.team_id = @TeamId
               AND (@Source::text IS NULL OR m.source = @Source)
               AND (@ExternalId::text IS NULL OR m.external_id = @ExternalId)
               AND (@since::timestamptz IS NULL OR m.started_at >= @since)
               AND (@TraceId::text IS NULL OR m.trace_id = @TraceId)
               AND (@CompanyId::uuid IS NULL OR EXISTS (SELECT 1 FROM meetings.participants p
                                                        WHERE p.meeting_id = m.id AND p.team_id = @TeamId AND p.polyseme_company_id = @CompanyId))
               AND (@PersonId::uuid IS NULL OR EXISTS (SELECT 1 FROM meetings.participants p
                                                       WHERE p.meeting_id = m.id AND p.team_id = @TeamId AND p.polyseme_person_id = @PersonId))
               AND (@hasCursor = false OR (m.started_at, m.id) < (@cursorAt, @cursorId))
             ORDER BY m.started_at DESC, m.id DESC
             LIMIT @take
            """,
            Keyset.Parameters(
                new { query.TeamId, query.Source, query.ExternalId, since = query.Since?.UtcDateTime, query.TraceId, query.CompanyId, query.PersonId },
                query.Cursor, query.Limit))).ToList();
        var page = Keyset.Page(rows, query.Limit, r => new PageCursor(r.At, r.Id), r => r.Json);
        return new MeetingPage(page.Items, page.NextCursor);
    }

    public async Task<string?> GetAsync(Guid teamId, Guid meetingId)
    {
        await using var connection = await db.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<string?>(
            $"""
            SELECT ({MeetingJson} || jsonb_build_object(
                       'participants', coalesce((SELECT jsonb_agg(jsonb_build_object('name', p.name, 'email', p.email, 'title', p.title, 'company', p.company,
                                                     'role', p.role, 'person_id', p.polyseme_person_id, 'company_id', p.polyseme_company_id) ORDER BY p.position)
                                                  FROM meetings.participants p WHERE p.meeting_id = m.id), '[]'::jsonb),
                       'segments', coalesce((SELECT jsonb_agg(jsonb_build_object('speaker', s.speaker, 'text', s.text, 'start_s', s.start_s, 'end_s', s.end_s)
                                                              ORDER BY s.position)
                                              FROM meetings.transcripts t,
                                                   unnest(t.speakers, t.texts, t.starts, t.ends) WITH ORDINALITY AS s(speaker, text, start_s, end_s, position)
                                             WHERE t.meeting_id = m.id), '[]'::jsonb)))::text
              FROM meetings.meetings m WHERE m.team_id = @teamId AND m.id = @meetingId
            """,
            new { teamId, meetingId });
    }

    private sealed record Row(string Json, DateTime At, Guid Id);
}
