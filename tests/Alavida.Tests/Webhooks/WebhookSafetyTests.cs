using System.Net;
using System.Net.Http.Json;
using Alavida.Grains.Webhooks;
using Alavida.Tests.Gateway;

namespace Alavida.Tests.Webhooks;

/// <summary>The outbound rule with <c>Webhooks:AllowPrivateNetworks</c> off (the gateway fixture's default).</summary>
[Collection(GatewayCollection.Name)]
public sealed class WebhookSafetyTests(GatewayFixture gateway)
{
    [Theory]
    [InlineData("https://127.0.0.1/hook")]
    [InlineData("https://10.1.2.3/hook")]
    [InlineData("https://192.168.0.10/hook")]
    [InlineData("https://169.254.169.254/latest/meta-data")]
    [InlineData("https://[::1]/hook")]
    [InlineData("https://[::ffff:10.0.0.1]/hook")]
    [InlineData("https://localhost/hook")]
    [InlineData("http://example.com/hook")]
    public async Task Create_ForAPrivateAddressOrWithoutHttps_Is422_AndStoresNothing(string url)
    {
        var team = await gateway.CreateTeamAsync(0);
        var response = await team.Http.PostAsJsonAsync("/webhooks", new { url, events = new[] { "job.succeeded" } });
        var problem = await response.AssertProblemAsync(HttpStatusCode.UnprocessableEntity);
        Assert.Contains(problem.GetProperty("errors").EnumerateArray(), e => e.GetProperty("field").GetString() == "/url");
        Assert.Equal(0L, await gateway.ScalarAsync<long>("SELECT count(*) FROM webhooks.endpoints WHERE team_id = @team", ("team", team.TeamId)));
    }

    [Fact]
    public async Task Delivery_ToANameThatNowResolvesToAPrivateAddress_IsRefusedAtConnection()
    {
        // An endpoint whose name passed at creation and points at loopback now (DNS rebinding): written as it would be.
        var team = await gateway.CreateTeamAsync(0);
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var webhookId = Guid.CreateVersion7();
        await gateway.ScalarAsync<object>(
            "INSERT INTO webhooks.endpoints (id, team_id, url, events, secret) VALUES (@id, @team, @url, ARRAY['signal/x'], 'whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=')",
            ("id", webhookId), ("team", team.TeamId), ("url", $"https://localhost:{port}/hook"));

        Assert.Equal(HttpStatusCode.Accepted, (await team.Http.PostAsync($"/webhooks/{webhookId}/test", null)).StatusCode);
        var delivery = await WebhookFixture.DeliveryAsync(gateway.Host, team, webhookId.ToString(), d => d.GetProperty("attempts").GetInt32() >= 1);

        Assert.Equal(1, delivery.GetProperty("attempts").GetInt32());
        Assert.StartsWith("refused: 'localhost' resolves to", delivery.GetProperty("error").GetString());
        Assert.False(listener.Pending()); // nothing ever connected
    }

    [Theory]
    [InlineData("127.0.0.1", false)]
    [InlineData("10.255.0.1", false)]
    [InlineData("172.31.255.255", false)]
    [InlineData("192.168.1.1", false)]
    [InlineData("100.64.0.1", false)]
    [InlineData("169.254.169.254", false)]
    [InlineData("0.0.0.0", false)]
    [InlineData("224.0.0.1", false)]
    [InlineData("::1", false)]
    [InlineData("fe80::1", false)]
    [InlineData("fd00:ec2::254", false)]
    [InlineData("::ffff:127.0.0.1", false)]
    [InlineData("8.8.8.8", true)]
    [InlineData("172.32.0.1", true)]
    [InlineData("2606:4700:4700::1111", true)]
    public void Address_IsPublicOnlyOutsideTheRefusedRanges(string address, bool isPublic) =>
        Assert.Equal(isPublic, WebhookAddresses.IsPublic(IPAddress.Parse(address)));
}
