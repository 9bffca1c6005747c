using System.CommandLine;
using System.Diagnostics;
using Alavida.Client;

namespace Alavida.Cli.Commands;

/// <summary><c>alavida credits [usage|buy]</c>.</summary>
public static class CreditCommands
{
    public static Command Create(CliEnvironment env)
    {
        var credits = new Command("credits", "Your team's balance (subcommands: usage, buy)\n\nExamples:\n  alavida credits\n  alavida credits usage --quantum identity\n  alavida credits buy starter");
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

        var pack = new Argument<string>("pack") { Description = "The credit pack's id (GET /billing/packs lists them)" };
        var noBrowser = new Option<bool>("--no-browser") { Description = "Print the checkout URL without opening a browser" };
        var buy = new Command("buy", "Buy a credit pack: prints the Stripe Checkout URL and opens it in your browser\n\nExample:\n  alavida credits buy starter") { pack, noBrowser };
        buy.Handle(env, async (context, parse, ct) =>
        {
            using var client = context.Client();
            System.Text.Json.JsonElement checkout;
            try
            {
                checkout = await client.CheckoutAsync(parse.GetValue(pack)!, ct);
            }
            catch (AlavidaApiException e) when (e.Status is 404 or 405 && !e.OneLine.Contains("pack", StringComparison.OrdinalIgnoreCase))
            {
                // A platform without billing has no /billing/checkout: say so rather than "not found".
                throw new CliException(ExitCodes.Failed, "This platform does not sell credits (it has no billing); ask your platform admin for a grant.");
            }

            var url = checkout.Text("checkout_url");
            context.Output.Object(checkout, [("Checkout", url), ("Session", checkout.Text("session_id")), ("Purchase", checkout.Text("purchase_id"))]);
            if (url is not null && context.Output.Interactive && !parse.GetValue(noBrowser))
            {
                TryOpen(url);
            }

            return ExitCodes.Ok;
        });

        credits.Subcommands.Add(usage);
        credits.Subcommands.Add(buy);
        return credits;
    }

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
