using System.Net;
using System.Text.Json;
using Alavida.Tests.Infrastructure;

namespace Alavida.Tests.Foundation;

[Collection(ClusterCollection.Name)]
public sealed class HealthTests(DatabaseFixture database)
{
    [Fact]
    public async Task Health_IsHealthy_WithPostgresAndTheClusterUp()
    {
        await using var host = await PlatformHost.StartAsync(database.ConnectionString, ClusterIdentity.New());

        var response = await host.Http.GetAsync("/health");
        var body = await ReadJsonAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Healthy", body.GetProperty("status").GetString());
        Assert.Equal("Healthy", CheckStatus(body, "postgres"));
        Assert.Equal("Healthy", CheckStatus(body, "orleans-cluster"));
        Assert.Equal(HttpStatusCode.OK, (await host.Http.GetAsync("/alive")).StatusCode);
    }

    [Fact]
    public async Task OperationalEndpoints_ServeMetricsAndTheDashboard()
    {
        await using var host = await PlatformHost.StartAsync(database.ConnectionString, ClusterIdentity.New());
        await host.Http.GetAsync("/health");

        var metrics = await host.Http.GetStringAsync("/metrics");
        var dashboard = await host.Http.GetAsync("/dashboard");

        Assert.Contains("orleans_catalog_activations", metrics);      // the Orleans meter
        Assert.Contains("db_client_operation_duration_seconds", metrics); // Npgsql
        Assert.Contains("dotnet_gc_collections_total", metrics);      // runtime
        Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);
        Assert.Equal("/dashboard/", dashboard.RequestMessage?.RequestUri?.AbsolutePath);
    }

    [Fact]
    public async Task Health_Is503NamingPostgres_WhenTheDatabaseCannotBeReached()
    {
        // A database of its own, so cutting it off cannot disturb other tests.
        var connectionString = await TestPostgres.CreateDatabaseAsync("health_down");
        await using var host = await PlatformHost.StartAsync(connectionString, ClusterIdentity.New());
        Assert.Equal(HttpStatusCode.OK, (await host.Http.GetAsync("/health")).StatusCode);

        await TestPostgres.SetReachableAsync(connectionString, reachable: false);
        try
        {
            var response = await host.Http.GetAsync("/health");
            var body = await ReadJsonAsync(response);

            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal("Unhealthy", body.GetProperty("status").GetString());
            Assert.Equal("Unhealthy", CheckStatus(body, "postgres"));
            Assert.Equal("Healthy", CheckStatus(body, "orleans-cluster"));
            Assert.Equal(HttpStatusCode.OK, (await host.Http.GetAsync("/alive")).StatusCode);
        }
        finally
        {
            await TestPostgres.SetReachableAsync(connectionString, reachable: true);
        }
    }

    private static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    private static string? CheckStatus(JsonElement body, string name) =>
        body.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name).GetProperty("status").GetString();
}
