using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Alavida.Grains.Mesh;
using Alavida.Grains.Platform;
using Alavida.Grains.Webhooks;
using Alavida.Tests.Gateway;
using Alavida.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Alavida.Tests.Webhooks;

/// <summary>
/// A platform whose webhooks may call loopback (<c>Webhooks:AllowPrivateNetworks</c>), with a retry schedule of two
/// tiny waits (three attempts), a short attempt timeout, endpoints disabled as soon as a delivery exhausts the schedule
/// (no three days to wait), and the receiver those webhooks call.
/// </summary>
public sealed class WebhookFixture : GatewayFixture
{
    /// <summary>How long an attempt may take here (the timeout test's hanging endpoint is given up after it).</summary>
    public const string AttemptTimeout = "00:00:00.500";

    public WebhookReceiver Receiver { get; } = new();

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Webhooks:AllowPrivateNetworks"] = "true",
        ["Webhooks:RetrySchedule:0"] = "00:00:00.010",
        ["Webhooks:RetrySchedule:1"] = "00:00:00.010",
        ["Webhooks:AttemptTimeout"] = AttemptTimeout,
        ["Webhooks:DisableAfter"] = "00:00:00",
    };

    protected override void ConfigureServices(IServiceCollection services) => services.AddQuantumAction<FailingAction>();

    public override async Task InitializeAsync()
    {
        await Receiver.StartAsync();
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Receiver.DisposeAsync();
    }

    /// <summary>Registers <paramref name="inbox"/> for <paramref name="events"/>; its secret goes into the inbox. Returns the webhook id.</summary>
    public static async Task<string> RegisterAsync(TestTeam team, Inbox inbox, params string[] events)
    {
        var response = await team.Http.PostAsJsonAsync("/webhooks", new { url = inbox.Url.ToString(), events, description = "test" });
        var body = await response.ReadJsonAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body.ToString());
        inbox.Secrets.Add(body.GetProperty("secret").GetString()!);
        return body.GetProperty("webhook_id").GetString()!;
    }

    /// <summary>Sends one mesh event as the team and returns its id.</summary>
    public static async Task<string> SendEventAsync(TestTeam team, string name, object data)
    {
        var response = await team.Http.PostAsJsonAsync("/events", new { name, data });
        var body = await response.ReadJsonAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, body.ToString());
        return body.GetProperty("ids")[0].GetString()!;
    }

    /// <summary>
    /// The first delivery of the webhook that satisfies <paramref name="done"/>: the log is read again each time a
    /// delivery run finishes here (the run ends after its attempt is recorded), never on a timer.
    /// </summary>
    public Task<JsonElement> DeliveryAsync(TestTeam team, string webhookId, Func<JsonElement, bool> done) => DeliveryAsync(Host, team, webhookId, done);

    /// <summary>As <see cref="DeliveryAsync(TestTeam, string, Func{JsonElement, bool})"/> on any host: re-read whenever a delivery run there finishes or suspends.</summary>
    public static async Task<JsonElement> DeliveryAsync(PlatformHost host, TestTeam team, string webhookId, Func<JsonElement, bool> done)
    {
        var monitor = host.Services.GetRequiredService<MeshMonitor>();
        for (var round = 0; round < 100; round++)
        {
            var finished = monitor.WaitAsync(c => c.FunctionId == WebhookFunctions.DeliverId && c.Status is not (RunStatus.Running or RunStatus.Queued));
            var log = await (await team.Http.GetAsync($"/webhooks/{webhookId}/deliveries?limit=200")).ReadJsonAsync();
            if (log.GetProperty("items").EnumerateArray().Where(done).Select(d => (JsonElement?)d).FirstOrDefault() is { } found)
            {
                return found;
            }

            await finished.Within(TimeSpan.FromSeconds(60), $"a delivery run of webhook {webhookId} to finish or sleep");
        }

        throw new InvalidOperationException($"webhook {webhookId}: no delivery came to the expected state");
    }

    public static async Task<JsonElement> GetAsync(TestTeam team, string webhookId) => await (await team.Http.GetAsync($"/webhooks/{webhookId}")).ReadJsonAsync();
}

/// <summary>A test action (<c>identity/fails</c>) that fails as a quantum reports an expected failure.</summary>
public sealed class FailingAction : IQuantumAction
{
    public const string Name = "fails";

    public string Quantum => Quantums.Identity;

    public string Action => Name;

    public Task<JobResult> ExecuteAsync(QuantumActionContext context, CancellationToken cancellationToken) =>
        throw new QuantumActionException("test_failure", "This action always fails.");
}

/// <summary>Answers for an inbox.</summary>
public static class Answers
{
    /// <summary>Never answers: the request ends when the sender gives up (its timeout) or goes away.</summary>
    public static async Task<int> HangAsync(CancellationToken aborted)
    {
        var gone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using (aborted.Register(() => gone.TrySetResult()))
        {
            await gone.Task;
        }

        return 499;
    }
}

[CollectionDefinition(Name)]
public sealed class WebhookCollection : ICollectionFixture<WebhookFixture>
{
    public const string Name = "webhooks";
}
