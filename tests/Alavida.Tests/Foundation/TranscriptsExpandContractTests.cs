using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Alavida.Grains.Data;
using Alavida.Grains.MeetingAnalysis;
using Alavida.Grains.Meetings;
using Alavida.Grains.Prospect;
using Alavida.Tests.Gateway;
using Alavida.Tests.Infrastructure;
using Alavida.Tests.Meetings;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using static Alavida.Tests.Foundation.ExpandContractTests;

namespace Alavida.Tests.Foundation;

/// <summary>
/// meeting-sync's transcript moves from one row per utterance (<c>meetings.segments</c>) to one row of arrays per
/// meeting (<c>meetings.transcripts</c>) by expand → migrate → contract (ADR 0007): an existing database keeps every
/// transcript, both releases' writes land whole in both shapes while both run, and the contract waits for
/// Alavida:ContractMigrations.
/// </summary>
public sealed class TranscriptsExpandContractTests
{
    // Meetings whose transcript row (none: empty arrays) is not their segments in order, or whose segments' positions
    // are not 0, 1, 2… as the previous release numbers them.
    private const string Mismatches =
        """
        SELECT count(*) FROM meetings.meetings m
          LEFT JOIN meetings.transcripts t ON t.meeting_id = m.id
          CROSS JOIN LATERAL (SELECT coalesce(array_agg(s.speaker ORDER BY s.position), '{}') AS speakers,
                                     coalesce(array_agg(s.text ORDER BY s.position), '{}') AS texts,
                                     coalesce(array_agg(s.start_s ORDER BY s.position), '{}') AS starts,
                                     coalesce(array_agg(s.end_s ORDER BY s.position), '{}') AS ends,
                                     count(*) AS n, coalesce(max(s.position), -1) AS last
                                FROM meetings.segments s WHERE s.meeting_id = m.id) s
         WHERE (coalesce(t.speakers, '{}'), coalesce(t.texts, '{}'), coalesce(t.starts, '{}'), coalesce(t.ends, '{}'))
               IS DISTINCT FROM (s.speakers, s.texts, s.starts, s.ends)
            OR s.last <> s.n - 1
        """;

    // Every meeting's transcript as text (none: empty arrays), to compare before and after the contract.
    private const string TranscriptsText =
        """
        SELECT string_agg(concat_ws('|', m.id, coalesce(t.speakers, '{}'), coalesce(t.texts, '{}'), coalesce(t.starts, '{}'), coalesce(t.ends, '{}')),
                          E'\n' ORDER BY m.id)
          FROM meetings.meetings m LEFT JOIN meetings.transcripts t ON t.meeting_id = m.id
        """;

    private static readonly TranscriptSegment[] Spoken =
    [
        new("Dana Reyes", "Shall we start with freight?", 0.5, 2.25),
        new("Chris Park", "Yes, Globex is painful.", null, null),
        new("Dana Reyes", "Noted.", 4, null),
    ];

    [Fact]
    public async Task ADatabaseOfThePreviousRelease_KeepsEveryTranscript_WhileBothReleasesWrite_AndAfterTheContract()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("transcripts_expand_contract");
        await using var db = NpgsqlDataSource.Create(connectionString);
        await PreviousReleaseAsync(db, ["meetings"]);
        var team = Guid.NewGuid();
        var (spoken, silent) = (Guid.NewGuid(), Guid.NewGuid());
        await WriteAsPreviousReleaseAsync(db, team, spoken, Spoken);
        await WriteAsPreviousReleaseAsync(db, team, silent, []);

        var expanded = await DatabaseMigrator.MigrateAsync(connectionString, NullLogger.Instance, contract: false);

        Assert.Equal(["0002_transcripts_expand.sql"], expanded["meetings"]);
        Assert.Equal(0L, await ScalarAsync<long>(db, Mismatches));
        Assert.Equal(2L, await ScalarAsync<long>(db, "SELECT count(*) FROM meetings.transcripts")); // the silent one too, empty
        var analysis = new AnalysisStore(db);
        Assert.Equal(Spoken, await TranscriptAsync(analysis, team, spoken));
        Assert.Empty(await TranscriptAsync(analysis, team, silent));

        // While both releases run: the previous one writes segments (a new meeting, one without any, and a change as
        // delete then insert), this one a transcript row (a new meeting, then a change); each lands whole in both shapes.
        var (previousNew, previousSilent) = (Guid.NewGuid(), Guid.NewGuid());
        await WriteAsPreviousReleaseAsync(db, team, previousNew, Spoken[..2]);
        await WriteAsPreviousReleaseAsync(db, team, previousSilent, []);
        await RewriteAsPreviousReleaseAsync(db, team, spoken, Spoken[1..]);
        var store = new MeetingStore(db);
        var fresh = ThisReleasesMeeting("fresh", Spoken);
        var changed = fresh with { Segments = [.. Enumerable.Reverse(Spoken), new("Sam Lee", "Talk soon.", 9, 10.5)] };
        Assert.Equal([MeetingOutcome.Stored], await SaveAsync(store, team, "this-release-new", fresh));
        Assert.Equal(Spoken, await SegmentsAsync(db, fresh.IdFor(team)));
        Assert.Equal([MeetingOutcome.Updated], await SaveAsync(store, team, "this-release-change", changed));

        Assert.Equal(0L, await ScalarAsync<long>(db, Mismatches));
        Assert.Equal(changed.Segments, await SegmentsAsync(db, fresh.IdFor(team)));
        Assert.Equal(changed.Segments, await TranscriptAsync(analysis, team, fresh.IdFor(team)));
        Assert.Equal(Spoken[1..], await TranscriptAsync(analysis, team, spoken));
        Assert.Equal(Spoken[..2], await TranscriptAsync(analysis, team, previousNew));
        Assert.Empty(await TranscriptAsync(analysis, team, previousSilent));
        var transcripts = await ScalarAsync<string>(db, TranscriptsText);

        var contracted = await DatabaseMigrator.MigrateAsync(connectionString, NullLogger.Instance);
        var again = await DatabaseMigrator.MigrateAsync(connectionString, NullLogger.Instance);

        Assert.Equal(["0003_contract_transcripts.sql"], contracted["meetings"]);
        Assert.Empty(again["meetings"]);
        Assert.Equal(0L, await ScalarAsync<long>(db, "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'meetings' AND table_name = 'segments'"));
        Assert.Equal(0L, await ScalarAsync<long>(db, "SELECT count(*) FROM pg_proc WHERE pronamespace = 'meetings'::regnamespace"));
        Assert.Equal(transcripts, await ScalarAsync<string>(db, TranscriptsText));
        Assert.Equal(5L, await ScalarAsync<long>(db, "SELECT count(*) FROM meetings.transcripts")); // every meeting has its row now

        // This release's code on the contracted schema: a change lands in the transcript row alone.
        Assert.Equal([MeetingOutcome.Updated], await SaveAsync(store, team, "after-contract", fresh));
        Assert.Equal(Spoken, await TranscriptAsync(analysis, team, fresh.IdFor(team)));
    }

    [Fact]
    public async Task ThisReleasesCode_StoresTranscriptsOnTheExpandedSchema_AndTheSegmentsFollow()
    {
        await using var platform = await ExpandedOnlyPlatform.StartAsync("transcripts_expanded_only");
        var (connectionString, team, http) = (platform.ConnectionString, platform.Team, platform.Team.Http);
        var tag = Guid.NewGuid().ToString("N")[..10];

        var first = await team.RunToSuccessAsync("/meeting-sync/run/ingest", new { meetings = new[] { WithSegments(tag, Spoken[..2]) } });
        var second = await team.RunToSuccessAsync("/meeting-sync/run/ingest", new { meetings = new[] { WithSegments(tag, Spoken) } });
        var id = first.GetProperty("result").GetProperty("results")[0].GetProperty("meeting_id").GetString()!;
        var response = await http.GetAsync($"/meeting-sync/data/meetings/{id}");
        var meeting = await response.ReadJsonAsync();

        Assert.Equal("updated", second.GetProperty("result").GetProperty("results")[0].GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Spoken, meeting.GetProperty("segments").EnumerateArray().Select(s => new TranscriptSegment(
            s.GetProperty("speaker").GetString()!, s.GetProperty("text").GetString()!, Number(s.GetProperty("start_s")), Number(s.GetProperty("end_s")))));
        // Every field, a time not known as null, in jsonb's order (shorter keys first) as when it was built from segments.
        Assert.Equal(["text", "end_s", "speaker", "start_s"], meeting.GetProperty("segments")[1].EnumerateObject().Select(p => p.Name));
        await using var db = NpgsqlDataSource.Create(connectionString);
        Assert.Equal(Spoken, await SegmentsAsync(db, Guid.Parse(id))); // written by the trigger, for the previous release
        Assert.Equal(0L, await ScalarAsync<long>(db, Mismatches));
        Assert.Equal(1L, await ScalarAsync<long>(db, "SELECT count(*) FROM meetings.schema_versions WHERE scriptname LIKE '%0002_transcripts_expand.sql'"));
        Assert.Equal(0L, await ScalarAsync<long>(db, "SELECT count(*) FROM meetings.schema_versions WHERE scriptname LIKE '%contract%'"));
    }

    private static JsonObject WithSegments(string tag, IEnumerable<TranscriptSegment> segments) =>
        MeetingJson.Of(tag, "manual", "expanded", m => m["segments"] = new JsonArray([.. segments.Select(SegmentJson)]));

    // A time not known is left out, as a connector sends it.
    private static JsonNode SegmentJson(TranscriptSegment segment)
    {
        var json = new JsonObject { ["speaker"] = segment.Speaker, ["text"] = segment.Text };
        if (segment.StartS is { } start)
        {
            json["start_s"] = start;
        }

        if (segment.EndS is { } end)
        {
            json["end_s"] = end;
        }

        return json;
    }

    private static double? Number(JsonElement value) => value.ValueKind == JsonValueKind.Null ? null : value.GetDouble();

    private static Meeting ThisReleasesMeeting(string externalId, IReadOnlyList<TranscriptSegment> segments) => new(
        "manual", externalId, "This release", new DateTimeOffset(2026, 3, 4, 15, 0, 0, TimeSpan.Zero), null, "dana@acme.example",
        [new MeetingParticipant("Dana Reyes", "dana@acme.example", null, null, "host")], "segments", segments);

    private static Task<IReadOnlyList<MeetingOutcome>> SaveAsync(MeetingStore store, Guid team, string trace, Meeting meeting) =>
        store.SaveAsync(new CascadeScope(team, trace, null, null), [new MeetingStore.Write(meeting.IdFor(team), meeting, meeting.ContentHash())]);

    /// <summary>A meeting's transcript as this release's meeting-analysis reads it.</summary>
    private static async Task<IReadOnlyList<TranscriptSegment>> TranscriptAsync(AnalysisStore analysis, Guid team, Guid meeting) =>
        Assert.Single(await analysis.LoadAsync(team, [meeting])).Meeting.Segments;

    /// <summary>A meeting's segments as the previous release reads them, each at the position of its index.</summary>
    private static async Task<List<TranscriptSegment>> SegmentsAsync(NpgsqlDataSource db, Guid meeting)
    {
        await using var command = db.CreateCommand("SELECT position, speaker, text, start_s, end_s FROM meetings.segments WHERE meeting_id = @meeting ORDER BY position");
        command.Parameters.AddWithValue("meeting", meeting);
        var segments = new List<TranscriptSegment>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            Assert.Equal(segments.Count, reader.GetInt32(0));
            segments.Add(new TranscriptSegment(reader.GetString(1), reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetDouble(3), reader.IsDBNull(4) ? null : reader.GetDouble(4)));
        }

        return segments;
    }

    /// <summary>A new meeting as the previous release's MeetingStore wrote it: its row, then its segments from arrays in one statement.</summary>
    private static Task WriteAsPreviousReleaseAsync(NpgsqlDataSource db, Guid team, Guid meeting, IReadOnlyList<TranscriptSegment> segments) => WriteSegmentsAsync(db, team, meeting, segments,
        """
        INSERT INTO meetings.meetings (id, team_id, source, external_id, title, started_at, transcript_format, segment_count, content_hash, trace_id)
        VALUES (@meeting, @team, 'manual', @meeting::text, 'Previous release', now(), 'segments', cardinality(@speakers), 'old', 'previous');
        INSERT INTO meetings.segments (meeting_id, position, speaker, text, start_s, end_s)
        SELECT @meeting, u.ordinality - 1, u.speaker, u.text, u.start_s, u.end_s
          FROM unnest(@speakers, @texts, @starts, @ends) WITH ORDINALITY AS u(speaker, text, start_s, end_s, ordinality);
        """);

    /// <summary>A changed meeting as the previous release's MeetingStore rewrote it: its segments deleted, then inserted again.</summary>
    private static Task RewriteAsPreviousReleaseAsync(NpgsqlDataSource db, Guid team, Guid meeting, IReadOnlyList<TranscriptSegment> segments) => WriteSegmentsAsync(db, team, meeting, segments,
        """
        UPDATE meetings.meetings SET segment_count = cardinality(@speakers), revision = revision + 1, updated_at = now() WHERE id = @meeting AND team_id = @team;
        DELETE FROM meetings.segments WHERE meeting_id = @meeting;
        INSERT INTO meetings.segments (meeting_id, position, speaker, text, start_s, end_s)
        SELECT @meeting, u.ordinality - 1, u.speaker, u.text, u.start_s, u.end_s
          FROM unnest(@speakers, @texts, @starts, @ends) WITH ORDINALITY AS u(speaker, text, start_s, end_s, ordinality);
        """);

    private static async Task WriteSegmentsAsync(NpgsqlDataSource db, Guid team, Guid meeting, IReadOnlyList<TranscriptSegment> segments, string sql)
    {
        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        command.Parameters.AddWithValue("team", team);
        command.Parameters.AddWithValue("meeting", meeting);
        command.Parameters.AddWithValue("speakers", segments.Select(s => s.Speaker).ToArray());
        command.Parameters.AddWithValue("texts", segments.Select(s => s.Text).ToArray());
        command.Parameters.AddWithValue("starts", segments.Select(s => s.StartS).ToArray());
        command.Parameters.AddWithValue("ends", segments.Select(s => s.EndS).ToArray());
        await command.ExecuteNonQueryAsync();
        await transaction.CommitAsync();
    }
}
