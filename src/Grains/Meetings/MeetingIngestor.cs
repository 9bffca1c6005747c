using System.Text.Json.Nodes;
using Alavida.Grains.Identity;
using Alavida.Grains.Mesh;
using Alavida.Grains.Prospect;

namespace Alavida.Grains.Meetings;

/// <summary>
/// meeting-sync's work, shared by the <c>ingest</c> job and the <c>meeting/transcript.received</c> function: participants
/// resolved through identity, meetings stored (new, changed or unchanged by content hash), and
/// <c>meeting/transcript.added</c> for each new or changed one.
/// </summary>
public sealed class MeetingIngestor(IGrainFactory grains, MeetingStore store, IdentityLinker linker)
{
    /// <summary>A meeting's result in a job or run (schema: the registry's ingest output).</summary>
    public sealed record Outcome(Guid MeetingId, Meeting Meeting, string ContentHash, MeetingOutcome Status);

    /// <summary>Resolves the participants, stores the meetings and returns what happened to each, in order.</summary>
    public async Task<IReadOnlyList<Outcome>> IngestAsync(CascadeScope scope, IReadOnlyList<Meeting> meetings)
    {
        var source = scope.JobId is { } job ? $"job:{job}" : $"run:{scope.RunId}";
        var resolved = await ResolveAsync(scope.TeamId, scope.JobId, meetings, source);
        var writes = resolved.Select(m => new MeetingStore.Write(m.IdFor(scope.TeamId), m, m.ContentHash())).ToList();
        var statuses = await store.SaveAsync(scope, writes);
        return [.. writes.Select((w, i) => new Outcome(w.MeetingId, w.Meeting, w.ContentHash, statuses[i]))];
    }

    /// <summary>The <c>meeting/transcript.added</c> events of the new and changed meetings (ids stable per content).</summary>
    public static IReadOnlyList<MeshEvent> Events(CascadeScope scope, IReadOnlyList<Outcome> outcomes) =>
        [.. outcomes.Where(o => o.Status != MeetingOutcome.Unchanged).Select(o => MeshEvents.Create(
            MeetingEvents.TranscriptAdded,
            new Dictionary<string, object?>
            {
                ["meeting_id"] = o.MeetingId,
                ["source"] = o.Meeting.Source,
                ["external_id"] = o.Meeting.ExternalId,
                ["job_id"] = scope.JobId,
            },
            teamId: scope.TeamId.ToString(),
            id: $"meeting-{scope.TeamId:N}-{o.MeetingId:N}-{o.ContentHash[..32]}",
            traceId: scope.TraceId))];

    /// <summary>One meeting's result item.</summary>
    public static JsonObject Item(int index, Outcome o) => new()
    {
        ["index"] = index,
        ["status"] = o.Status.ToString().ToLowerInvariant(),
        ["meeting_id"] = o.MeetingId,
        ["format"] = o.Meeting.Format,
        ["segments"] = o.Meeting.Segments.Count,
        ["participants"] = o.Meeting.Participants.Count,
        ["content_hash"] = o.ContentHash,
    };

    /// <summary>
    /// Who each participant is: the person by email; the company from the work email (identity links it), else the
    /// email's domain, else the <c>company</c> name. Identity refuses free-mail, disposable and role addresses and
    /// ambiguous names, which leave the id null: nothing is guessed.
    /// </summary>
    private async Task<IReadOnlyList<Meeting>> ResolveAsync(Guid teamId, Guid? jobId, IReadOnlyList<Meeting> meetings, string source)
    {
        var all = meetings.SelectMany((m, mi) => m.Participants.Select((p, pi) => (Meeting: mi, Position: pi, Participant: p))).ToList();
        var resolver = grains.GetGrain<IIdentityResolverGrain>(0);
        var persons = new Dictionary<(int, int), PersonResolution>();
        var withEmail = all.Where(x => x.Participant.Email is not null).ToList();
        foreach (var chunk in withEmail.Chunk(IdentityLimits.MaxBatchSize))
        {
            var results = await resolver.ResolvePersonsForTeamAsync(teamId, [.. chunk.Select(x => new PersonInput(x.Participant.Email, x.Participant.Name))], source);
            var retry = new List<int>();
            foreach (var r in results)
            {
                persons[(chunk[r.Index].Meeting, chunk[r.Index].Position)] = r;
                if (r.PersonId is null && r.Status == ResolutionStatus.Rejected)
                {
                    retry.Add(r.Index);
                }
            }

            // Every given field must be valid for identity: a name it cannot read must not cost the person their email.
            if (retry.Count > 0)
            {
                var again = await resolver.ResolvePersonsForTeamAsync(teamId, [.. retry.Select(i => new PersonInput(chunk[i].Participant.Email))], source);
                foreach (var r in again.Where(r => r.PersonId is not null))
                {
                    persons[(chunk[retry[r.Index]].Meeting, chunk[retry[r.Index]].Position)] = r;
                }
            }
        }

        var companies = new Dictionary<(int, int), Guid>();
        foreach (var (field, input) in new (string, Func<MeetingParticipant, CompanyInput?>)[]
                 {
                     ("domain", p => p.Email is { } email ? new CompanyInput(Domain: email[(email.LastIndexOf('@') + 1)..]) : null),
                     ("name", p => p.Company is { } name ? new CompanyInput(Name: name) : null),
                 })
        {
            var open = all.Where(x => persons.GetValueOrDefault((x.Meeting, x.Position))?.CompanyId is null && !companies.ContainsKey((x.Meeting, x.Position))
                                      && input(x.Participant) is not null).ToList();
            foreach (var chunk in open.Chunk(IdentityLimits.MaxBatchSize))
            {
                var results = await resolver.ResolveCompaniesForTeamAsync(teamId, [.. chunk.Select(x => input(x.Participant)!)], $"{source}:{field}");
                foreach (var r in results.Where(r => r.CompanyId is not null))
                {
                    companies[(chunk[r.Index].Meeting, chunk[r.Index].Position)] = r.CompanyId!.Value;
                }
            }
        }

        var resolved = meetings.Select((m, mi) => m with
        {
            Participants = [.. m.Participants.Select((p, pi) => p with
            {
                PersonId = persons.GetValueOrDefault((mi, pi))?.PersonId,
                CompanyId = persons.GetValueOrDefault((mi, pi))?.CompanyId ?? (companies.TryGetValue((mi, pi), out var c) ? c : null),
            })],
        }).ToList();
        var people = resolved.SelectMany(m => m.Participants).ToList();
        await linker.LinkAsync(teamId, jobId, IdentityKind.Person, [.. people.Where(p => p.PersonId is not null).Select(p => p.PersonId!.Value)]);
        await linker.LinkAsync(teamId, jobId, IdentityKind.Company, [.. people.Where(p => p.CompanyId is not null).Select(p => p.CompanyId!.Value)]);
        return resolved;
    }
}
