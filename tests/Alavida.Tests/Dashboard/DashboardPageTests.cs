using System.Globalization;
using Alavida.Tests.Gateway;
using Alavida.Tests.Prospect;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Alavida.Tests.Dashboard;

/// <summary>Every page of the dashboard in a real browser against a real platform: real data, axe, a screenshot each.</summary>
[Collection(DashboardCollection.Name)]
public sealed class DashboardPageTests(DashboardFixture fixture)
{
    [Fact]
    public async Task EveryPage_RendersRealData_PassesAxe_AndIsScreenshotted()
    {
        var data = await fixture.Data;
        var signIn = await fixture.NewPageAsync();
        await signIn.GotoAsync("/app/sign-in");
        await Expect(signIn.GetByLabel("API key")).ToBeVisibleAsync();
        await DashboardFixture.AssertAccessibleAsync(signIn);
        await DashboardFixture.ScreenshotAsync(signIn, "sign-in");

        var page = await fixture.SignInAsync(data.Team.ApiKey);
        (string Path, string Name, string Heading, string Text)[] pages =
        [
            ("/app", "overview", "Overview", "Jobs by status"),
            ("/app/jobs", "jobs", "Jobs", "identity/resolve-company"),
            ($"/app/jobs/{data.CascadeJobId}", "job", "Job icp-discovery/qualify", "lead-discovery"),
            ("/app/runs", "runs", "Runs", "lead-discovery"),
            ($"/app/runs/{data.RunId}", "run", "Run of", "Steps"),
            ("/app/events", "events", "Events", data.EventName),
            ("/app/credits", "credits", "Credits and usage", "icp-discovery"),
            ("/app/billing", "billing", "Billing", "Billing is not configured"),
            ("/app/registry", "registry", "Registry", "buying-signals"),
            ("/app/registry/identity", "component", "Identity", "alavida add identity"),
            ("/app/accounts", "accounts", "Accounts", "hot"),
            ($"/app/accounts/{data.CompanyId}", "company", "", "Score history"),
            ("/app/meetings", "meetings", "Meetings", "Acme x Northwind discovery"),
            ($"/app/meetings/{data.MeetingId}", "meeting", "Acme x Northwind discovery", "replace our spreadsheets"),
            ("/app/settings", "settings", "Settings", "API keys"),
        ];
        foreach (var (path, name, heading, text) in pages)
        {
            var response = await page.GotoAsync(path);
            Assert.True(response!.Status == 200, $"{path}: {response.Status}");
            await Expect(page.Locator("h1")).ToContainTextAsync(heading);
            await Expect(page.Locator("main")).ToContainTextAsync(text);
            await DashboardFixture.AssertAccessibleAsync(page);
            await DashboardFixture.ScreenshotAsync(page, name);
        }

        // The transcript marks what meeting analysis found: the company, and the phrase behind each intent with its name.
        await page.GotoAsync($"/app/meetings/{data.MeetingId}");
        await Expect(page.Locator(".transcript mark.mention").First).ToContainTextAsync("northwind", new() { IgnoreCase = true });
        await Expect(page.Locator(".transcript mark.intent").Filter(new() { HasText = "budget" }).Locator(".tag").First).ToHaveTextAsync("budget");
        await Expect(page.Locator("#mentions-h + table")).ToContainTextAsync("email domain");

        // Each account names its company as identity knows it and counts the team's leads there (read per page, not per row).
        var hotCompany = await (await data.Team.Http.GetAsync($"/identity/data/companies/{data.CompanyId}")).ReadJsonAsync();
        var companyName = hotCompany.GetProperty("display_name").GetString();
        Assert.False(string.IsNullOrEmpty(companyName), "the scenario's companies have names");
        var leads = await data.Team.Http.ListAllAsync($"/lead-discovery/data/leads?company_id={data.CompanyId}");
        Assert.NotEmpty(leads);
        await page.GotoAsync("/app/accounts?tier=hot");
        var account = page.Locator("tbody tr").Filter(new() { Has = page.Locator($"a[href*='{data.CompanyId}']") });
        await Expect(account.Locator("td").First).ToHaveTextAsync(companyName!);
        await Expect(account.Locator("td").Nth(5)).ToHaveTextAsync(leads.Count.ToString(CultureInfo.InvariantCulture));

        var admin = await fixture.SignInAsync(Infrastructure.PlatformHost.AdminKey);
        await Expect(admin.Locator("h1")).ToHaveTextAsync("Platform admin");
        await Expect(admin.Locator("main")).ToContainTextAsync("Active silos");
        await DashboardFixture.AssertAccessibleAsync(admin);
        await DashboardFixture.ScreenshotAsync(admin, "admin");
        await admin.GotoAsync($"/app/jobs?team={data.Team.TeamId}");
        await Expect(admin.Locator("main")).ToContainTextAsync("identity/resolve-company"); // the admin sees every team's data
    }

    [Fact]
    public async Task BadInput_IsAClearError_NotAServerError()
    {
        var data = await fixture.Data;
        var page = await fixture.SignInAsync(data.Team.ApiKey);
        foreach (var (path, status) in new[] { ("/app/jobs/not-a-uuid", 400), ("/app/jobs?status=exploded", 400), ("/app/jobs?cursor=garbage", 400),
                     ("/app/runs?status=nope", 400), ("/app/accounts?tier=lukewarm", 400), ("/app/events?since=yesterday-ish", 400),
                     ("/app/registry/no-such-component", 404), ($"/app/jobs/{Guid.NewGuid()}", 404), ("/app?days=9", 400),
                     ("/app/credits?since=2100-01-01", 400), ("/app/runs?cursor=garbage", 400), ("/app/events?cursor=garbage", 400) })
        {
            var response = await page.GotoAsync(path);
            Assert.True(response!.Status == status, $"{path}: {response.Status}");
            await Expect(page.GetByRole(AriaRole.Alert)).ToBeVisibleAsync();
        }
    }
}
