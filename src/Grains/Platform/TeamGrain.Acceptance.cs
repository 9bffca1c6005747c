using Alavida.Grains.Data;
using Dapper;
using Npgsql;
using NpgsqlTypes;

namespace Alavida.Grains.Platform;

/// <summary>
/// Acceptance in batches (group commit): the gateway sends the submissions that queued up for this team while the
/// previous call was in flight, and they are decided in order against the balance and written in one commit shared
/// with other teams' writes (<see cref="Data.GroupCommitter"/>). Each statement is the same all-or-nothing reservation
/// a single submission gets, so the database still refuses an overdraft on its own.
/// </summary>
public sealed partial class TeamGrain
{
    private static readonly TimeSpan IdempotencyWindow = TimeSpan.FromHours(24);

    // One statement per submission: reserve, write the job, remember the idempotency key and open the trace's spend
    // budget (when max_credits is set), all or nothing. The reservation's WHERE (and the CHECK on balance) make an
    // overdraft impossible; a later statement of the same batch sees what the earlier ones reserved.
    private static readonly string AcceptSql = PositionalSql.Of("""
        WITH account AS (
            UPDATE credit_accounts
               SET balance = balance - @EstimatedCredits, reserved = reserved + @EstimatedCredits, updated_at = now()
             WHERE team_id = @TeamId AND balance >= @EstimatedCredits
            RETURNING balance, reserved, lifetime_used
        ), job AS (
            INSERT INTO jobs (id, team_id, api_key_id, component_slug, action, status, input, price_per_unit, reserved_credits, max_credits)
            SELECT @JobId, @TeamId, @ApiKeyId, @Quantum, @Action, 'queued', @InputJson::json, @PricePerUnit, @EstimatedCredits, @MaxCredits
              FROM account
            RETURNING id, created_at
        ), idempotency AS (
            INSERT INTO idempotency_keys (team_id, key, request_hash, job_id)
            SELECT @TeamId, @IdempotencyKey, decode(@RequestHash, 'hex'), id FROM job WHERE @IdempotencyKey::text IS NOT NULL
            ON CONFLICT (team_id, key) DO UPDATE
               SET request_hash = excluded.request_hash, job_id = excluded.job_id, created_at = now()
        ), budget AS (
            INSERT INTO trace_budgets (team_id, trace_id, max_credits, committed)
            SELECT @TeamId, replace(id::text, '-', ''), @MaxCredits, @EstimatedCredits FROM job WHERE @MaxCredits::bigint IS NOT NULL
        )
        SELECT balance, reserved, lifetime_used, (SELECT created_at FROM job) FROM account
        """,
        "EstimatedCredits", "TeamId", "JobId", "ApiKeyId", "Quantum", "Action", "InputJson", "PricePerUnit", "MaxCredits", "IdempotencyKey", "RequestHash");

    public async Task<JobAcceptance> AcceptJobAsync(JobSubmission submission) => (await AcceptJobsAsync([submission]))[0];

    public async Task<IReadOnlyList<JobAcceptance>> AcceptJobsAsync(IReadOnlyList<JobSubmission> submissions)
    {
        if (submissions.Any(s => s.TeamId != TeamId))
        {
            throw new ArgumentException("A submission belongs to another team.", nameof(submissions));
        }

        var answers = new JobAcceptance?[submissions.Count];
        var pending = Enumerable.Range(0, submissions.Count).ToList();
        while (pending.Count > 0)
        {
            pending = await AcceptRoundAsync(submissions, pending, answers);
        }

        return answers!;
    }

    /// <summary>
    /// Decides and writes the submissions at <paramref name="indexes"/>; returns those that reuse an Idempotency-Key
    /// of an earlier one in this round: they are decided in the next round, against what this one stored.
    /// </summary>
    private async Task<List<int>> AcceptRoundAsync(IReadOnlyList<JobSubmission> submissions, List<int> indexes, JobAcceptance?[] answers)
    {
        var keys = indexes.Select(i => submissions[i].IdempotencyKey).OfType<string>().Distinct().ToArray();
        var earlier = keys.Length == 0 ? [] : await FindIdempotentJobsAsync(keys);
        var balance = (await GetCreditsAsync()).Balance;
        var keysThisRound = new HashSet<string>(StringComparer.Ordinal);
        var deferred = new List<int>();
        var writes = new List<int>();
        foreach (var i in indexes)
        {
            var submission = submissions[i];
            if (submission.IdempotencyKey is { } key)
            {
                if (!keysThisRound.Add(key))
                {
                    deferred.Add(i);
                    continue;
                }

                if (earlier.TryGetValue(key, out var job))
                {
                    var outcome = job.RequestHash == submission.RequestHash ? AcceptanceOutcome.Replayed : AcceptanceOutcome.KeyConflict;
                    answers[i] = new JobAcceptance(outcome, job.JobId, balance, submission.EstimatedCredits);
                    continue;
                }
            }

            if (balance < submission.EstimatedCredits)
            {
                answers[i] = new JobAcceptance(AcceptanceOutcome.InsufficientCredits, Guid.Empty, balance, submission.EstimatedCredits);
                continue;
            }

            balance -= submission.EstimatedCredits;
            writes.Add(i);
        }

        if (writes.Count > 0)
        {
            await WriteAcceptancesAsync(submissions, writes, answers);
        }

        return deferred;
    }

    private async Task WriteAcceptancesAsync(IReadOnlyList<JobSubmission> submissions, List<int> writes, JobAcceptance?[] answers)
    {
        // One statement per submission, committed with other teams' writes (group commit): all of this team's or none.
        var accounts = await committer.ExecuteAsync(
            () => writes.Select(i => AcceptCommand(submissions[i])).ToList(),
            async reader => await reader.ReadAsync() ? new AcceptedRow(new AccountRow(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2)), reader.GetFieldValue<DateTimeOffset>(3)) : null);

        var refused = new List<int>();
        for (var n = 0; n < writes.Count; n++)
        {
            var submission = submissions[writes[n]];
            if (accounts[n] is not { } accepted)
            {
                refused.Add(writes[n]);
                continue;
            }

            _credits = accepted.Account.ToBalance();
            AlavidaTelemetry.JobsAccepted.Add(1, new KeyValuePair<string, object?>("quantum", submission.Quantum));
            Log.JobAccepted(logger, submission.JobId, TeamId, submission.Quantum, submission.Action, submission.EstimatedCredits);
            answers[writes[n]] = new JobAcceptance(AcceptanceOutcome.Accepted, submission.JobId, accepted.Account.Balance, submission.EstimatedCredits, accepted.CreatedAt);
        }

        if (refused.Count > 0)
        {
            _credits = null; // the database disagreed with our cached balance: reload it
            var current = await GetCreditsAsync();
            foreach (var i in refused)
            {
                answers[i] = new JobAcceptance(AcceptanceOutcome.InsufficientCredits, Guid.Empty, current.Balance, submissions[i].EstimatedCredits);
            }
        }

        await CheckLowBalanceAsync();
    }

    private static NpgsqlBatchCommand AcceptCommand(JobSubmission s) => PositionalSql.Command(AcceptSql,
        PositionalSql.Value(s.EstimatedCredits), PositionalSql.Value(s.TeamId), PositionalSql.Value(s.JobId),
        PositionalSql.OrNull(s.ApiKeyId, NpgsqlDbType.Uuid), PositionalSql.Value(s.Quantum), PositionalSql.Value(s.Action),
        PositionalSql.Value(s.InputJson), PositionalSql.Value(s.PricePerUnit), PositionalSql.OrNull(s.MaxCredits, NpgsqlDbType.Bigint),
        PositionalSql.OrNull(s.IdempotencyKey, NpgsqlDbType.Text), PositionalSql.OrNull(s.RequestHash, NpgsqlDbType.Text));

    /// <summary>The jobs that the given keys stood for in the last 24 hours, with the hash of their request.</summary>
    private async Task<Dictionary<string, (Guid JobId, string RequestHash)>> FindIdempotentJobsAsync(string[] keys)
    {
        await using var connection = await db.OpenConnectionAsync();
        var rows = await connection.QueryAsync<IdempotencyRow>(
            "SELECT key, job_id, request_hash, created_at FROM idempotency_keys WHERE team_id = @TeamId AND key = ANY(@keys)",
            new { TeamId, keys });
        var since = time.GetUtcNow() - IdempotencyWindow;
        return rows.Where(r => r.CreatedAt.Utc() >= since)
            .ToDictionary(r => r.Key, r => (r.JobId, Convert.ToHexStringLower(r.RequestHash)), StringComparer.Ordinal);
    }

    private sealed record IdempotencyRow(string Key, Guid JobId, byte[] RequestHash, DateTime CreatedAt);

    private sealed record AcceptedRow(AccountRow Account, DateTimeOffset CreatedAt);
}
