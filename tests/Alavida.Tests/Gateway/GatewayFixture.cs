using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Alavida.Grains.Platform;
using Alavida.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Serilog.Core;

namespace Alavida.Tests.Gateway;

/// <summary>One platform process (silo + gateway) on its own database for the gateway tests; teams are per test.</summary>
public class GatewayFixture : IAsyncLifetime
{
    public PlatformHost Host { get; private set; } = null!;

    /// <summary>The host's log events, for tests that await one.</summary>
    public CapturingSink Logs { get; } = new();

    public string ConnectionString { get; private set; } = "";

    public virtual async Task InitializeAsync()
    {
        ConnectionString = await TestPostgres.CreateDatabaseAsync("gateway");
        Host = await PlatformHost.StartAsync(ConnectionString, ClusterIdentity.New(), settings: Settings, services: services =>
        {
            services.AddQuantumAction<HeldAction>();
            services.AddSingleton<ILogEventSink>(Logs);
            ConfigureServices(services);
        });
    }

    /// <summary>Configuration of the host, beside the test defaults.</summary>
    protected virtual IReadOnlyDictionary<string, string?>? Settings => null;

    /// <summary>Services of the host (e.g. a scripted model at an external boundary).</summary>
    protected virtual void ConfigureServices(IServiceCollection services)
    {
    }

    public virtual async Task DisposeAsync() => await Host.DisposeAsync();

    /// <summary>A client with the given bearer token (none when null).</summary>
    public HttpClient Client(string? bearer)
    {
        var client = new HttpClient { BaseAddress = Host.Address };
        if (bearer is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        return client;
    }

    public HttpClient Admin() => Client(PlatformHost.AdminKey);

    /// <summary>Creates a team through the admin API and returns it with a client that uses its key.</summary>
    public async Task<TestTeam> CreateTeamAsync(long credits, string? name = null)
    {
        using var admin = Admin();
        var response = await admin.PostAsJsonAsync("/admin/teams", new { name = name ?? $"team-{Guid.NewGuid():N}", owner_email = $"{Guid.NewGuid():N}@example.com", credits });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.ReadJsonAsync();
        var key = body.GetProperty("api_key").GetString()!;
        return new TestTeam(Guid.Parse(body.GetProperty("team_id").GetString()!), key, Client(key));
    }

    /// <summary>Runs a scalar query against the gateway's database (to check what was, or was not, written).</summary>
    public async Task<T> ScalarAsync<T>(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (parameterName, value) in parameters)
        {
            command.Parameters.AddWithValue(parameterName, value);
        }

        return (T)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>
    /// A row trigger for one test on <paramref name="table"/>: at <paramref name="timing"/> (e.g. <c>BEFORE INSERT</c>),
    /// for rows matching <paramref name="condition"/>, it runs the PL/pgSQL <paramref name="statements"/> (the row goes
    /// on unchanged unless they raise). Dropped when disposed (a second disposal does nothing).
    /// </summary>
    public async Task<IAsyncDisposable> TriggerAsync(string timing, string table, string condition, string statements)
    {
        var name = $"test_{Guid.NewGuid():N}";
        await ScalarAsync<object>($"""
            CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {statements} RETURN NEW; END $$;
            CREATE TRIGGER {name} {timing} ON {table} FOR EACH ROW WHEN ({condition}) EXECUTE FUNCTION {name}();
            """);
        return new TestTrigger(this, name, table);
    }

    private sealed record TestTrigger(GatewayFixture Fixture, string Name, string Table) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() =>
            await Fixture.ScalarAsync<object>($"DROP TRIGGER IF EXISTS {Name} ON {Table}; DROP FUNCTION IF EXISTS {Name}();");
    }
}

/// <summary>A team created for one test.</summary>
public sealed record TestTeam(Guid TeamId, string ApiKey, HttpClient Http)
{
    /// <summary>Posts a <c>/run</c> request, asserts 202 and returns the job id.</summary>
    public async Task<string> RunAsync(string path, object body)
    {
        var response = await Http.PostAsJsonAsync(path, body);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.ReadJsonAsync()).GetProperty("job_id").GetString()!;
    }

    /// <summary>The job once final (long poll; the platform's own signal, no sleeping).</summary>
    public async Task<JsonElement> WaitForJobAsync(string jobId)
    {
        var response = await Http.GetAsync($"/jobs/{jobId}?wait_seconds=20");
        var job = await response.ReadJsonAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET /jobs/{jobId}: {(int)response.StatusCode} {job}");
        Assert.Contains(job.GetProperty("status").GetString(), new[] { "succeeded", "failed", "cancelled" });
        return job;
    }

    /// <summary>Runs an action and returns its finished job, asserting it succeeded.</summary>
    public async Task<JsonElement> RunToSuccessAsync(string path, object body)
    {
        var job = await WaitForJobAsync(await RunAsync(path, body));
        Assert.True(job.GetProperty("status").GetString() == "succeeded", job.ToString());
        return job;
    }
}

[CollectionDefinition(Name)]
public sealed class GatewayCollection : ICollectionFixture<GatewayFixture>
{
    public const string Name = "gateway";
}

public static class HttpJson
{
    /// <summary>
    /// Posts a body with <c>Expect: 100-continue</c>, as well-behaved clients send large bodies: a server that refuses it
    /// (413 from Content-Length) answers before any of the body is sent, so the client never writes into a closed connection.
    /// </summary>
    public static async Task<HttpResponseMessage> PostExpectingContinueAsync(this HttpClient http, string path, string json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.ExpectContinue = true;
        return await http.SendAsync(request);
    }

    public static async Task<JsonElement> ReadJsonAsync(this HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();

    /// <summary>Asserts a problem response: status, problem+json, a trace id; returns the body.</summary>
    public static async Task<JsonElement> AssertProblemAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = JsonDocument.Parse(text).RootElement.Clone();
        Assert.Equal((int)status, body.GetProperty("status").GetInt32());
        Assert.Matches("^[0-9a-f]{32}$", body.GetProperty("trace_id").GetString());
        Assert.False(string.IsNullOrWhiteSpace(body.GetProperty("detail").GetString()));
        return body;
    }
}
