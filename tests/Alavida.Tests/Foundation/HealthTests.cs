using System.Net;
using System.Text.Json;
using Alavida.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

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
    public async Task OperationalEndpoints_AreServedOnTheManagementListener_AndNowhereElse()
    {
        await using var host = await PlatformHost.StartAsync(database.ConnectionString, ClusterIdentity.New());
        using var management = await AdminManagementClientAsync(host);
        await host.Http.GetAsync("/health");

        var metrics = await management.GetStringAsync("/metrics");
        var dashboard = await management.GetAsync("/dashboard");
        Assert.Contains("orleans_catalog_activations", metrics);      // the Orleans meter
        Assert.Contains("db_client_operation_duration_seconds", metrics); // Npgsql
        Assert.Contains("dotnet_gc_collections_total", metrics);      // runtime
        Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);
        Assert.Equal("/dashboard/", dashboard.RequestMessage?.RequestUri?.AbsolutePath);
        Assert.Equal(HttpStatusCode.OK, (await management.GetAsync("/health")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await management.GetAsync("/alive")).StatusCode);

        // Not on the public address, not in its API description; and the management listener serves nothing else.
        foreach (var path in new[] { "/metrics", "/dashboard", "/dashboard/", "/dashboard/SiloStats/127.0.0.1:11111@1" })
        {
            var response = await host.Http.GetAsync(path);
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{path}: {(int)response.StatusCode}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }

        var openApi = await host.Http.GetStringAsync("/openapi/v1.json");
        Assert.DoesNotContain("/dashboard", openApi);
        Assert.DoesNotContain("/metrics", openApi);
        Assert.Equal(HttpStatusCode.NotFound, (await management.GetAsync("/registry")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await management.GetAsync("/openapi/v1.json")).StatusCode);
    }

    [Theory]
    [InlineData("/dashboard/SiloStats/not-a-silo")]
    [InlineData("/dashboard/SiloProperties/%20")]
    [InlineData("/dashboard/SiloCounters/127.0.0.1")]
    [InlineData("/dashboard/SiloMetadata/x:y@z")]
    public async Task TheDashboard_AnswersAMalformedSiloAddressWithA400Problem(string path)
    {
        await using var host = await PlatformHost.StartAsync(database.ConnectionString, ClusterIdentity.New());
        using var management = await AdminManagementClientAsync(host);

        var response = await management.GetAsync(path);

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var silo = host.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress.ToParsableString();
        Assert.Equal(HttpStatusCode.OK, (await management.GetAsync($"/dashboard/SiloProperties/{Uri.EscapeDataString(silo)}")).StatusCode);
    }

    /// <summary>A client of the management listener signed in to the dashboard as the admin (the Orleans dashboard needs it).</summary>
    private static async Task<HttpClient> AdminManagementClientAsync(PlatformHost host)
    {
        var session = await DashboardSignIn.SessionAsync(host.Address, PlatformHost.AdminKey);
        var client = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = host.ManagementAddress };
        client.DefaultRequestHeaders.Add("Cookie", $"{DashboardSignIn.CookieName}={session}");
        return client;
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
