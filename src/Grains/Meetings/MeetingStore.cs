using Alavida.Grains.Prospect;
using Dapper;
using Npgsql;

namespace Alavida.Grains.Meetings;

/// <summary>What storing a meeting did.</summary>
public enum MeetingOutcome
{
    /// <summary>New: billed and announced.</summary>
    Stored,

    /// <summary>Its content changed: rewritten, billed and announced again.</summary>
    Updated,

    /// <summary>The same content as stored: nothing written, free, no event.</summary>
    Unchanged,
}

/// <summary>
/// meeting-sync's tables (schema <c>meetings</c>). A meeting is written whole (its row, participants and transcript) in
/// the transaction that decides whether it is new, changed or unchanged, so readers never see half of one. The
/// transcript is one row of arrays (<c>meetings.transcripts</c>), not a row per utterance.
/// </summary>
public sealed class MeetingStore(NpgsqlDataSource db)
{
    /// <summary>A meeting to store: its id, content hash and the identity of each participant.</summary>
    public sealed record Write(Guid MeetingId, Meeting Meeting, string ContentHash);

    /// <summary>The stored content hash of a meeting, if the team has it.</summary>
    public async Task<string?> ContentHashAsync(Guid teamId, Guid meetingId)
    {
        await using var connection = await db.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<string?>(
            "SELECT content_hash FROM meetings.meetings WHERE team_id = @teamId AND id = @meetingId", new { teamId, meetingId });
    }

    /// <summary>
    /// Stores each meeting (in order, one transaction): new ones inserted, changed ones rewritten, unchanged ones left
    /// alone. A meeting this same trace already wrote counts as it did then (the job or run is running again after a
    /// fault), so its result, its bill and its event do not change.
    /// </summary>
    public async Task<IReadOnlyList<MeetingOutcome>> SaveAsync(CascadeScope scope, IReadOnlyList<Write> writes)
    {
        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var outcomes = new List<MeetingOutcome>(writes.Count);
        foreach (var write in writes)
        {
            outcomes.Add(await SaveOneAsync(connection, transaction, scope, write));
        }

        await transaction.CommitAsync();
        return outcomes;
    }

    private static async Task<MeetingOutcome> SaveOneAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CascadeScope scope, Write write)
    {
        var m = write.Meeting;
        var row = new
        {
            id = write.MeetingId, scope.TeamId, scope.TraceId, scope.JobId, scope.RunId, m.Source, m.ExternalId, m.Title,
            startedAt = m.StartedAt.UtcDateTime, endedAt = m.EndedAt?.UtcDateTime, m.OrganizerEmail, m.Format,
            segmentCount = m.Segments.Count, hash = write.ContentHash,
        };
        var inserted = await connection.ExecuteAsync(
            """
            INSERT INTO meetings.meetings (id, team_id, source, external_id, title, started_at, ended_at, organizer_email, transcript_format,
                                           segment_count, content_hash, trace_id, job_id, run_id)
            VALUES (@id, @TeamId, @Source, @ExternalId, @Title, @startedAt, @endedAt, @OrganizerEmail, @Format,
                    @segmentCount, @hash, @TraceId, @JobId, @RunId)
            ON CONFLICT (id) DO NOTHING
            """,
            row, transaction);
        if (inserted == 1)
        {
            await WriteChildrenAsync(connection, transaction, scope.TeamId, write);
            return MeetingOutcome.Stored;
        }

        // Locked: a concurrent re-send of the same meeting waits here and then compares with what this one wrote.
        var stored = await connection.QuerySingleAsync<(string Hash, string TraceId, int Revision)>(
            "SELECT content_hash, trace_id, revision FROM meetings.meetings WHERE id = @id AND team_id = @TeamId FOR UPDATE", row, transaction);
        if (stored.Hash == write.ContentHash)
        {
            return stored.TraceId != scope.TraceId ? MeetingOutcome.Unchanged
                : stored.Revision == 1 ? MeetingOutcome.Stored : MeetingOutcome.Updated;
        }

        await connection.ExecuteAsync(
            """
            UPDATE meetings.meetings
               SET title = @Title, started_at = @startedAt, ended_at = @endedAt, organizer_email = @OrganizerEmail, transcript_format = @Format,
                   segment_count = @segmentCount, content_hash = @hash, revision = revision + 1, trace_id = @TraceId, job_id = @JobId, run_id = @RunId,
                   updated_at = now()
             WHERE id = @id AND team_id = @TeamId;
            DELETE FROM meetings.participants WHERE meeting_id = @id;
            """,
            row, transaction);
        await WriteChildrenAsync(connection, transaction, scope.TeamId, write);
        return MeetingOutcome.Updated;
    }

    // The transcript is upserted: a new meeting has none yet, a changed one has its row replaced in place.
    private static async Task WriteChildrenAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid teamId, Write write)
    {
        var participants = write.Meeting.Participants;
        var segments = write.Meeting.Segments;
        await connection.ExecuteAsync(
            """
            INSERT INTO meetings.participants (meeting_id, position, team_id, name, email, title, company, role, polyseme_person_id, polyseme_company_id)
            SELECT @meetingId, u.ordinality - 1, @teamId, u.name, u.email, u.title, u.company, u.role, u.person_id, u.company_id
              FROM unnest(@names, @emails, @titles, @companies, @roles, @personIds, @companyIds) WITH ORDINALITY
                   AS u(name, email, title, company, role, person_id, company_id, ordinality);
            INSERT INTO meetings.transcripts (meeting_id, speakers, texts, starts, ends) VALUES (@meetingId, @speakers, @texts, @starts, @ends)
            ON CONFLICT (meeting_id) DO UPDATE SET speakers = excluded.speakers, texts = excluded.texts, starts = excluded.starts, ends = excluded.ends;
            """,
            new
            {
                meetingId = write.MeetingId, teamId,
                names = participants.Select(p => p.Name).ToArray(),
                emails = participants.Select(p => p.Email).ToArray(),
                titles = participants.Select(p => p.Title).ToArray(),
                companies = participants.Select(p => p.Company).ToArray(),
                roles = participants.Select(p => p.Role).ToArray(),
                personIds = participants.Select(p => p.PersonId).ToArray(),
                companyIds = participants.Select(p => p.CompanyId).ToArray(),
                speakers = segments.Select(s => s.Speaker).ToArray(),
                texts = segments.Select(s => s.Text).ToArray(),
                starts = segments.Select(s => s.StartS).ToArray(),
                ends = segments.Select(s => s.EndS).ToArray(),
            },
            transaction);
    }
}
