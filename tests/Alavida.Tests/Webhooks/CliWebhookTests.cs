using Alavida.Tests.Cli;
using Alavida.Tests.Infrastructure;

namespace Alavida.Tests.Webhooks;

/// <summary><c>alavida webhooks …</c> against a real platform and the loopback receiver.</summary>
[Collection(WebhookCollection.Name)]
public sealed class CliWebhookTests(WebhookFixture fixture)
{
    [Fact]
    public async Task Webhooks_AreManagedFromTheCli_FromCreateToRedeliverAndDelete()
    {
        var team = await fixture.CreateTeamAsync(0);
        using var cli = new CliRunner().With("ALAVIDA_URL", fixture.Host.Address.ToString()).With("ALAVIDA_API_KEY", team.ApiKey);
        var inbox = fixture.Receiver.Open();

        var created = await cli.RunAsync("webhooks", "create", inbox.Url.ToString(), "--event", "job.succeeded", "--event", "signal/*,meeting/*", "--description", "crm", "--json");
        Assert.True(created.ExitCode == 0, created.ToString());
        var id = created.Json.GetProperty("webhook_id").GetString()!;
        inbox.Secrets.Add(created.Json.GetProperty("secret").GetString()!);
        Assert.Equal(["job.succeeded", "signal/*", "meeting/*"], created.Json.GetProperty("webhook").GetProperty("events").EnumerateArray().Select(e => e.GetString()));

        var list = await cli.RunAsync("webhooks", "list");
        Assert.Matches($@"WEBHOOK\tURL\tEVENTS\tENABLED\tDISABLED\n{id}\t{inbox.Url}\tjob.succeeded, signal/\*, meeting/\*\ttrue\t\n", list.Out);

        var test = await cli.RunAsync("webhooks", "test", id, "--json");
        Assert.True(test.ExitCode == 0, test.ToString());
        var received = await inbox.WaitForAsync(r => r.Count == 1).Within(TimeSpan.FromSeconds(60), "the test delivery");
        Assert.Equal("webhook.test", received[0].Type);
        Assert.Equal(inbox.Secrets.ToList(), received[0].VerifiedWith);
        var deliveryId = test.Json.GetProperty("delivery_id").GetString()!;
        await fixture.DeliveryAsync(team, id, d => d.GetProperty("status").GetString() == "delivered");

        var deliveries = await cli.RunAsync("webhooks", "deliveries", id);
        Assert.Matches($@"DELIVERY\tEVENT\tSTATUS\tATTEMPTS\tCODE\tLATENCY\tCREATED\n{deliveryId}\twebhook.test\tdelivered\t1\t200\t\d+ ms\t", deliveries.Out);
        var redeliver = await cli.RunAsync("webhooks", "redeliver", id, deliveryId);
        Assert.True(redeliver.ExitCode == 0, redeliver.ToString());
        Assert.Contains($"Delivery: {deliveryId}", redeliver.Out);
        await inbox.WaitForAsync(r => r.Count == 2).Within(TimeSpan.FromSeconds(60), "the redelivery");

        var rotated = await cli.RunAsync("webhooks", "rotate-secret", id);
        Assert.Matches(@"Secret:\s+whsec_", rotated.Out);
        var disabled = await cli.RunAsync("webhooks", "update", id, "--disable", "--json");
        Assert.False(disabled.Json.GetProperty("enabled").GetBoolean());
        var shown = await cli.RunAsync("webhooks", "get", id);
        Assert.Contains("Enabled:", shown.Out);
        Assert.Contains("false", shown.Out);
        Assert.DoesNotContain("whsec_", shown.Out);

        var deleted = await cli.RunAsync("webhooks", "delete", id);
        Assert.True(deleted.ExitCode == 0, deleted.ToString());
        var gone = await cli.RunAsync("webhooks", "get", id);
        Assert.Equal(4, gone.ExitCode);
    }

    [Fact]
    public async Task BadInput_ExitsWithTwo_NamingTheField_AndHelpShowsAnExample()
    {
        var team = await fixture.CreateTeamAsync(0);
        using var cli = new CliRunner().With("ALAVIDA_URL", fixture.Host.Address.ToString()).With("ALAVIDA_API_KEY", team.ApiKey);

        var noEvents = await cli.RunAsync("webhooks", "create", "https://example.com/hook");
        var nothing = await cli.RunAsync("webhooks", "update", Guid.NewGuid().ToString());
        var help = await cli.RunAsync("webhooks", "create", "--help");

        Assert.Equal(2, noEvents.ExitCode);
        Assert.Contains("/events:", noEvents.Error);
        Assert.Equal(2, nothing.ExitCode);
        Assert.Contains("Nothing to change", nothing.Error);
        Assert.Contains("alavida webhooks create https://example.com/hooks --event job.succeeded", help.Out);
        Assert.Equal(0L, await fixture.ScalarAsync<long>("SELECT count(*) FROM webhooks.endpoints WHERE team_id = @team", ("team", team.TeamId)));
    }
}
