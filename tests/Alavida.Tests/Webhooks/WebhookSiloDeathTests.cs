using System.Net.Http.Json;
using Alavida.Tests.Foundation;
using Alavida.Tests.Gateway;
using Alavida.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Alavida.Tests.Webhooks;

/// <summary>A silo killed in the middle of a delivery: the survivor delivers it again under the same webhook-id.</summary>
[Collection(ClusterCollection.Name)]
public sealed class WebhookSiloDeathTests(DatabaseFixture database)
{
    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["Orleans:Membership:ProbeTimeout"] = "00:00:01",
        ["Orleans:Membership:NumMissedProbesLimit"] = "2",
        ["Orleans:Membership:NumVotesForDeathDeclaration"] = "1",
        ["Orleans:Membership:TableRefreshTimeout"] = "00:00:01",
        ["Webhooks:AllowPrivateNetworks"] = "true",
        ["Webhooks:RetrySchedule:0"] = "00:00:00.010",
    };

    [Fact]
    public async Task DeliveryInFlight_OnAKilledSilo_IsMadeAgainByTheSurvivor_AndCountsOnceByWebhookId()
    {
        await using var receiver = new WebhookReceiver();
        await receiver.StartAsync();
        var inbox = receiver.Open();
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        inbox.Answer = async (_, n, aborted) =>
        {
            if (n > 1)
            {
                return 200;
            }

            held.TrySetResult();
            return await Answers.HangAsync(aborted);
        };

        var cluster = ClusterIdentity.New();
        await using var victim = await PlatformHost.StartAsync(database.ConnectionString, cluster, settings: Settings);
        using var admin = new HttpClient { BaseAddress = victim.Address, DefaultRequestHeaders = { { "Authorization", $"Bearer {PlatformHost.AdminKey}" } } };
        var created = await (await admin.PostAsJsonAsync("/admin/teams", new { name = $"hooks-{cluster.ClusterId}", owner_email = "ops@example.com", credits = 0 })).ReadJsonAsync();
        var key = created.GetProperty("api_key").GetString()!;
        var team = new TestTeam(Guid.Parse(created.GetProperty("team_id").GetString()!), key,
            new HttpClient { BaseAddress = victim.Address, DefaultRequestHeaders = { { "Authorization", $"Bearer {key}" } } });
        var webhookId = await WebhookFixture.RegisterAsync(team, inbox, "signal/company.scored");
        await WebhookFixture.SendEventAsync(team, "signal/company.scored", new { score = 9 });
        await held.Task.Within(TimeSpan.FromSeconds(60), "the first attempt to reach the receiver");

        await using var survivor = await PlatformHost.StartAsync(database.ConnectionString, cluster, settings: Settings);
        await survivor.WaitForMembershipAsync(s => s.ActiveCount() == 2, "both silos active");
        var victimAddress = victim.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress;
        await victim.KillAsync();
        await survivor.WaitForMembershipAsync(s => s.Members[victimAddress].Status == SiloStatus.Dead, "the victim declared dead");

        var received = await inbox.WaitForAsync(r => r.Count >= 2).Within(TimeSpan.FromSeconds(90), "the delivery made again by the survivor");
        Assert.Single(received.Select(r => r.WebhookId).Distinct());
        Assert.Single(received.Select(r => r.Body).Distinct());
        using var http = new HttpClient { BaseAddress = survivor.Address, DefaultRequestHeaders = { { "Authorization", $"Bearer {key}" } } };
        var delivery = await WebhookFixture.DeliveryAsync(survivor, team with { Http = http }, webhookId, d => d.GetProperty("status").GetString() == "delivered");
        Assert.Equal(received[0].WebhookId, delivery.GetProperty("webhook_message_id").GetString());
        Assert.Single((await (await http.GetAsync($"/webhooks/{webhookId}/deliveries")).ReadJsonAsync()).GetProperty("items").EnumerateArray());
    }
}
