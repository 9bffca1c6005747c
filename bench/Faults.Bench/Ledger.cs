using Npgsql;

namespace Alavida.Faults.Bench;

/// <summary>What the database says about accepted jobs, their charges and the teams' credits.</summary>
internal sealed class Ledger(string connectionString)
{
    public async Task<T> ScalarAsync<T>(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return (T)(await command.ExecuteScalarAsync())!;
    }

    public async Task<List<(string Key, long Count)>> GroupsAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        var rows = new List<(string, long)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.IsDBNull(0) ? "" : reader.GetString(0), reader.GetInt64(1)));
        }

        return rows;
    }

    /// <summary>Waits until none of <paramref name="jobs"/> is queued or running (or <paramref name="limit"/> passes); false on the limit.</summary>
    public async Task<bool> WaitFinalAsync(Guid[] jobs, TimeSpan limit)
    {
        var until = DateTime.UtcNow + limit;
        while (DateTime.UtcNow < until)
        {
            try
            {
                if (await ScalarAsync<long>("SELECT count(*) FROM jobs WHERE id = ANY(@ids) AND status IN ('queued', 'running')", ("ids", jobs)) == 0)
                {
                    return true;
                }
            }
            catch (NpgsqlException)
            {
                NpgsqlConnection.ClearAllPools(); // the database restarted under the bench's own connections
            }

            await Task.Delay(250);
        }

        return false;
    }

    /// <summary>The audit of <paramref name="jobs"/>: how they ended, whether any was lost or charged twice, and whether every team's credits add up.</summary>
    public async Task<JobAudit> AuditAsync(Guid[] jobs)
    {
        var statuses = (await GroupsAsync("SELECT status, count(*) FROM jobs WHERE id = ANY(@ids) GROUP BY status", ("ids", jobs))).ToDictionary(g => g.Key, g => g.Count);
        var errors = await GroupsAsync("SELECT error->>'code', count(*) FROM jobs WHERE id = ANY(@ids) AND status = 'failed' GROUP BY 1", ("ids", jobs));
        var charged = await ScalarAsync<long>(
            "SELECT count(*) FROM (SELECT job_id FROM credit_usage WHERE job_id = ANY(@ids) AND run_id IS NULL GROUP BY job_id, step HAVING count(*) > 1) d", ("ids", jobs));
        // Per team: what it was granted = what it can spend + what is held + what it spent; what is held = the reservations
        // of its unsettled jobs; what it spent = its usage rows.
        var inconsistent = await ScalarAsync<long>(
            """
            SELECT count(*) FROM credit_accounts a
             WHERE a.balance + a.reserved + a.lifetime_used <> (SELECT coalesce(sum(credits), 0) FROM credit_purchases p WHERE p.team_id = a.team_id)
                OR a.reserved <> (SELECT coalesce(sum(reserved_credits), 0) FROM jobs j WHERE j.team_id = a.team_id AND j.settled_at IS NULL)
                OR a.lifetime_used <> (SELECT coalesce(sum(amount), 0) FROM credit_usage u WHERE u.team_id = a.team_id)
            """);
        var stored = statuses.Values.Sum();
        return new JobAudit(jobs.Length, jobs.Length - (int)stored, statuses.GetValueOrDefault("succeeded"), statuses.GetValueOrDefault("failed"),
            statuses.GetValueOrDefault("cancelled"), statuses.GetValueOrDefault("queued") + statuses.GetValueOrDefault("running"), charged, inconsistent,
            string.Join(", ", errors.Select(e => $"{e.Key}: {e.Count}")));
    }
}

internal sealed record JobAudit(int Accepted, int Lost, long Succeeded, long Failed, long Cancelled, long Unfinished, long ChargedTwice, long TeamsInconsistent, string FailureCodes)
{
    public bool Clean => Lost == 0 && Failed == 0 && Unfinished == 0 && ChargedTwice == 0 && TeamsInconsistent == 0;
}
