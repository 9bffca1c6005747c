using System.Net;
using Alavida.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Serilog.Core;

namespace Alavida.Tests.Gateway;

public sealed class DevTeamBootstrapTests
{
    [Fact]
    public async Task FreshDatabase_GetsADevelopmentTeam_WhoseLoggedKeyWorksAtOnce()
    {
        var sink = new CapturingSink();
        var connectionString = await TestPostgres.CreateDatabaseAsync("dev_team");
        await using var host = await PlatformHost.StartAsync(
            connectionString,
            ClusterIdentity.New(),
            settings: new Dictionary<string, string?> { ["Platform:CreateDevTeam"] = "true", ["Platform:DevTeamCredits"] = "777" },
            services: s => s.AddSingleton<ILogEventSink>(sink));

        var created = await sink.WaitForAsync(e => e.Properties.ContainsKey("ApiKey")).Within(TimeSpan.FromSeconds(30), "the development team's key in the log");
        var key = created.Properties["ApiKey"].ToString().Trim('"');
        using var client = new HttpClient { BaseAddress = host.Address };
        client.DefaultRequestHeaders.Authorization = new("Bearer", key);
        var credits = await client.GetAsync("/credits");

        Assert.Equal(HttpStatusCode.OK, credits.StatusCode);
        Assert.Equal(777, (await credits.ReadJsonAsync()).GetProperty("balance").GetInt64());
    }
}
