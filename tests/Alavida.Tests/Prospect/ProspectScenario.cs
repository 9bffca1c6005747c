using System.Text.Json;
using Alavida.Grains.Mesh;
using Alavida.Tests.Gateway;
using Microsoft.Extensions.DependencyInjection;

namespace Alavida.Tests.Prospect;

/// <summary>
/// The candidate list of the end-to-end tests, built so every expectation follows from the deterministic scorer's
/// documented weights (industries 40, employee_range 30, countries 20, required_keywords 10; min_score 70).
/// </summary>
public static class ProspectScenario
{
    public static readonly object Icp = new
    {
        industries = new[] { "logistics", "supply chain" },
        employee_range = new { min = 50, max = 2000 },
        countries = new[] { "DE", "NL", "GB" },
        required_keywords = new[] { "freight" },
        excluded_keywords = new[] { "staffing" },
        excluded_domains = new[] { "globex-freight.de" },
        min_score = 70,
    };

    public static readonly object Persona = new { title_keywords = new[] { "sales", "revenue" }, seniorities = new[] { "vp", "head", "director" }, max_leads = 2 };

    /// <summary>Fits every criterion (score 100).</summary>
    public static string Fit(int i, string tag) => $"fit-{i}-{tag}.de";

    /// <summary>30 candidates: 18 qualify (16 at 100, 2 at 90), 8 do not, 3 duplicates by domain variants, 1 rejected.</summary>
    public static object[] Companies(string tag)
    {
        var list = new List<object>();
        string[] countries = ["DE", "NL", "GB"];
        for (var i = 1; i <= 16; i++)
        {
            list.Add(new { name = $"Fit {i} Logistics", domain = Fit(i, tag), industry = "logistics software", employees = 100 + (i * 10), country = countries[i % 3], description = "Freight visibility platform for shippers." });
        }

        list.Add(new { name = "Partial 1", domain = $"partial-1-{tag}.nl", industry = "supply chain", employees = 400, country = "NL", description = "Warehouse robots." });
        list.Add(new { name = "Partial 2", domain = $"partial-2-{tag}.co.uk", industry = "Logistics", employees = 900, country = "gb", technologies = new[] { "sap" } });
        list.Add(new { name = "Fintech", domain = $"fintech-{tag}.de", industry = "fintech", employees = 300, country = "DE", description = "Payments for freight forwarders." });
        list.Add(new { name = "Tiny", domain = $"tiny-{tag}.fr", industry = "logistics", employees = 8, country = "FR", description = "Freight." });
        list.Add(new { name = "Retail US", domain = $"retail-{tag}.com", industry = "retail", employees = 500, country = "US" });
        list.Add(new { name = "Globex Freight", domain = "https://www.globex-freight.de/", industry = "logistics", employees = 300, country = "DE", description = "Freight forwarding." });
        list.Add(new { name = "Staffing Co", domain = $"staffing-{tag}.de", industry = "logistics", employees = 300, country = "DE", description = "Freight staffing agency." });
        list.Add(new { name = "Unknown", domain = $"unknown-{tag}.de", country = "DE", description = "Freight." });
        list.Add(new { name = "Huge", domain = $"huge-{tag}.fr", industry = "logistics", employees = 5000, country = "FR", description = "Freight." });
        list.Add(new { name = "Small US", domain = $"small-{tag}.com", industry = "logistics", employees = 20, country = "US", description = "Freight." });
        list.Add(new { domain = $"https://www.{Fit(1, tag)}/" });
        list.Add(new { domain = Fit(2, tag).ToUpperInvariant() });
        list.Add(new { domain = $"http://{Fit(3, tag)}/about" });
        list.Add(new { domain = "gmail.com" });
        return [.. list];
    }

    /// <summary>People at the first six fitting companies: two leads each (three at the first, one over max_leads) and an office manager.</summary>
    public static IEnumerable<(string Domain, object[] People)> People(string tag)
    {
        for (var i = 1; i <= 6; i++)
        {
            var people = new List<object>
            {
                new { name = $"Vera Sales{i}", title = "VP Sales", email = $"vera{i}@{Fit(i, tag)}", seniority = "vp", department = "sales" },
                new { name = $"Hugo Revenue{i}", title = "Head of Revenue Operations", email = $"hugo{i}@{Fit(i, tag)}" },
                new { name = $"Olga Office{i}", title = "Office Manager", email = $"olga{i}@{Fit(i, tag)}" },
            };
            if (i == 1)
            {
                people.Add(new { name = "Dirk Director", title = "Director of Sales", email = $"dirk@{Fit(i, tag)}" });
            }

            yield return (Fit(i, tag), [.. people]);
        }
    }

    /// <summary>Signals for fit companies 1–4 and 7 (and one for a company that does not qualify), dated relative to now.</summary>
    public static object[] Signals(string tag, DateTimeOffset now)
    {
        object Signal(string domain, string type, double daysAgo, double strength, string evidence) =>
            new { company = new { domain }, type, observed_at = now.AddDays(-daysAgo).ToString("yyyy-MM-ddTHH:mm:ssZ"), strength, evidence, source_url = $"https://{domain}/news/{type}" };
        return
        [
            Signal(Fit(1, tag), "hiring", 2, 0.8, "Hiring a Revenue Operations Lead."),              // 60 × 0.8 = 48
            Signal(Fit(1, tag), "company_event", 20, 1, "Raised a Series B."),                       // 60 × 0.5 = 30
            Signal(Fit(1, tag), "careers_only_visit", 1, 0.3, "Viewed only /careers."),             // -20 × 0.3 = -6 → 72 hot
            Signal(Fit(2, tag), "hiring", 1, 1, "Hiring two SDRs."),                                 // 60 + 60 capped at 60
            Signal(Fit(2, tag), "hiring", 3, 1, "Hiring a sales manager."),
            Signal(Fit(2, tag), "engagement", 45, 0.5, "Attended our webinar."),                    // 45 × 0.5 × 0.25 = 5.625 → 65.6 warm
            Signal(Fit(3, tag), "tech_stack", 90, 1, "Adopted Salesforce."),                         // too old: 0 → 0 cold
            Signal(Fit(4, tag), "layoffs", 2, 1, "Cut 10% of staff."),                              // -40
            Signal(Fit(4, tag), "first_party_intent", 2, 1, "Visited pricing three times."),         // +40 → 0 cold
            Signal(Fit(7, tag), "third_party_intent", 10, 0.5, "Researching freight visibility."),  // 30 × 0.5 × 0.5 = 7.5 cold
            Signal($"fintech-{tag}.de", "hiring", 1, 1, "Hiring."),
        ];
    }
}

/// <summary>
/// Waits for a cascade by re-checking a database condition each time a mesh run changes (the mesh's own signal), so the
/// tests never sleep and never poll blindly.
/// </summary>
public static class CascadeWait
{
    private static readonly string[] Final = ["completed", "failed", "cancelled", "skipped"];

    /// <summary>Completes when every run of <paramref name="traceId"/> is final and <paramref name="done"/> holds for the per-function counts.</summary>
    public static async Task<IReadOnlyList<(string FunctionId, string Status, int Runs)>> UntilAsync(
        GatewayFixture fixture, string traceId, Func<IReadOnlyList<(string FunctionId, string Status, int Runs)>, bool> done, TimeSpan? limit = null)
    {
        var monitor = fixture.Host.Services.GetRequiredService<MeshMonitor>();
        var changed = new SemaphoreSlim(0);
        void OnChange(RunChange _) => changed.Release();
        monitor.Changed += OnChange;
        try
        {
            using var timeout = new CancellationTokenSource(limit ?? TimeSpan.FromSeconds(90));
            while (true)
            {
                var counts = await CountsAsync(fixture, traceId);
                if (counts.All(c => Final.Contains(c.Status)) && done(counts))
                {
                    return counts;
                }

                try
                {
                    await changed.WaitAsync(timeout.Token);
                }
                catch (OperationCanceledException)
                {
                    throw new TimeoutException($"The cascade of trace {traceId} did not finish: {string.Join(", ", counts.Select(c => $"{c.FunctionId} {c.Status} {c.Runs}"))}");
                }
            }
        }
        finally
        {
            monitor.Changed -= OnChange;
        }
    }

    public static int Runs(this IReadOnlyList<(string FunctionId, string Status, int Runs)> counts, string functionId, string? status = null) =>
        counts.Where(c => c.FunctionId == functionId && (status is null || c.Status == status)).Sum(c => c.Runs);

    private static async Task<IReadOnlyList<(string FunctionId, string Status, int Runs)>> CountsAsync(GatewayFixture fixture, string traceId)
    {
        await using var connection = new Npgsql.NpgsqlConnection(fixture.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(
            "SELECT function_id, status, count(*)::int FROM mesh.runs WHERE trace_id = @t GROUP BY function_id, status", connection);
        command.Parameters.AddWithValue("t", traceId);
        var rows = new List<(string FunctionId, string Status, int Runs)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetString(0), reader.GetString(1), reader.GetInt32(2)));
        }

        return rows;
    }

    /// <summary>Every item of a data list, across pages.</summary>
    public static async Task<List<JsonElement>> ListAllAsync(this HttpClient http, string path)
    {
        var items = new List<JsonElement>();
        string? cursor = null;
        do
        {
            var separator = path.Contains('?') ? '&' : '?';
            var page = await (await http.GetAsync(cursor is null ? $"{path}{separator}limit=200" : $"{path}{separator}limit=200&cursor={Uri.EscapeDataString(cursor)}")).ReadJsonAsync();
            items.AddRange(page.GetProperty("items").EnumerateArray());
            cursor = page.GetProperty("next_cursor").GetString();
        }
        while (cursor is not null);
        return items;
    }
}
