using Alavida.Silo.Hosting;
using Alavida.Tests.Infrastructure;
using Npgsql;

namespace Alavida.Tests.Foundation;

[Collection(ClusterCollection.Name)]
public sealed class ClusterTests(DatabaseFixture database)
{
    private const int ActiveStatus = 3; // Orleans SiloStatus.Active as stored in the membership table
    private const int DeadStatus = 6;   // SiloStatus.Dead

    [Fact]
    public async Task TwoSilos_FormOneCluster_ThroughOurMembershipTable()
    {
        var cluster = ClusterIdentity.New();
        await using var first = await PlatformHost.StartAsync(database.ConnectionString, cluster);
        await using var second = await PlatformHost.StartAsync(database.ConnectionString, cluster, HostRole.Silo);

        await first.WaitForMembershipAsync(s => s.ActiveCount() == 2, "both silos active as seen by the first");
        await second.WaitForMembershipAsync(s => s.ActiveCount() == 2, "both silos active as seen by the second");

        Assert.Equal(2, await CountMembersAsync(cluster, ActiveStatus));
        var hosts = await first.Grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
        Assert.Equal(2, hosts.Count);
    }

    [Fact]
    public async Task Gateway_JoinsAsAClient_AndReportsTheSilosHealthy()
    {
        var cluster = ClusterIdentity.New();
        await using var silo1 = await PlatformHost.StartAsync(database.ConnectionString, cluster, HostRole.Silo);
        await using var silo2 = await PlatformHost.StartAsync(database.ConnectionString, cluster, HostRole.Silo);
        await silo1.WaitForMembershipAsync(s => s.ActiveCount() == 2, "both silos active");

        await using var gateway = await PlatformHost.StartAsync(database.ConnectionString, cluster, HostRole.Gateway);
        var response = await gateway.Http.GetAsync("/health");
        var body = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        var clusterCheck = body.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "orleans-cluster");
        Assert.Equal(2, clusterCheck.GetProperty("data").GetProperty("active_silos").GetInt32());
    }

    [Fact]
    public async Task SurvivingSilo_KeepsServing_AfterTheOtherStopsGracefully()
    {
        var cluster = ClusterIdentity.New();
        await using var survivor = await PlatformHost.StartAsync(database.ConnectionString, cluster);
        var leaver = await PlatformHost.StartAsync(database.ConnectionString, cluster, HostRole.Silo);
        await survivor.WaitForMembershipAsync(s => s.ActiveCount() == 2, "two active silos");

        // Random placement spreads these over both silos; keep writing until some live on the one that will leave.
        var keys = Enumerable.Range(0, 40).Select(i => $"{cluster.ClusterId}-note-{i}").ToList();
        var silos = await Task.WhenAll(keys.Select(k => survivor.Grains.GetGrain<INoteGrain>(k).WriteAsync($"text of {k}")));
        Assert.True(silos.Distinct().Count() == 2, "grains were placed on both silos");

        await leaver.StopAsync();
        await survivor.WaitForMembershipAsync(s => s.ActiveCount() == 1, "the leaver to be gone");
        Assert.Equal(1, await CountMembersAsync(cluster, DeadStatus));

        var views = await Task.WhenAll(keys.Select(k => survivor.Grains.GetGrain<INoteGrain>(k).ReadAsync()));
        Assert.All(keys.Zip(views), pair => Assert.Equal($"text of {pair.First}", pair.Second.Text));
        Assert.Single(views.Select(v => v.Silo).Distinct());

        var health = await survivor.Http.GetAsync("/health");
        Assert.Equal(System.Net.HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task GrainState_SurvivesAFullRestart_AsReadableJson()
    {
        var cluster = ClusterIdentity.New();
        var key = $"{cluster.ServiceId}-persistent";
        var text = $"written before the restart {Guid.NewGuid()}";
        await using (var before = await PlatformHost.StartAsync(database.ConnectionString, cluster))
        {
            await before.Grains.GetGrain<INoteGrain>(key).WriteAsync(text);
            await before.Grains.GetGrain<INoteGrain>(key).WriteAsync(text);
        }

        await using var after = await PlatformHost.StartAsync(database.ConnectionString, cluster);
        var view = await after.Grains.GetGrain<INoteGrain>(key).ReadAsync();

        Assert.Equal(text, view.Text);
        Assert.Equal(2, view.Writes);
        var json = await ScalarAsync<string>(
            "SELECT convert_from(payloadbinary, 'UTF8') FROM orleans.orleansstorage WHERE serviceid = @service AND grainidextensionstring = @key",
            ("service", cluster.ServiceId), ("key", key));
        Assert.Contains(text, json);
    }

    [Fact]
    public async Task Reminder_Fires_AfterItIsStoredInOurReminderTable()
    {
        var cluster = ClusterIdentity.New();
        await using var host = await PlatformHost.StartAsync(database.ConnectionString, cluster);
        var key = $"{cluster.ServiceId}-alarm";
        var fired = Signals.For($"alarm:{key}");

        await host.Grains.GetGrain<IAlarmGrain>(key).ArmAsync(TimeSpan.FromSeconds(1));
        var stored = await ScalarAsync<long>(
            "SELECT count(*) FROM orleans.orleansremindersTable WHERE serviceid = @service AND remindername = 'alarm'",
            ("service", cluster.ServiceId));

        Assert.Equal(1, stored);
        Assert.Equal("alarm", await fired.Within(TimeSpan.FromSeconds(60), "the reminder to fire"));
    }

    private Task<long> CountMembersAsync(ClusterIdentity cluster, int status) =>
        ScalarAsync<long>(
            "SELECT count(*) FROM orleans.orleansmembershiptable WHERE deploymentid = @cluster AND status = @status",
            ("cluster", cluster.ClusterId), ("status", status));

    private async Task<T> ScalarAsync<T>(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return (T)(await command.ExecuteScalarAsync())!;
    }
}
