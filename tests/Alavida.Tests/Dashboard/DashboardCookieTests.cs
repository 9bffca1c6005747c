using System.Net;
using System.Net.Http.Json;
using Alavida.Tests.Gateway;
using Alavida.Tests.Infrastructure;

namespace Alavida.Tests.Dashboard;

/// <summary><c>Dashboard:SecureCookies</c>: behind a proxy that ends TLS the gateway sees http, and the cookies must stay Secure.</summary>
[Collection(Foundation.ClusterCollection.Name)]
public sealed class DashboardCookieTests(DatabaseFixture database)
{
    [Fact]
    public async Task SecureCookies_MarksTheSessionCookieSecure_OverPlainHttp()
    {
        await using var host = await PlatformHost.StartAsync(database.ConnectionString, ClusterIdentity.New(),
            settings: new Dictionary<string, string?> { ["Dashboard:SecureCookies"] = "true" });
        using var admin = new HttpClient { BaseAddress = host.Address, DefaultRequestHeaders = { { "Authorization", $"Bearer {PlatformHost.AdminKey}" } } };
        var key = (await (await admin.PostAsJsonAsync("/admin/teams", new { name = $"secure-{Guid.NewGuid():N}", owner_email = "ops@example.com", credits = 0 })).ReadJsonAsync())
            .GetProperty("api_key").GetString()!;
        using var client = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = host.Address };

        var form = await client.GetAsync("/app/sign-in");
        var antiforgery = form.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("alavida_antiforgery=", StringComparison.Ordinal));
        using var post = new HttpRequestMessage(HttpMethod.Post, "/app/sign-in")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["_handler"] = "sign-in", ["__RequestVerificationToken"] = DashboardSignIn.Token(await form.Content.ReadAsStringAsync()), ["ApiKey"] = key,
            }),
        };
        post.Headers.Add("Cookie", antiforgery.Split(';')[0]);
        var signedIn = await client.SendAsync(post);

        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        var session = signedIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(DashboardSignIn.CookieName + "=", StringComparison.Ordinal));
        Assert.Contains("secure", session, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", session, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", session, StringComparison.OrdinalIgnoreCase);
    }
}
