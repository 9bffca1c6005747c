using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Npgsql;

namespace Alavida.Faults.Bench;

/// <summary>The fault scenarios; each returns its Markdown section and whether it met the target.</summary>
internal sealed class Scenarios(Options options, Postgres postgres, Ledger ledger, Action<string> say)
{
    /// <summary>Immediate PostgreSQL restarts under <c>/run</c> load against one process.</summary>
    public async Task<(string Markdown, bool Clean)> DatabaseRestartsAsync()
    {
        await using var platform = await StartAsync("silo1", "All");
        var keys = await CreateTeamsAsync(platform, options.Clients, 10_000_000);
        var load = new RunLoad(platform.Url, keys);
        say($"db-restart: {options.Clients} clients for {options.Seconds} s, {options.Restarts} immediate restart(s)");
        var clock = Stopwatch.StartNew();
        var running = load.RunAsync(TimeSpan.FromSeconds(options.Seconds));
        var outages = new List<TimeSpan>();
        for (var r = 1; r <= options.Restarts; r++)
        {
            await Task.Delay(TimeSpan.FromSeconds(options.Seconds * r / (options.Restarts + 1.0)) - clock.Elapsed);
            outages.Add(await postgres.RestartImmediatelyAsync());
            say($"  restart {r}: the server was gone {outages[^1].TotalSeconds:0.0} s");
        }

        await running;
        var loadEnded = clock.Elapsed;
        NpgsqlConnection.ClearAllPools();
        var drained = await ledger.WaitFinalAsync(load.Accepted, TimeSpan.FromMinutes(3));
        var drain = clock.Elapsed - loadEnded;
        var audit = await ledger.AuditAsync(load.Accepted);
        var longest = await ledger.ScalarAsync<double>(
            "SELECT coalesce(max(extract(epoch FROM ended_at - created_at)), 0)::float8 FROM jobs WHERE id = ANY(@ids)", ("ids", load.Accepted));
        var clean = audit.Clean && drained && load.Violations.Count == 0;
        var answers = string.Join(", ", load.Statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}: {s.Value}"));
        return ($"""
            ### Immediate PostgreSQL restarts under {options.Clients} clients of `/run` ({options.Seconds} s, one process)

            Restarts (`pg_ctl restart -m immediate`, the server killed and recovering from its WAL): {string.Join(", ", outages.Select(o => $"{o.TotalSeconds:0.0} s"))} without a database.

            | Accepted | Succeeded | Failed | Lost | Unfinished | Charged twice | Teams whose credits do not add up | Longest job (accepted → final) | Drained after the load |
            |---|---|---|---|---|---|---|---|---|
            | {audit.Accepted} | {audit.Succeeded} | {audit.Failed}{(audit.FailureCodes.Length > 0 ? $" ({audit.FailureCodes})" : "")} | {audit.Lost} | {audit.Unfinished} | {audit.ChargedTwice} | {audit.TeamsInconsistent} | {longest:0.0} s | {drain.TotalSeconds:0.0} s |

            Answers: {answers}; transport errors: {load.TransportErrors}; answers breaking the contract (a 5xx other than 503, or an error without a problem body): {load.Violations.Count}{(load.Violations.Count > 0 ? $" — e.g. `{load.Violations.First()}`" : "")}.

            """, clean);
    }

    /// <summary>
    /// Two silos; a 1,000-company qualify is accepted by the first (which serves HTTP) and the second is SIGKILLed
    /// <paramref name="killAfter"/> after the 202 (mid-job), or once a quarter of the cascade's lead runs completed
    /// (mid-cascade, when <paramref name="midCascade"/>).
    /// </summary>
    public async Task<(string Markdown, bool Clean)> SiloKillsAsync(bool midCascade, TimeSpan killAfter)
    {
        await using var first = await StartAsync("silo1", "All");
        var second = await StartAsync("silo2", "Silo");
        var key = (await CreateTeamsAsync(first, 1, 100_000_000))[0];
        using var http = new HttpClient { BaseAddress = first.Url, Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        var rows = new StringBuilder();
        var jobs = new List<Guid>();
        var clean = true;
        for (var trial = 1; trial <= options.Trials; trial++)
        {
            await UntilAsync(async () => await first.ActiveSilosAsync() == 2, TimeSpan.FromMinutes(2), "two active silos");
            var companies = Enumerable.Range(0, options.Companies).Select(i => i % 5 == 4
                ? new { domain = $"misfit-{trial}-{i}-{options.ClusterId}.com", industry = "retail", employees = 20 }
                : new { domain = $"fit-{trial}-{i}-{options.ClusterId}.com", industry = "logistics software", employees = 100 + i }).ToArray();
            var accepted = await http.PostAsJsonAsync("/icp-discovery/run/qualify", new
            {
                icp = new { industries = new[] { "logistics" }, employee_range = new { min = 50 }, min_score = 50 },
                companies,
            });
            if (accepted.StatusCode != System.Net.HttpStatusCode.Accepted)
            {
                throw new InvalidOperationException($"qualify: {(int)accepted.StatusCode} {await accepted.Content.ReadAsStringAsync()}");
            }

            var jobId = (await accepted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("job_id").GetGuid();
            jobs.Add(jobId);
            var trace = jobId.ToString("N");
            if (midCascade)
            {
                await UntilAsync(async () => await ledger.ScalarAsync<long>(
                    "SELECT count(*) FROM mesh.runs WHERE trace_id = @t AND function_id LIKE 'lead-discovery/%' AND status = 'completed'", ("t", trace)) >= options.Companies * 4 / 5 / 4,
                    TimeSpan.FromMinutes(2), "a quarter of the lead runs");
            }
            else
            {
                // From killAfter down: the first trials kill late in the job, the last ones early.
                await Task.Delay(killAfter * (options.Trials - trial + 1) / options.Trials);
            }

            var running = await ledger.ScalarAsync<string>("SELECT status FROM jobs WHERE id = @id", ("id", jobId));
            second.Kill();
            var killed = Stopwatch.StartNew();
            say($"  trial {trial}: silo2 killed (job {running})");
            var jobFinal = await ledger.WaitFinalAsync([jobId], TimeSpan.FromMinutes(3)) ? killed.Elapsed : (TimeSpan?)null;
            // From the row: while the dead silo is not yet declared dead, a read through a grain placed there answers 503.
            var status = await ledger.ScalarAsync<string>("SELECT status FROM jobs WHERE id = @id", ("id", jobId));
            var qualified = (int)await ledger.ScalarAsync<long>("SELECT coalesce((result_payload->'counts'->>'qualified')::bigint, 0) FROM jobs WHERE id = @id", ("id", jobId));
            var cascadeDone = await CascadeDoneAsync(trace, qualified, TimeSpan.FromMinutes(3)) ? killed.Elapsed : (TimeSpan?)null;
            var duplicateRuns = await ledger.ScalarAsync<long>(
                "SELECT count(*) FROM (SELECT 1 FROM mesh.runs WHERE trace_id = @t GROUP BY function_id, event_id HAVING count(*) > 1) d", ("t", trace));
            var (leads, scores) = (await RunsAsync(trace, "lead-discovery/%", "completed"), await RunsAsync(trace, "buying-signals/%", "completed"));
            if (cascadeDone is null)
            {
                var runs = await ledger.GroupsAsync(
                    "SELECT function_id || ' ' || status || coalesce(' (' || left(error, 200) || ')', ''), count(*) FROM mesh.runs WHERE trace_id = @t GROUP BY 1", ("t", trace));
                say($"  trial {trial}: the cascade did not finish: {string.Join("; ", runs.Select(r => $"{r.Key}: {r.Count}"))}");
            }

            var ok = status == "succeeded" && jobFinal is not null && cascadeDone is not null && duplicateRuns == 0;
            clean &= ok && (midCascade || jobFinal <= TimeSpan.FromSeconds(30));
            rows.AppendLine($"| {trial} | {(midCascade ? "" : $"{(killAfter * (options.Trials - trial + 1) / options.Trials).TotalSeconds:0.00} s after the 202, ")}job row {running} | {status} | {Seconds(jobFinal)} | {qualified} | {leads} / {scores} | {Seconds(cascadeDone)} | {duplicateRuns} |");
            second = await StartAsync("silo2", "Silo");
        }

        await second.DisposeAsync();
        var audit = await ledger.AuditAsync([.. jobs]);
        clean &= audit.Clean;
        var title = midCascade
            ? $"SIGKILL of the second silo mid-cascade (a quarter of the lead runs done), {options.Companies}-company qualify"
            : $"SIGKILL of the second silo 0–{killAfter.TotalSeconds:0.0} s after the 202 of a {options.Companies}-company qualify (mid-job)";
        return ($"""
            ### {title}

            Two silos on one database; the first serves HTTP, the second (killed) only hosts grains. {options.Trials} trials, the second silo restarted between them.

            | Trial | Killed | Job | Job final after the kill | Qualified | Lead / score runs completed | Cascade complete after the kill | Runs duplicated |
            |---|---|---|---|---|---|---|---|
            {rows.ToString().TrimEnd()}

            Ledger over the {jobs.Count} jobs: lost {audit.Lost}, failed {audit.Failed}, unfinished {audit.Unfinished}, charged twice {audit.ChargedTwice}, teams whose credits do not add up {audit.TeamsInconsistent}.

            """, clean);
    }

    private async Task<bool> CascadeDoneAsync(string trace, int qualified, TimeSpan limit)
    {
        var until = DateTime.UtcNow + limit;
        while (DateTime.UtcNow < until)
        {
            var unfinished = await ledger.ScalarAsync<long>("SELECT count(*) FROM mesh.runs WHERE trace_id = @t AND status NOT IN ('completed', 'failed', 'cancelled', 'skipped')", ("t", trace));
            var leads = await ledger.ScalarAsync<long>("SELECT count(*) FROM mesh.runs WHERE trace_id = @t AND function_id LIKE 'lead-discovery/%'", ("t", trace));
            var leadsCompleted = await RunsAsync(trace, "lead-discovery/%", "completed");
            var scores = await ledger.ScalarAsync<long>("SELECT count(*) FROM mesh.runs WHERE trace_id = @t AND function_id LIKE 'buying-signals/%'", ("t", trace));
            if (unfinished == 0 && leads == qualified && scores == leadsCompleted)
            {
                return true;
            }

            await Task.Delay(250);
        }

        return false;
    }

    private Task<long> RunsAsync(string trace, string function, string status) =>
        ledger.ScalarAsync<long>("SELECT count(*) FROM mesh.runs WHERE trace_id = @t AND function_id LIKE @f AND status = @s", ("t", trace), ("f", function), ("s", status));

    private Task<PlatformProcess> StartAsync(string name, string role) =>
        PlatformProcess.StartAsync(options, name, role, postgres.ConnectionString, Path.Combine(options.Work, $"{name}.log"));

    private async Task<List<string>> CreateTeamsAsync(PlatformProcess platform, int count, long credits)
    {
        using var admin = new HttpClient { BaseAddress = platform.Url };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", options.AdminKey);
        var keys = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var created = await admin.PostAsJsonAsync("/admin/teams", new { name = $"faults-{Guid.NewGuid():N}", owner_email = "faults@example.com", credits });
            created.EnsureSuccessStatusCode();
            keys.Add((await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("api_key").GetString()!);
        }

        return keys;
    }

    private static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan limit, string what)
    {
        var until = DateTime.UtcNow + limit;
        while (!await condition())
        {
            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException($"waited {limit} for {what}");
            }

            await Task.Delay(100);
        }
    }

    private static string Seconds(TimeSpan? t) => t is { } value ? $"{value.TotalSeconds:0.0} s" : "**not within 3 min**";
}
