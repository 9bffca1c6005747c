using Alavida.Tests.Cli;

namespace Alavida.Tests.Billing;

/// <summary><c>alavida credits packs|buy</c> against a platform that sells credits (Stripe's API faked at its boundary).</summary>
[Collection(BillingCollection.Name)]
public sealed class CliBillingTests(BillingFixture billing)
{
    [Fact]
    public async Task CreditsBuy_PrintsTheCheckoutUrl_OfAPendingPurchase_AndPacksListsWhatIsOnSale()
    {
        var team = await billing.CreateTeamAsync(0);
        using var cli = new CliRunner().With("ALAVIDA_URL", billing.Host.Address.ToString()).With("ALAVIDA_API_KEY", team.ApiKey);

        var packs = await cli.RunAsync("credits", "packs");
        var buy = await cli.RunAsync("credits", "buy", "starter", "--json");
        var human = await cli.RunAsync("credits", "buy", "growth");
        var unknown = await cli.RunAsync("credits", "buy", "platinum");

        Assert.True(packs.ExitCode == 0, packs.ToString());
        Assert.Matches(@"PACK\tCREDITS\tPRICE\nstarter\t1000\t10\.00 USD\n", packs.Out);
        Assert.True(buy.ExitCode == 0, buy.ToString());
        var purchase = Guid.Parse(buy.Json.GetProperty("purchase_id").GetString()!);
        Assert.StartsWith("https://", buy.Json.GetProperty("checkout_url").GetString());
        Assert.Equal("pending", await billing.ScalarAsync<string>("SELECT status FROM credit_purchases WHERE id = @id", ("id", purchase)));
        Assert.Contains("Checkout: https://", human.Out);
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("starter", unknown.Error);
    }
}
