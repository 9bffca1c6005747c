using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Alavida.Grains.Platform;
using Alavida.Tests.Gateway;
using Alavida.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Alavida.Tests.Dashboard;

/// <summary>What a signed-in browser does (run, cancel, keys, sign out) and what the dashboard refuses.</summary>
[Collection(DashboardCollection.Name)]
public sealed class DashboardActionTests(DashboardFixture fixture)
{
    [Fact]
    public async Task TryIt_StartsARun_AndFollowsItLiveToTheEnd()
    {
        var team = await fixture.CreateTeamAsync(credits: 50);
        var page = await fixture.SignInAsync(team.ApiKey);
        await page.GotoAsync("/app/registry/identity?action=resolve-company");

        await page.GetByLabel("companies (required)").FillAsync($$"""[{"domain": "try-{{Guid.NewGuid():N}}.com"}]""");
        await page.GetByRole(AriaRole.Button, new() { Name = "Run resolve-company" }).ClickAsync();

        var status = page.Locator("#try-h ~ p[role=status] .live");
        await Expect(status).ToContainTextAsync("succeeded", new() { Timeout = 30_000 }); // live.js follows the job
        await Expect(status.GetByRole(AriaRole.Link, new() { Name = "Open the job" })).ToBeVisibleAsync();
        var jobs = await (await team.Http.GetAsync("/jobs")).ReadJsonAsync();
        Assert.Equal("succeeded", jobs.GetProperty("items")[0].GetProperty("status").GetString());
    }

    [Fact]
    public async Task FollowingALink_SaysLoading_UntilTheNextPageArrives_AndSendingAFormToo()
    {
        var team = await fixture.CreateTeamAsync(credits: 50);
        var page = await fixture.SignInAsync(team.ApiKey);
        var loading = page.Locator("#loading");
        await Expect(loading).ToBeEmptyAsync();
        await Expect(loading).ToHaveAttributeAsync("role", "status");

        // The state right after a click or a submit, read in the page. The navigation itself is stopped by a listener
        // that runs after the dashboard's (on window, where the event arrives last), so the page stays to be read.
        const string Stay = "window.addEventListener('{0}', e => e.preventDefault(), {{ once: true }});";
        const string State = "[document.getElementById('loading').textContent, document.body.getAttribute('aria-busy')]";
        Assert.Equal(["Loading…", "true"], await page.EvaluateAsync<string[]>(
            $"(() => {{ {string.Format(CultureInfo.InvariantCulture, Stay, "click")} document.querySelector('header nav a[href=\"/app/jobs\"]').click(); return {State}; }})()"));

        // Arriving clears it.
        await page.GetByRole(AriaRole.Link, new() { Name = "Jobs", Exact = true }).ClickAsync();
        await Expect(page.Locator("h1")).ToHaveTextAsync("Jobs");
        await Expect(loading).ToBeEmptyAsync();
        await Expect(page.Locator("body")).Not.ToHaveAttributeAsync("aria-busy", "true");

        // A form says it too; a download link (the usage CSV) does not, since the page stays.
        await page.GotoAsync("/app/settings");
        await page.GetByLabel("New API key name").FillAsync("loading-check");
        Assert.Equal(["Loading…", "true"], await page.EvaluateAsync<string[]>(
            $"(() => {{ {string.Format(CultureInfo.InvariantCulture, Stay, "submit")} [...document.querySelectorAll('button')].find(b => b.textContent === 'Create API key').click(); return {State}; }})()"));
        await page.GotoAsync("/app/credits");
        Assert.Equal(["", "none"], await page.EvaluateAsync<string[]>(
            $"(() => {{ {string.Format(CultureInfo.InvariantCulture, Stay, "click")} document.querySelector('a[download]').click(); return {State}.map(v => v ?? 'none'); }})()"));
    }

    [Fact]
    public async Task CancelJob_CancelsIt_AndThePageSaysSo()
    {
        var team = await fixture.CreateTeamAsync(credits: 50);
        var jobId = Guid.CreateVersion7();
        await fixture.Host.Grains.GetGrain<ITeamGrain>(team.TeamId).AcceptJobAsync(new JobSubmission(
            jobId, team.TeamId, null, Quantums.Identity, HeldAction.Name, "{}", 7, null, null, "00", 1));
        await fixture.Host.Grains.GetGrain<IJobGrain>(jobId).RunAsync(null);
        await HeldAction.For(jobId).Started.Task;
        var page = await fixture.SignInAsync(team.ApiKey);

        await page.GotoAsync($"/app/jobs/{jobId}");
        await page.GetByRole(AriaRole.Button, new() { Name = "Cancel job" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "The job is cancelled" })).ToBeVisibleAsync();
        await Expect(page.Locator(".facts .live")).ToContainTextAsync("cancelled");
        await HeldAction.For(jobId).Cancelled.Task;
        Assert.Equal("cancelled", (await (await team.Http.GetAsync($"/jobs/{jobId}")).ReadJsonAsync()).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Keys_AreShownOnceWhenCreated_AndRevoked_WhichEndsTheirSessions()
    {
        var team = await fixture.CreateTeamAsync(credits: 0);
        var page = await fixture.SignInAsync(team.ApiKey);
        await page.GotoAsync("/app/settings");

        var name = $"ci-{Guid.NewGuid():N}"[..12];
        await page.GetByLabel("New API key name").FillAsync(name);
        await page.GetByRole(AriaRole.Button, new() { Name = "Create API key" }).ClickAsync();
        var secret = await page.Locator("#new-secret").TextContentAsync();
        Assert.StartsWith("alv_", secret);
        using var client = fixture.Client(secret);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/me")).StatusCode);
        var signedInWithIt = await fixture.SignInAsync(secret!);

        await page.GotoAsync("/app/settings"); // shown once: not on the next visit
        await Expect(page.Locator("#new-secret")).ToHaveCountAsync(0);
        await page.GetByRole(AriaRole.Button, new() { Name = $"Revoke {name}" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "The key is revoked" })).ToBeVisibleAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/me")).StatusCode);
        var afterRevoke = await signedInWithIt.GotoAsync("/app"); // its browser sessions end with it
        Assert.Contains("/app/sign-in", afterRevoke!.Url);
    }

    [Fact]
    public async Task SignOut_EndsTheSessionOnTheServer()
    {
        var team = await fixture.CreateTeamAsync(credits: 0);
        var page = await fixture.SignInAsync(team.ApiKey);
        var cookie = (await page.Context.CookiesAsync()).Single(c => c.Name == DashboardSignIn.CookieName);
        Assert.True(cookie.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);
        Assert.DoesNotContain(team.ApiKey, cookie.Value);

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(page.GetByText("You are signed out.")).ToBeVisibleAsync();

        // The old cookie no longer opens anything, from any client.
        using var stale = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = fixture.Host.Address };
        stale.DefaultRequestHeaders.Add("Cookie", $"{DashboardSignIn.CookieName}={cookie.Value}");
        var response = await stale.GetAsync("/app/jobs");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/app/sign-in", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task ASecondTeam_SeesNoneOfTheFirstTeamsData_NotEvenThroughDeepLinks()
    {
        var data = await fixture.Data;
        var other = await fixture.CreateTeamAsync(credits: 0);
        var page = await fixture.SignInAsync(other.ApiKey);

        foreach (var path in new[] { "/app/jobs", "/app/runs", "/app/events", "/app/accounts", "/app/meetings", "/app/credits" })
        {
            await page.GotoAsync(path);
            await Expect(page.Locator("main .empty").First).ToBeVisibleAsync();
            Assert.DoesNotContain(data.JobId[..8], await page.Locator("main").InnerTextAsync());
        }

        foreach (var path in new[] { $"/app/jobs/{data.JobId}", $"/app/runs/{data.RunId}", $"/app/accounts/{data.CompanyId}", $"/app/meetings/{data.MeetingId}",
                     $"/app/live/jobs/{data.JobId}" })
        {
            var response = await page.GotoAsync(path);
            Assert.True(response!.Status == 404, $"{path}: {response.Status}");
        }

        await page.GotoAsync("/app/admin");
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("platform admin");
    }

    [Fact]
    public async Task ALiveFragment_WithoutASession_Is401_SoItsPageReloadsToTheSignIn()
    {
        using var anonymous = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = fixture.Host.Address };

        var live = await anonymous.GetAsync($"/app/live/jobs/{Guid.NewGuid()}");
        var page = await anonymous.GetAsync("/app/jobs");

        Assert.Contains("Sign in at /app/sign-in", (await live.AssertProblemAsync(HttpStatusCode.Unauthorized)).GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.StartsWith("/app/sign-in?return_url=", page.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task AWrongKey_IsRefused()
    {
        var team = await fixture.CreateTeamAsync(credits: 0);
        var wrong = team.ApiKey[..^1] + (team.ApiKey[^1] == 'A' ? 'B' : 'A'); // a real key's prefix with a wrong secret
        var page = await fixture.NewPageAsync();
        await page.GotoAsync("/app/sign-in");
        await page.GetByLabel("API key").FillAsync(wrong);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("unknown or has been revoked");
        Assert.DoesNotContain(await page.Context.CookiesAsync(), c => c.Name == DashboardSignIn.CookieName);
        var response = await page.GotoAsync("/app");
        Assert.Contains("/app/sign-in", response!.Url);
    }

    [Fact]
    public async Task AFormWithoutItsAntiforgeryToken_IsRefused()
    {
        var session = await DashboardSignIn.SessionAsync(fixture.Host.Address, PlatformHost.AdminKey);
        using var client = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = fixture.Host.Address };

        var signIn = await client.PostAsync("/app/sign-in", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "sign-in", ["ApiKey"] = PlatformHost.AdminKey,
        }));
        using var create = new HttpRequestMessage(HttpMethod.Post, "/app/admin")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["_handler"] = "create-team", ["name"] = "forged", ["owner_email"] = "x@example.com" }),
        };
        create.Headers.Add("Cookie", $"{DashboardSignIn.CookieName}={session}");
        var forged = await client.SendAsync(create);

        Assert.Equal(HttpStatusCode.BadRequest, signIn.StatusCode);
        Assert.False(signIn.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith(DashboardSignIn.CookieName, StringComparison.Ordinal)));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
    }

    [Fact]
    public async Task TheOrleansDashboard_NeedsTheAdminSignIn()
    {
        var team = await fixture.CreateTeamAsync(credits: 0);
        using var management = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = fixture.Host.ManagementAddress };

        async Task<HttpStatusCode> GetAsync(string? session)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/dashboard/");
            if (session is not null)
            {
                request.Headers.Add("Cookie", $"{DashboardSignIn.CookieName}={session}");
            }

            return (await management.SendAsync(request)).StatusCode;
        }

        using var bearer = new HttpRequestMessage(HttpMethod.Get, "/dashboard/");
        bearer.Headers.Authorization = new AuthenticationHeaderValue("Bearer", team.ApiKey);

        Assert.Equal(HttpStatusCode.Unauthorized, await GetAsync(null));
        Assert.Equal(HttpStatusCode.Unauthorized, (await management.SendAsync(bearer)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, await GetAsync(await DashboardSignIn.SessionAsync(fixture.Host.Address, team.ApiKey)));
        Assert.Equal(HttpStatusCode.OK, await GetAsync(await DashboardSignIn.SessionAsync(fixture.Host.Address, PlatformHost.AdminKey)));
    }
}
