using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Alavida.Faults.Bench;

/// <summary>
/// N clients, each sending one-company <c>/identity/run/resolve-company</c> requests (a new company each: the job writes)
/// one after another for a fixed time. Keeps every accepted job id and every answer's status, and counts the answers
/// that break the contract during an outage: a 5xx other than 503, or an error without a problem body.
/// </summary>
internal sealed class RunLoad(Uri url, IReadOnlyList<string> keys)
{
    private readonly ConcurrentBag<Guid> _accepted = [];
    private readonly ConcurrentDictionary<int, int> _statuses = new();
    private readonly ConcurrentBag<string> _violations = [];
    private int _transportErrors;

    public Guid[] Accepted => [.. _accepted];

    public IReadOnlyDictionary<int, int> Statuses => _statuses;

    public IReadOnlyCollection<string> Violations => _violations;

    public int TransportErrors => _transportErrors;

    public async Task RunAsync(TimeSpan duration)
    {
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(keys.Select(async (key, c) =>
        {
            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1 }) { BaseAddress = url, Timeout = TimeSpan.FromSeconds(60) };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
            var n = 0;
            while (clock.Elapsed < duration)
            {
                var body = $$"""{"companies":[{"domain":"c{{c}}-{{n++}}.faults-{{Guid.NewGuid():N}}.com"}]}""";
                try
                {
                    using var response = await http.PostAsync("/identity/run/resolve-company", new StringContent(body, Encoding.UTF8, "application/json"));
                    var status = (int)response.StatusCode;
                    _statuses.AddOrUpdate(status, 1, (_, count) => count + 1);
                    var text = await response.Content.ReadAsStringAsync();
                    if (status == 202)
                    {
                        _accepted.Add(JsonDocument.Parse(text).RootElement.GetProperty("job_id").GetGuid());
                    }
                    else if (status is >= 500 and not 503 || response.Content.Headers.ContentType?.MediaType != "application/problem+json")
                    {
                        _violations.Add($"{status} {response.Content.Headers.ContentType?.MediaType}: {text[..Math.Min(text.Length, 200)]}");
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    Interlocked.Increment(ref _transportErrors);
                }
            }
        }));
    }
}
