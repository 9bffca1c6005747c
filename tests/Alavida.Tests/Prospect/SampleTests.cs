using Alavida.Grains.Mesh;
using Xunit.Abstractions;
using Alavida.Samples.Prospect;
using Alavida.Tests.Gateway;
using Microsoft.Extensions.DependencyInjection;

namespace Alavida.Tests.Prospect;

/// <summary>The README's first run: the shipped samples go through the whole chain and print scored accounts with leads and evidence.</summary>
[Collection(ProspectCollection.Name)]
public sealed class SampleTests(GatewayFixture fixture, ITestOutputHelper log)
{
    [Fact]
    public async Task TheShippedSample_PrintsScoredAccountsWithLeadsAndEvidence()
    {
        var team = await fixture.CreateTeamAsync(credits: 5_000);
        var monitor = fixture.Host.Services.GetRequiredService<MeshMonitor>();
        using var changes = new SemaphoreSlim(0);
        void OnChange(RunChange _) => changes.Release();
        monitor.Changed += OnChange;
        var output = new StringWriter();
        try
        {
            // The sample polls /traces; here each pause lasts until the mesh reports a change (no sleeping in tests).
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            await new ProspectSample(team.Http, output, Path.Combine(AppContext.BaseDirectory, "data"), () => changes.WaitAsync(timeout.Token)).RunAsync(timeout.Token);
        }
        finally
        {
            monitor.Changed -= OnChange;
        }

        var text = output.ToString();
        log.WriteLine(text);
        Assert.Contains("32 qualified, 10 disqualified, 4 duplicates, 2 rejected", text);
        Assert.Contains("Scored accounts", text);
        Assert.Contains("HOT", text);
        Assert.Contains("lead: ", text);
        Assert.DoesNotContain("Northwind Freight", text[text.IndexOf("Scored accounts", StringComparison.Ordinal)..]);
    }
}
