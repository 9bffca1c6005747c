using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using Npgsql;

namespace Alavida.Grains.Prospect;

/// <summary>Where in a cascade a write happens: every row carries the team, the trace and the job or run that made it.</summary>
public sealed record CascadeScope(Guid TeamId, string TraceId, Guid? JobId, Guid? RunId);

/// <summary>
/// The prospect chain's tables (schemas <c>icp_discovery</c>, <c>lead_discovery</c>, <c>buying_signals</c>). Writes are
/// batched (one statement per batch) and idempotent per trace, so a retried job or run rewrites the same rows.
/// </summary>
public sealed class ProspectStore(NpgsqlDataSource db, TimeProvider time)
{
    /// <summary>One company's evaluation to store.</summary>
    public sealed record Qualification(Guid CompanyId, CompanyCandidate Company, FitEvaluation Evaluation, double MinScore, IReadOnlyList<string>? MissingFacts = null)
    {
        /// <summary>qualified, disqualified, or insufficient_data (the ICP needs facts the company lacks).</summary>
        public string Status => MissingFacts is { Count: > 0 } ? "insufficient_data" : Evaluation.Qualified ? "qualified" : "disqualified";
    }

    /// <summary>Stores evaluations; returns the qualification id per company.</summary>
    public async Task<IReadOnlyDictionary<Guid, Guid>> SaveQualificationsAsync(CascadeScope scope, IReadOnlyList<Qualification> items)
    {
        if (items.Count == 0)
        {
            return new Dictionary<Guid, Guid>();
        }

        await using var connection = await db.OpenConnectionAsync();
        var rows = await connection.QueryAsync<(Guid Id, Guid CompanyId)>(
            """
            INSERT INTO icp_discovery.qualifications (id, team_id, trace_id, job_id, run_id, polyseme_company_id, company, qualified, score, min_score,
                                                      passed_criteria, failed_criteria, reasons, reasoner, status, missing_facts)
            SELECT u.id, @TeamId, @TraceId, @JobId, @RunId, u.company_id, u.company::jsonb, u.qualified, u.score, u.min_score,
                   u.passed::jsonb, u.failed::jsonb, u.reasons::jsonb, u.reasoner, u.status, u.missing::jsonb
              FROM unnest(@ids, @companyIds, @companies, @qualified, @scores, @minScores, @passed, @failed, @reasons, @reasoners, @statuses, @missing)
                   AS u(id, company_id, company, qualified, score, min_score, passed, failed, reasons, reasoner, status, missing)
            ON CONFLICT (team_id, trace_id, polyseme_company_id) DO UPDATE
               SET company = excluded.company, qualified = excluded.qualified, score = excluded.score, min_score = excluded.min_score,
                   passed_criteria = excluded.passed_criteria, failed_criteria = excluded.failed_criteria, reasons = excluded.reasons,
                   reasoner = excluded.reasoner, status = excluded.status, missing_facts = excluded.missing_facts
            RETURNING id, polyseme_company_id AS company_id
            """,
            new
            {
                scope.TeamId, scope.TraceId, scope.JobId, scope.RunId,
                ids = items.Select(_ => NewId()).ToArray(),
                companyIds = items.Select(i => i.CompanyId).ToArray(),
                companies = items.Select(i => i.Company.ToJson().ToJsonString()).ToArray(),
                qualified = items.Select(i => i.Evaluation.Qualified).ToArray(),
                scores = items.Select(i => i.Evaluation.Score).ToArray(),
                minScores = items.Select(i => i.MinScore).ToArray(),
                passed = items.Select(i => JsonArray(i.Evaluation.Passed)).ToArray(),
                failed = items.Select(i => JsonArray(i.Evaluation.Failed)).ToArray(),
                reasons = items.Select(i => JsonArray(i.Evaluation.Reasons)).ToArray(),
                reasoners = items.Select(i => i.Evaluation.Reasoner).ToArray(),
                statuses = items.Select(i => i.Status).ToArray(),
                missing = items.Select(i => i.MissingFacts is { Count: > 0 } m ? JsonArray(m) : null).ToArray(),
            });
        return rows.ToDictionary(r => r.CompanyId, r => r.Id);
    }

    /// <summary>Remembers the ICP (and persona) the team qualified with last.</summary>
    public async Task SaveTeamProfileAsync(Guid teamId, Guid jobId, string icpJson, string? personaJson)
    {
        await using var connection = await db.OpenConnectionAsync();
        await connection.ExecuteAsync(
            """
            INSERT INTO icp_discovery.team_profiles (team_id, icp, persona, job_id) VALUES (@teamId, @icpJson::jsonb, @personaJson::jsonb, @jobId)
            ON CONFLICT (team_id) DO UPDATE
               SET icp = excluded.icp, persona = coalesce(excluded.persona, icp_discovery.team_profiles.persona), job_id = excluded.job_id, updated_at = now()
            """,
            new { teamId, jobId, icpJson, personaJson });
    }

    /// <summary>The team's last ICP and persona (JSON), if it ever qualified.</summary>
    public async Task<(string? Icp, string? Persona)> GetTeamProfileAsync(Guid teamId)
    {
        await using var connection = await db.OpenConnectionAsync();
        var row = await connection.QuerySingleOrDefaultAsync<ProfileRow>(
            "SELECT icp::text AS icp, persona::text AS persona FROM icp_discovery.team_profiles WHERE team_id = @teamId", new { teamId });
        return (row?.Icp, row?.Persona);
    }

    /// <summary>The facts of a company as the team last submitted it for qualification, if ever.</summary>
    public async Task<CompanyCandidate?> FindKnownCompanyAsync(Guid teamId, Guid companyId)
    {
        await using var connection = await db.OpenConnectionAsync();
        var json = await connection.ExecuteScalarAsync<string?>(
            "SELECT company::text FROM icp_discovery.qualifications WHERE team_id = @teamId AND polyseme_company_id = @companyId ORDER BY created_at DESC LIMIT 1",
            new { teamId, companyId });
        return json is null ? null : CompanyCandidate.Parse(JsonDocument.Parse(json).RootElement);
    }

    /// <summary>Stores or updates people known at a company (newer facts win, missing ones are kept).</summary>
    public async Task UpsertPeopleAsync(Guid teamId, Guid companyId, Guid? jobId, IReadOnlyList<PersonCandidate> people)
    {
        if (people.Count == 0)
        {
            return;
        }

        var distinct = people.GroupBy(p => p.PersonId).Select(g => g.Last()).ToList();
        await using var connection = await db.OpenConnectionAsync();
        await connection.ExecuteAsync(
            """
            INSERT INTO lead_discovery.people (team_id, polyseme_company_id, polyseme_person_id, name, title, email, linkedin_url, seniority, department, source, job_id)
            SELECT @teamId, @companyId, u.person_id, u.name, u.title, u.email, u.linkedin_url, u.seniority, u.department, u.source, @jobId
              FROM unnest(@personIds, @names, @titles, @emails, @linkedins, @seniorities, @departments, @sources)
                   AS u(person_id, name, title, email, linkedin_url, seniority, department, source)
            ON CONFLICT (team_id, polyseme_company_id, polyseme_person_id) DO UPDATE
               SET name = excluded.name, title = coalesce(excluded.title, lead_discovery.people.title),
                   email = coalesce(excluded.email, lead_discovery.people.email),
                   linkedin_url = coalesce(excluded.linkedin_url, lead_discovery.people.linkedin_url),
                   seniority = coalesce(excluded.seniority, lead_discovery.people.seniority),
                   department = coalesce(excluded.department, lead_discovery.people.department),
                   source = CASE WHEN lead_discovery.people.source = 'ingested' THEN 'ingested' ELSE excluded.source END,
                   job_id = excluded.job_id, updated_at = now()
            """,
            new
            {
                teamId, companyId, jobId,
                personIds = distinct.Select(p => p.PersonId).ToArray(),
                names = distinct.Select(p => p.Name).ToArray(),
                titles = distinct.Select(p => p.Title).ToArray(),
                emails = distinct.Select(p => p.Email).ToArray(),
                linkedins = distinct.Select(p => p.LinkedInUrl).ToArray(),
                seniorities = distinct.Select(p => p.Seniority).ToArray(),
                departments = distinct.Select(p => p.Department).ToArray(),
                sources = distinct.Select(p => p.Source).ToArray(),
            });
    }

    /// <summary>Everyone the team knows at a company (ingested or seen before), oldest first.</summary>
    public async Task<IReadOnlyList<PersonCandidate>> PeopleAtAsync(Guid teamId, Guid companyId)
    {
        await using var connection = await db.OpenConnectionAsync();
        var rows = await connection.QueryAsync<PersonRow>(
            """
            SELECT polyseme_person_id AS person_id, source, name, title, email, linkedin_url, seniority, department
              FROM lead_discovery.people WHERE team_id = @teamId AND polyseme_company_id = @companyId ORDER BY created_at, polyseme_person_id
            """,
            new { teamId, companyId });
        return [.. rows.Select(r => new PersonCandidate(r.PersonId, r.Source, null, r.Name, r.Title, r.Email, r.LinkedinUrl, r.Seniority, r.Department))];
    }

    /// <summary>Stores a company's leads for this trace.</summary>
    public async Task SaveLeadsAsync(CascadeScope scope, Guid companyId, IReadOnlyList<LeadMatch> leads)
    {
        if (leads.Count == 0)
        {
            return;
        }

        await using var connection = await db.OpenConnectionAsync();
        await connection.ExecuteAsync(
            """
            INSERT INTO lead_discovery.leads (id, team_id, trace_id, job_id, run_id, polyseme_company_id, polyseme_person_id, name, title, seniority, department, source,
                                              match_score, match_reasons)
            SELECT u.id, @TeamId, @TraceId, @JobId, @RunId, @companyId, u.person_id, u.name, u.title, u.seniority, u.department, u.source,
                   u.score, u.reasons::jsonb
              FROM unnest(@ids, @personIds, @names, @titles, @seniorities, @departments, @sources, @scores, @reasons)
                   AS u(id, person_id, name, title, seniority, department, source, score, reasons)
            ON CONFLICT (team_id, trace_id, polyseme_company_id, polyseme_person_id) DO UPDATE
               SET match_score = excluded.match_score, match_reasons = excluded.match_reasons, title = excluded.title
            """,
            new
            {
                scope.TeamId, scope.TraceId, scope.JobId, scope.RunId, companyId,
                ids = leads.Select(_ => NewId()).ToArray(),
                personIds = leads.Select(l => l.Person.PersonId).ToArray(),
                names = leads.Select(l => l.Person.Name).ToArray(),
                titles = leads.Select(l => l.Person.Title).ToArray(),
                seniorities = leads.Select(l => l.Person.Seniority ?? Reasoning.DeterministicReasoner.InferSeniority(l.Person.Title ?? "")).ToArray(),
                departments = leads.Select(l => l.Person.Department).ToArray(),
                sources = leads.Select(l => l.Person.Source).ToArray(),
                scores = leads.Select(l => l.Score).ToArray(),
                reasons = leads.Select(l => JsonArray(l.Reasons)).ToArray(),
            });
    }

    /// <summary>A signal to store.</summary>
    public sealed record NewSignal(Guid CompanyId, string Type, DateTimeOffset ObservedAt, double Strength, string? SourceUrl, string Evidence);

    /// <summary>Stores signals; per item its id and whether it was new (false: the team had it already).</summary>
    public async Task<IReadOnlyList<(Guid Id, bool Stored)>> SaveSignalsAsync(CascadeScope scope, IReadOnlyList<NewSignal> signals)
    {
        if (signals.Count == 0)
        {
            return [];
        }

        var fingerprints = signals.Select(Fingerprint).ToArray();
        await using var connection = await db.OpenConnectionAsync();
        var rows = (await connection.QueryAsync<(Guid Id, byte[] Fingerprint, bool Stored)>(
            """
            WITH input AS (
                SELECT DISTINCT ON (u.fingerprint) u.* FROM unnest(@ids, @companyIds, @types, @observed, @strengths, @urls, @evidence, @fingerprints)
                       AS u(id, company_id, type, observed_at, strength, source_url, evidence, fingerprint)
            )
            -- DO UPDATE (a no-op) rather than DO NOTHING: the row comes back even when a concurrent ingest committed it
            -- after this statement's snapshot; xmax = 0 tells a new row from an existing one. A row this same job stored
            -- counts as stored (the job is being run again after a fault), so its result and its bill do not change.
            INSERT INTO buying_signals.signals (id, team_id, polyseme_company_id, type, observed_at, strength, source_url, evidence, fingerprint, job_id, trace_id)
            SELECT id, @TeamId, company_id, type, observed_at, strength, source_url, evidence, fingerprint, @JobId, @TraceId FROM input
            ON CONFLICT (team_id, fingerprint) DO UPDATE SET fingerprint = excluded.fingerprint
            RETURNING id, fingerprint, (xmax = 0 OR job_id IS NOT DISTINCT FROM @JobId AND @JobId IS NOT NULL) AS stored
            """,
            new
            {
                scope.TeamId, scope.TraceId, scope.JobId,
                ids = signals.Select(_ => NewId()).ToArray(),
                companyIds = signals.Select(s => s.CompanyId).ToArray(),
                types = signals.Select(s => s.Type).ToArray(),
                observed = signals.Select(s => s.ObservedAt.UtcDateTime).ToArray(),
                strengths = signals.Select(s => s.Strength).ToArray(),
                urls = signals.Select(s => s.SourceUrl).ToArray(),
                evidence = signals.Select(s => s.Evidence).ToArray(),
                fingerprints,
            })).ToDictionary(r => Convert.ToHexString(r.Fingerprint));

        // A signal repeated inside one request is stored once; its later copies are duplicates of the first.
        var seen = new HashSet<string>();
        return [.. fingerprints.Select(f =>
        {
            var key = Convert.ToHexString(f);
            var row = rows[key];
            return (row.Id, row.Stored && seen.Add(key));
        })];
    }

    /// <summary>Every stored signal of the given companies, by company.</summary>
    public async Task<IReadOnlyDictionary<Guid, List<StoredSignal>>> SignalsForAsync(Guid teamId, IReadOnlyCollection<Guid> companyIds)
    {
        await using var connection = await db.OpenConnectionAsync();
        var rows = await connection.QueryAsync<SignalRow>(
            """
            SELECT id, polyseme_company_id AS company_id, type, observed_at, strength::float8 AS strength, source_url, evidence
              FROM buying_signals.signals WHERE team_id = @teamId AND polyseme_company_id = ANY(@ids)
            """,
            new { teamId, ids = companyIds.ToArray() });
        return rows.GroupBy(r => r.CompanyId).ToDictionary(
            g => g.Key,
            g => g.Select(r => new StoredSignal(r.Id, r.Type, new DateTimeOffset(DateTime.SpecifyKind(r.ObservedAt, DateTimeKind.Utc)), r.Strength, r.SourceUrl, r.Evidence)).ToList());
    }

    /// <summary>Stores scores for this trace; returns the score id per company.</summary>
    public async Task<IReadOnlyDictionary<Guid, Guid>> SaveScoresAsync(CascadeScope scope, IReadOnlyList<(Guid CompanyId, SignalScore Score)> scores, DateTimeOffset scoredAt)
    {
        if (scores.Count == 0)
        {
            return new Dictionary<Guid, Guid>();
        }

        await using var connection = await db.OpenConnectionAsync();
        var rows = await connection.QueryAsync<(Guid Id, Guid CompanyId)>(
            """
            INSERT INTO buying_signals.scores (id, team_id, trace_id, job_id, run_id, polyseme_company_id, score, tier, signal_count, evidence, reasons, reasoner, scored_at)
            SELECT u.id, @TeamId, @TraceId, @JobId, @RunId, u.company_id, u.score, u.tier, u.signal_count, u.evidence::jsonb, u.reasons::jsonb, u.reasoner, @scoredAt
              FROM unnest(@ids, @companyIds, @values, @tiers, @counts, @evidence, @reasons, @reasoners)
                   AS u(id, company_id, score, tier, signal_count, evidence, reasons, reasoner)
            ON CONFLICT (team_id, trace_id, polyseme_company_id) DO UPDATE
               SET score = excluded.score, tier = excluded.tier, signal_count = excluded.signal_count, evidence = excluded.evidence,
                   reasons = excluded.reasons, reasoner = excluded.reasoner, scored_at = excluded.scored_at
            RETURNING id, polyseme_company_id AS company_id
            """,
            new
            {
                scope.TeamId, scope.TraceId, scope.JobId, scope.RunId, scoredAt = scoredAt.UtcDateTime,
                ids = scores.Select(_ => NewId()).ToArray(),
                companyIds = scores.Select(s => s.CompanyId).ToArray(),
                values = scores.Select(s => s.Score.Score).ToArray(),
                tiers = scores.Select(s => s.Score.Tier).ToArray(),
                counts = scores.Select(s => s.Score.SignalCount).ToArray(),
                evidence = scores.Select(s => EvidenceJson(s.Score).ToJsonString()).ToArray(),
                reasons = scores.Select(s => JsonArray(s.Score.Reasons)).ToArray(),
                reasoners = scores.Select(s => s.Score.Reasoner).ToArray(),
            });
        return rows.ToDictionary(r => r.CompanyId, r => r.Id);
    }

    /// <summary>A score's evidence as users see it (API results, stored rows, events).</summary>
    public static JsonArray EvidenceJson(SignalScore score) => new([.. score.Evidence.Select(c => (JsonNode)new JsonObject
    {
        ["signal_id"] = c.Signal.SignalId,
        ["type"] = c.Signal.Type,
        ["observed_at"] = c.Signal.ObservedAt,
        ["strength"] = c.Signal.Strength,
        ["decay"] = c.Decay,
        ["points"] = c.Points,
        ["source_url"] = c.Signal.SourceUrl,
        ["evidence"] = c.Signal.Evidence,
    })]);

    private Guid NewId() => Guid.CreateVersion7(time.GetUtcNow());

    private static string JsonArray(IEnumerable<string> items) => Json.Array(items).ToJsonString();

    private static byte[] Fingerprint(NewSignal s) => SHA256.HashData(Encoding.UTF8.GetBytes(
        $"{s.CompanyId:N}\n{s.Type}\n{s.ObservedAt.UtcTicks}\n{s.SourceUrl}\n{s.Evidence}"));

    private sealed record ProfileRow(string Icp, string? Persona);

    private sealed record PersonRow(Guid PersonId, string Source, string Name, string? Title, string? Email, string? LinkedinUrl, string? Seniority, string? Department);

    private sealed record SignalRow(Guid Id, Guid CompanyId, string Type, DateTime ObservedAt, double Strength, string? SourceUrl, string Evidence);
}
