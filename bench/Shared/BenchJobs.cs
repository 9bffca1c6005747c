using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;

namespace Alavida.Bench;

/// <summary>What the HTTP benchmarks share: a client with a team's key, running a job to success, and a scalar query.</summary>
public static class BenchJobs
{
    public static HttpClient Client(string address, string key, TimeSpan? timeout = null)
    {
        var client = new HttpClient { BaseAddress = new Uri(address), Timeout = timeout ?? TimeSpan.FromSeconds(120) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    /// <summary>Posts an action and waits for its job; throws unless it was accepted and succeeded.</summary>
    public static async Task RunAsync(HttpClient http, string path, object body)
    {
        var response = await http.PostAsJsonAsync(path, body);
        var accepted = await response.Content.ReadFromJsonAsync<JsonElement>();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{path}: {(int)response.StatusCode} {accepted}");
        }

        var job = await WaitAsync(http, accepted.GetProperty("job_id").GetString()!);
        if (job.GetProperty("status").GetString() != "succeeded")
        {
            throw new InvalidOperationException($"{path}: {job}");
        }
    }

    /// <summary>The job once final (long-polls <c>GET /jobs/{id}</c>).</summary>
    public static async Task<JsonElement> WaitAsync(HttpClient http, string jobId)
    {
        while (true)
        {
            var job = await http.GetFromJsonAsync<JsonElement>($"/jobs/{jobId}?wait_seconds=20");
            if (job.GetProperty("status").GetString() is "succeeded" or "failed" or "cancelled")
            {
                return job;
            }
        }
    }

    public static async Task<T> ScalarAsync<T>(NpgsqlDataSource db, string sql, params (string Name, object Value)[] parameters)
    {
        await using var command = db.CreateCommand(sql);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return (T)(await command.ExecuteScalarAsync())!;
    }
}
