using System.Net;
using System.Net.Http.Json;
using Alavida.Tests.Infrastructure;

namespace Alavida.Tests.Gateway;

/// <summary>Rate limits: a bucket per API key, refusals as 429 problems with Retry-After, one team's burst never another's.</summary>
[Collection(Foundation.ClusterCollection.Name)]
public sealed class RateLimitTests(DatabaseFixture database)
{
    [Fact]
    public async Task AKeyPastItsBurst_Gets429ProblemsWithRetryAfter_WhileAnotherTeamsKeyIsServed()
    {
        await using var host = await StartLimitedAsync();
        var (busy, calm) = (await CreateTeamAsync(host), await CreateTeamAsync(host));

        var burst = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => busy.GetAsync("/credits")));
        var served = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => calm.GetAsync("/credits")));

        Assert.Equal(5, burst.Count(r => r.StatusCode == HttpStatusCode.OK));
        var refused = burst.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.Equal(7, refused.Count);
        var problem = await refused[0].AssertProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.Contains("API key", problem.GetProperty("detail").GetString());
        Assert.True(refused[0].Headers.RetryAfter?.Delta > TimeSpan.Zero, "Retry-After names a wait");
        Assert.All(served, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));

        // Without a valid key, the client's address has its bucket; probes are never limited.
        using var anonymous = new HttpClient { BaseAddress = host.Address };
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            statuses.Add((await anonymous.GetAsync("/credits")).StatusCode);
        }

        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
        var probes = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => anonymous.GetAsync("/alive")));
        Assert.All(probes, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
    }

    [Fact]
    public async Task AnEventKey_HasOneBucket_WhetherInThePathOrInTheHeader()
    {
        await using var host = await StartLimitedAsync();
        var team = await CreateTeamAsync(host);
        var key = (await (await team.PostAsJsonAsync("/event-keys", new { name = "limited" })).ReadJsonAsync()).GetProperty("key").GetString()!;
        using var anonymous = new HttpClient { BaseAddress = host.Address };
        using var withHeader = new HttpClient { BaseAddress = host.Address, DefaultRequestHeaders = { { "Authorization", $"Bearer {key}" } } };
        var body = new { name = "limits/probe", data = new { } };

        // The key's first request counts against the address (a made-up key must not get a bucket); then the key has its own.
        Assert.Equal(HttpStatusCode.OK, (await anonymous.PostAsJsonAsync($"/e/{key}", body)).StatusCode);
        var burst = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => i % 2 == 0 ? anonymous.PostAsJsonAsync($"/e/{key}", body) : withHeader.PostAsJsonAsync("/e", body)));

        Assert.Equal(5, burst.Count(r => r.StatusCode == HttpStatusCode.OK));
        var refused = burst.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.Equal(3, refused.Count);
        Assert.Contains("event key", (await refused[0].AssertProblemAsync(HttpStatusCode.TooManyRequests)).GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/credits")).StatusCode); // the address bucket still has tokens
    }

    [Fact]
    public async Task ASignedInBrowser_UsesItsKeysBucket_NotItsAddresss()
    {
        await using var host = await StartLimitedAsync();
        using var admin = new HttpClient { BaseAddress = host.Address, DefaultRequestHeaders = { { "Authorization", $"Bearer {PlatformHost.AdminKey}" } } };
        var created = await (await admin.PostAsJsonAsync("/admin/teams", new { name = $"browser-{Guid.NewGuid():N}", owner_email = "ops@example.com", credits = 0 })).ReadJsonAsync();
        var session = await DashboardSignIn.SessionAsync(host.Address, created.GetProperty("api_key").GetString()!); // two of the address's three
        using var browser = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = host.Address };
        browser.DefaultRequestHeaders.Add("Cookie", $"{DashboardSignIn.CookieName}={session}");

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 6; i++)
        {
            statuses.Add((await browser.GetAsync("/app/jobs")).StatusCode);
        }

        Assert.Equal([.. Enumerable.Repeat(HttpStatusCode.OK, 5), HttpStatusCode.TooManyRequests], statuses);
    }

    /// <summary>A platform whose keys have 5 requests at once, then one an hour; anonymous callers 3.</summary>
    private Task<PlatformHost> StartLimitedAsync() => PlatformHost.StartAsync(database.ConnectionString, ClusterIdentity.New(), settings: new Dictionary<string, string?>
    {
        ["RateLimits:PerKey:Burst"] = "5",
        ["RateLimits:PerKey:PerPeriod"] = "1",
        ["RateLimits:PerKey:Period"] = "01:00:00",
        ["RateLimits:Anonymous:Burst"] = "3",
        ["RateLimits:Anonymous:PerPeriod"] = "1",
        ["RateLimits:Anonymous:Period"] = "01:00:00",
    });

    private static async Task<HttpClient> CreateTeamAsync(PlatformHost host)
    {
        using var admin = new HttpClient { BaseAddress = host.Address, DefaultRequestHeaders = { { "Authorization", $"Bearer {PlatformHost.AdminKey}" } } };
        var created = await (await admin.PostAsJsonAsync("/admin/teams", new { name = $"limited-{Guid.NewGuid():N}", owner_email = "ops@example.com", credits = 10 })).ReadJsonAsync();
        return new HttpClient { BaseAddress = host.Address, DefaultRequestHeaders = { { "Authorization", $"Bearer {created.GetProperty("api_key").GetString()}" } } };
    }
}
