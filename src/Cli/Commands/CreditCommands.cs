using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Alavida.Client;

namespace Alavida.Cli.Commands;

/// <summary><c>alavida credits [usage|buy]</c>.</summary>
public static class CreditCommands
{
    public static Command Create(CliEnvironment env)
    {
        var credits = new Command("credits", "Your team's balance (subcommands: usage, buy)\n\nExamples:\n  alavida credits\n  alavida credits usage --quantum identity\n  alavida credits buy starter\n  alavida credits packs");
        credits.Handle(env, async (context, _, ct) =>
        {
            using var client = context.Client();
            var balance = await client.CreditsAsync(ct);
            context.Output.Object(balance, [.. balance.EnumerateObject().Select(p => (p.Name.Replace('_', ' '), (string?)balance.Text(p.Name)))]);
            return ExitCodes.Ok;
        });

        var quantum = new Option<string>("--quantum") { Description = "Only this component" };
        var since = new Option<string>("--since") { Description = "Jobs created at or after this time (ISO 8601)" };
        var limit = new Option<int?>("--limit") { Description = "Jobs per page (1–100)" };
        var cursor = new Option<string>("--cursor") { Description = "The next page" };
        var usage = new Command("usage", "Credits used: totals per component, then per job\n\nExample:\n  alavida credits usage --since 2026-12-01") { quantum, since, limit, cursor };
        usage.Handle(env, async (context, parse, ct) =>
        {
            using var client = context.Client();
            var page = await client.UsageAsync(parse.GetValue(quantum), parse.GetValue(since), parse.GetValue(limit), parse.GetValue(cursor), ct);
            if (context.Output.Human)
            {
                context.Output.Table([new("QUANTUM", q => q.Text("quantum")), new("JOBS", q => q.Text("jobs")), new("CREDITS", q => q.Text("credits"))],
                    page.GetProperty("by_quantum").EnumerateArray());
                context.Output.Line();
            }

            context.Output.Page(page, Column.Infer(page.GetProperty("items").EnumerateArray()), "No usage yet.");
            return ExitCodes.Ok;
        });

        var packs = new Command("packs", "The credit packs on sale: id, credits, price\n\nExample:\n  alavida credits packs");
        packs.Handle(env, async (context, _, ct) =>
        {
            using var client = context.Client();
            var list = await WithoutBillingAsync(() => client.PacksAsync(ct));
            context.Output.Page(list, [new("PACK", p => p.Text("id")), new("CREDITS", p => p.Text("credits")), new("PRICE", Price)], "No packs are on sale.");
            return ExitCodes.Ok;
        });

        var pack = new Argument<string>("pack") { Description = "The credit pack's id (alavida credits packs lists them)" };
        var noBrowser = new Option<bool>("--no-browser") { Description = "Print the checkout URL without opening a browser" };
        var buy = new Command("buy", "Buy a credit pack: prints the Stripe Checkout URL and opens it in your browser\n\nExample:\n  alavida credits buy starter") { pack, noBrowser };
        buy.Handle(env, async (context, parse, ct) =>
        {
            using var client = context.Client();
            var checkout = await WithoutBillingAsync(() => client.CheckoutAsync(parse.GetValue(pack)!, ct));
            var url = checkout.Text("checkout_url");
            context.Output.Object(checkout, [("Checkout", url), ("Session", checkout.Text("session_id")), ("Purchase", checkout.Text("purchase_id"))]);
            if (url is not null && context.Output.Interactive && !parse.GetValue(noBrowser))
            {
                TryOpen(url);
            }

            return ExitCodes.Ok;
        });

        credits.Subcommands.Add(usage);
        credits.Subcommands.Add(packs);
        credits.Subcommands.Add(buy);
        return credits;
    }

    /// <summary>A platform without billing has no /billing routes: say so rather than "not found".</summary>
    private static async Task<JsonElement> WithoutBillingAsync(Func<Task<JsonElement>> call)
    {
        try
        {
            return await call();
        }
        catch (AlavidaApiException e) when (e.Status is 404 or 405 && (e.Detail is null || e.Detail.Contains("/billing", StringComparison.Ordinal)))
        {
            throw new CliException(ExitCodes.Failed, "This platform does not sell credits (it has no billing); ask your platform admin for a grant.");
        }
    }

    private static string? Price(JsonElement pack) =>
        pack.Text("amount_cents") is { } cents && long.TryParse(cents, out var amount)
            ? string.Create(CultureInfo.InvariantCulture, $"{amount / 100m:0.00} {pack.Text("currency")?.ToUpperInvariant()}")
            : pack.Text("price_id") is { } price ? $"Stripe price {price}" : null;

    private static void TryOpen(string url)
    {
        var opener = OperatingSystem.IsMacOS() ? "open" : OperatingSystem.IsWindows() ? "explorer" : "xdg-open";
        try
        {
            using var process = Process.Start(new ProcessStartInfo(opener, url) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true });
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // No browser opener here: the URL is printed above.
        }
    }
}
