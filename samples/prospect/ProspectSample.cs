using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Alavida.Samples.Prospect;

/// <summary>A failure the sample explains to its user (HTTP problem details, a failed job).</summary>
public sealed class SampleException(string message) : Exception(message);

/// <summary>
/// The prospect chain as a new user first meets it: load contacts and signals, qualify a list of candidates against an
/// ICP, follow the cascade (lead-discovery, buying-signals) through <c>/traces</c>, and print the scored accounts with
/// their leads and evidence.
/// </summary>
public sealed class ProspectSample(HttpClient http, TextWriter output, string dataDirectory, Func<Task>? pause = null)
{
    private readonly Func<Task> _pause = pause ?? (() => Task.Delay(TimeSpan.FromMilliseconds(500)));

    /// <summary>Runs the whole sample; returns the qualify job's trace id.</summary>
    public async Task<string> RunAsync(CancellationToken cancellationToken = default)
    {
        var people = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(dataDirectory, "people.json"), cancellationToken))!.AsArray();
        output.WriteLine($"1. Loading contacts for {people.Count} companies (lead-discovery/ingest)…");
        foreach (var company in people)
        {
            await RunJobAsync("/lead-discovery/run/ingest", company!, cancellationToken);
        }

        var signals = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(dataDirectory, "signals.json"), cancellationToken))!["signals"]!.AsArray();
        foreach (var signal in signals)
        {
            var days = signal!["days_ago"]!.GetValue<double>();
            signal.AsObject().Remove("days_ago");
            signal["observed_at"] = DateTimeOffset.UtcNow.AddDays(-days).ToString("yyyy-MM-ddTHH:mm:ssZ");
        }

        output.WriteLine($"2. Loading {signals.Count} buying signals (buying-signals/ingest)…");
        await RunJobAsync("/buying-signals/run/ingest", new JsonObject { ["signals"] = signals.DeepClone() }, cancellationToken);

        var qualify = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(dataDirectory, "qualify.json"), cancellationToken))!;
        output.WriteLine($"3. Qualifying {qualify["companies"]!.AsArray().Count} candidates against the ICP (icp-discovery/qualify)…");
        var job = await RunJobAsync("/icp-discovery/run/qualify", qualify, cancellationToken);
        var counts = job.GetProperty("result").GetProperty("counts");
        output.WriteLine($"   {counts.GetProperty("qualified").GetInt32()} qualified, {counts.GetProperty("disqualified").GetInt32()} disqualified, " +
                         $"{counts.GetProperty("duplicates").GetInt32()} duplicates, {counts.GetProperty("rejected").GetInt32()} rejected; " +
                         $"{job.GetProperty("usage").GetProperty("credits_charged").GetInt64()} credits.");

        var trace = job.GetProperty("trace_id").GetString()!;
        output.WriteLine($"4. Following the cascade: GET /traces/{trace}");
        var qualified = counts.GetProperty("qualified").GetInt32();
        await WaitForCascadeAsync(trace, qualified, cancellationToken);

        var names = (await ListAsync($"/icp-discovery/data/qualifications?trace_id={trace}", cancellationToken))
            .ToDictionary(q => q.GetProperty("company_id").GetString()!, q => NameOf(q.GetProperty("company")) ?? q.GetProperty("company_id").GetString()!);
        var leads = (await ListAsync($"/lead-discovery/data/leads?trace_id={trace}", cancellationToken)).ToLookup(l => l.GetProperty("company_id").GetString()!);
        var scores = (await ListAsync($"/buying-signals/data/scores?trace_id={trace}", cancellationToken))
            .OrderByDescending(s => s.GetProperty("score").GetDouble()).ToList();

        output.WriteLine();
        output.WriteLine($"Scored accounts ({scores.Count} with signals, of {qualified} qualified):");
        foreach (var score in scores)
        {
            var company = score.GetProperty("company_id").GetString()!;
            output.WriteLine($"  {score.GetProperty("tier").GetString()!.ToUpperInvariant(),-5} {score.GetProperty("score").GetDouble(),5:0.0}  {names.GetValueOrDefault(company, company)}");
            foreach (var evidence in score.GetProperty("evidence").EnumerateArray().Take(3))
            {
                output.WriteLine($"          {evidence.GetProperty("points").GetDouble(),6:+0.0;-0.0}  {evidence.GetProperty("type").GetString()}: {evidence.GetProperty("evidence").GetString()}");
            }

            foreach (var lead in leads[company])
            {
                output.WriteLine($"          lead: {lead.GetProperty("name").GetString()}, {lead.GetProperty("title").GetString()} ({lead.GetProperty("match_score").GetDouble():0})");
            }
        }

        var credits = await http.GetFromJsonAsync<JsonElement>("/credits", cancellationToken);
        output.WriteLine();
        output.WriteLine($"Balance: {credits.GetProperty("balance").GetInt64()} credits. Everything above: GET /traces/{trace}");
        return trace;
    }

    private async Task<JsonElement> RunJobAsync(string path, JsonNode body, CancellationToken cancellationToken)
    {
        var response = await http.PostAsJsonAsync(path, body, cancellationToken);
        var accepted = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new SampleException($"{path} answered {(int)response.StatusCode}: {accepted}");
        }

        var id = accepted.GetProperty("job_id").GetString();
        while (true)
        {
            var job = await http.GetFromJsonAsync<JsonElement>($"/jobs/{id}?wait_seconds=20", cancellationToken);
            switch (job.GetProperty("status").GetString())
            {
                case "succeeded":
                    return job;
                case "failed" or "cancelled":
                    throw new SampleException($"{path}: job {id} {job.GetProperty("status").GetString()}: {job.GetProperty("error")}");
            }
        }
    }

    private async Task WaitForCascadeAsync(string trace, int qualified, CancellationToken cancellationToken)
    {
        string[] final = ["completed", "failed", "cancelled", "skipped"];
        var last = "";
        while (true)
        {
            var view = await http.GetFromJsonAsync<JsonElement>($"/traces/{trace}", cancellationToken);
            var runs = view.GetProperty("runs").EnumerateArray().ToList();
            int Count(string prefix, string? status = null) =>
                runs.Count(r => r.GetProperty("function_id").GetString()!.StartsWith(prefix, StringComparison.Ordinal) && (status is null || r.GetProperty("status").GetString() == status));
            var line = $"   runs: lead-discovery {Count("lead-discovery", "completed")}/{qualified}, buying-signals {Count("buying-signals", "completed")}";
            if (line != last)
            {
                output.WriteLine(line);
                last = line;
            }

            if (Count("lead-discovery") == qualified && Count("buying-signals") == Count("lead-discovery", "completed")
                && runs.All(r => final.Contains(r.GetProperty("status").GetString())))
            {
                return;
            }

            await _pause();
        }
    }

    private static string? NameOf(JsonElement company) =>
        new[] { "name", "domain", "linkedin_url" }.Select(f => company.TryGetProperty(f, out var v) ? v.GetString() : null).FirstOrDefault(v => v is not null);

    private async Task<List<JsonElement>> ListAsync(string path, CancellationToken cancellationToken)
    {
        var items = new List<JsonElement>();
        string? cursor = null;
        do
        {
            var page = await http.GetFromJsonAsync<JsonElement>($"{path}&limit=200{(cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}")}", cancellationToken);
            items.AddRange(page.GetProperty("items").EnumerateArray());
            cursor = page.GetProperty("next_cursor").GetString();
        }
        while (cursor is not null);
        return items;
    }
}
