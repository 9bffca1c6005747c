using System.Data.Common;
using System.Text.Json;
using System.Text.Json.Nodes;
using Alavida.Grains.Identity.Rules;
using Alavida.Grains.Meetings;
using Alavida.Grains.Prospect;
using Dapper;
using Npgsql;

namespace Alavida.Grains.MeetingAnalysis;

/// <summary>A company mention ready to store and announce.</summary>
public sealed record Mention(Guid Id, MentionDraft Draft, MentionIntents Intents, double Engagement, DateTimeOffset MeetingStartedAt, string ContentHash);

/// <summary>
/// meeting-analysis' reads and writes: the meetings to analyse (one query per table for a whole batch), the names of the
/// team's companies, and the mentions of a batch written in one transaction.
/// </summary>
public sealed class AnalysisStore(NpgsqlDataSource db)
{
    // Fixed, never to change: a mention's id is derived from its team, meeting and company.
    private static readonly Guid MentionNamespace = new("6a0f3c52-1d7e-4b8a-9e24-5c3b8f71d0a9");

    // The first column of a meeting row's transcript arrays (speakers, texts, starts, ends); those before it are a MeetingRow.
    private const int TranscriptColumn = 6;

    public static Guid MentionId(Guid teamId, Guid meetingId, Guid companyId) => DeterministicIds.Create(MentionNamespace, $"{teamId:N}\n{meetingId:N}\n{companyId:N}");

    /// <summary>The team's meetings among <paramref name="ids"/>, whole, with the content hash each was last analysed at (null: never).</summary>
    public async Task<IReadOnlyList<(AnalysisMeeting Meeting, string? AnalyzedHash, string? AnalyzedTrace)>> LoadAsync(Guid teamId, IReadOnlyList<Guid> ids)
    {
        await using var connection = await db.OpenConnectionAsync();
        // One round trip: the meetings with their transcripts (one row of arrays each), then their participants (of the
        // team's meetings only).
        await using var reader = await connection.ExecuteReaderAsync(
            """
            SELECT m.id, m.content_hash, m.started_at, m.organizer_email, a.content_hash AS analyzed_hash, a.trace_id AS analyzed_trace,
                   t.speakers, t.texts, t.starts, t.ends
              FROM meetings.meetings m LEFT JOIN meeting_analysis.analyses a ON a.team_id = m.team_id AND a.meeting_id = m.id
                   LEFT JOIN meetings.transcripts t ON t.meeting_id = m.id
             WHERE m.team_id = @teamId AND m.id = ANY(@ids);
            SELECT meeting_id, name, email, title, company, role, polyseme_person_id AS person_id, polyseme_company_id AS company_id
              FROM meetings.participants WHERE team_id = @teamId AND meeting_id = ANY(@ids) ORDER BY meeting_id, position;
            """, new { teamId, ids = ids.Distinct().ToArray() });
        var meetingRow = reader.GetRowParser<MeetingRow>(length: TranscriptColumn);
        var meetings = new List<(MeetingRow Row, IReadOnlyList<TranscriptSegment> Segments)>();
        while (await reader.ReadAsync())
        {
            meetings.Add((meetingRow(reader), Transcript(reader)));
        }

        await reader.NextResultAsync();
        var participantRow = reader.GetRowParser<ParticipantRow>();
        var participants = new List<ParticipantRow>();
        while (await reader.ReadAsync())
        {
            participants.Add(participantRow(reader));
        }

        var byMeeting = participants.ToLookup(p => p.MeetingId);
        return [.. meetings.Select(x => (new AnalysisMeeting(
            x.Row.Id, x.Row.ContentHash, new DateTimeOffset(DateTime.SpecifyKind(x.Row.StartedAt, DateTimeKind.Utc)), x.Row.OrganizerEmail,
            [.. byMeeting[x.Row.Id].Select(p => new MeetingParticipant(p.Name, p.Email, p.Title, p.Company, p.Role) { PersonId = p.PersonId, CompanyId = p.CompanyId })],
            x.Segments), x.Row.AnalyzedHash, x.Row.AnalyzedTrace))];
    }

    /// <summary>
    /// A meeting row's transcript as segments (none without a transcript row). Read by hand: a start or end may be null,
    /// and Npgsql reads such an array only as <c>double?[]</c>; its <c>GetValue</c> (what Dapper calls) gives
    /// <c>double[]</c> and throws on a null element.
    /// </summary>
    private static TranscriptSegment[] Transcript(DbDataReader row)
    {
        if (row.IsDBNull(TranscriptColumn))
        {
            return [];
        }

        var speakers = row.GetFieldValue<string[]>(TranscriptColumn);
        var texts = row.GetFieldValue<string[]>(TranscriptColumn + 1);
        var starts = row.GetFieldValue<double?[]>(TranscriptColumn + 2);
        var ends = row.GetFieldValue<double?[]>(TranscriptColumn + 3);
        return [.. speakers.Select((speaker, i) => new TranscriptSegment(speaker, texts[i], starts[i], ends[i]))];
    }

    /// <summary>The companies the team has resolved that have a name (identity's team links), survivors of global merges only.</summary>
    public async Task<IReadOnlyList<KnownCompany>> KnownCompaniesAsync(Guid teamId)
    {
        await using var connection = await db.OpenConnectionAsync();
        return [.. await connection.QueryAsync<KnownCompany>(
            """
            SELECT c.id AS company_id, c.normalized_name AS name_key, coalesce(c.display_name, c.normalized_name) AS display_name
              FROM identity.team_entities t JOIN identity.companies c ON c.id = t.entity_id
             WHERE t.team_id = @teamId AND t.kind = 'company' AND c.merged_into IS NULL AND c.normalized_name IS NOT NULL
            """, new { teamId })];
    }

    /// <summary>
    /// Replaces the mentions of each analysed meeting with <paramref name="mentions"/> and records the analysis (content
    /// hash, count, reasoner), in one transaction.
    /// </summary>
    public async Task SaveAsync(CascadeScope scope, IReadOnlyList<AnalysisMeeting> analysed, IReadOnlyList<Mention> mentions, string reasoner)
    {
        if (analysed.Count == 0)
        {
            return;
        }

        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var meetingIds = analysed.Select(m => m.MeetingId).ToArray();
        await connection.ExecuteAsync(
            """
            DELETE FROM meeting_analysis.mentions WHERE team_id = @TeamId AND meeting_id = ANY(@meetingIds) AND NOT (id = ANY(@keep));
            INSERT INTO meeting_analysis.analyses (team_id, meeting_id, content_hash, mention_count, reasoner, trace_id, job_id, run_id)
            SELECT @TeamId, u.meeting_id, u.hash, u.count, @reasoner, @TraceId, @JobId, @RunId FROM unnest(@meetingIds, @hashes, @counts) AS u(meeting_id, hash, count)
            ON CONFLICT (team_id, meeting_id) DO UPDATE
               SET content_hash = excluded.content_hash, mention_count = excluded.mention_count, reasoner = excluded.reasoner, trace_id = excluded.trace_id,
                   job_id = excluded.job_id, run_id = excluded.run_id, analyzed_at = now();
            """,
            new
            {
                scope.TeamId, scope.TraceId, scope.JobId, scope.RunId, reasoner, meetingIds,
                keep = mentions.Select(m => m.Id).ToArray(),
                hashes = analysed.Select(m => m.ContentHash).ToArray(),
                counts = analysed.Select(m => mentions.Count(x => x.Draft.MeetingId == m.MeetingId)).ToArray(),
            },
            transaction);
        await connection.ExecuteAsync(
            """
            INSERT INTO meeting_analysis.mentions (id, team_id, meeting_id, polyseme_company_id, name, domain, sources, intents, intent_evidence, snippets,
                                                   participants, engagement, reasoner, content_hash, meeting_started_at, trace_id, job_id, run_id)
            SELECT u.id, @TeamId, u.meeting_id, u.company_id, u.name, u.domain, string_to_array(u.sources, ','), string_to_array(u.intents, ','),
                   u.evidence::jsonb, u.snippets::jsonb, u.participants::jsonb, u.engagement, u.reasoner, u.hash, u.started_at, @TraceId, @JobId, @RunId
              FROM unnest(@ids, @meetings, @companies, @names, @domains, @sources, @intents, @evidence, @snippets, @participants, @engagement, @reasoners, @hashes, @starts)
                   AS u(id, meeting_id, company_id, name, domain, sources, intents, evidence, snippets, participants, engagement, reasoner, hash, started_at)
            ON CONFLICT (id) DO UPDATE
               SET name = excluded.name, domain = excluded.domain, sources = excluded.sources, intents = excluded.intents, intent_evidence = excluded.intent_evidence,
                   snippets = excluded.snippets, participants = excluded.participants, engagement = excluded.engagement, reasoner = excluded.reasoner,
                   content_hash = excluded.content_hash, meeting_started_at = excluded.meeting_started_at, trace_id = excluded.trace_id,
                   job_id = excluded.job_id, run_id = excluded.run_id
            """,
            new
            {
                scope.TeamId, scope.TraceId, scope.JobId, scope.RunId,
                ids = mentions.Select(m => m.Id).ToArray(),
                meetings = mentions.Select(m => m.Draft.MeetingId).ToArray(),
                companies = mentions.Select(m => m.Draft.CompanyId).ToArray(),
                names = mentions.Select(m => m.Draft.Name).ToArray(),
                domains = mentions.Select(m => m.Draft.Domain).ToArray(),
                sources = mentions.Select(m => string.Join(',', m.Draft.Sources)).ToArray(),
                intents = mentions.Select(m => string.Join(',', m.Intents.Intents)).ToArray(),
                evidence = mentions.Select(m => MentionJson.Evidence(m).ToJsonString()).ToArray(),
                snippets = mentions.Select(m => JsonSerializer.Serialize(m.Draft.Snippets.Select(MentionJson.Snippet))).ToArray(),
                participants = mentions.Select(m => MentionJson.Participants(m.Draft.Participants).ToJsonString()).ToArray(),
                engagement = mentions.Select(m => m.Engagement).ToArray(),
                reasoners = mentions.Select(m => m.Intents.Reasoner).ToArray(),
                hashes = mentions.Select(m => m.ContentHash).ToArray(),
                starts = mentions.Select(m => m.MeetingStartedAt.UtcDateTime).ToArray(),
            },
            transaction);
        await transaction.CommitAsync();
    }

    private sealed record MeetingRow(Guid Id, string ContentHash, DateTime StartedAt, string? OrganizerEmail, string? AnalyzedHash, string? AnalyzedTrace);

    private sealed record ParticipantRow(Guid MeetingId, string Name, string? Email, string? Title, string? Company, string? Role, Guid? PersonId, Guid? CompanyId);
}

/// <summary>A mention's parts as JSON, the same in rows, results and events.</summary>
public static class MentionJson
{
    public static Dictionary<string, object?> Snippet(Snippet s) => new() { ["speaker"] = s.Speaker, ["start_s"] = s.StartS, ["text"] = s.Text };

    public static JsonArray Evidence(Mention m) => new([.. m.Intents.Evidence.Select(e => (JsonNode)new JsonObject
    {
        ["intent"] = e.Intent, ["phrase"] = e.Phrase, ["snippet"] = e.Snippet,
    })]);

    public static JsonArray Participants(IEnumerable<MentionParticipant> participants) => new([.. participants.Select(p => (JsonNode)new JsonObject
    {
        ["name"] = p.Name, ["email"] = p.Email, ["title"] = p.Title, ["person_id"] = p.PersonId,
    })]);
}
