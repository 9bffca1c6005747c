using System.Net;
using System.Text.RegularExpressions;

namespace Alavida.Tests.Infrastructure;

/// <summary>The dashboard's sign-in over plain HTTP: the form with its antiforgery token, as a browser posts it.</summary>
public static partial class DashboardSignIn
{
    /// <summary>The cookie that carries a dashboard session.</summary>
    public const string CookieName = "alavida_session";

    /// <summary>Signs in with <paramref name="key"/> at <paramref name="address"/> and returns the session cookie's value.</summary>
    public static async Task<string> SessionAsync(Uri address, string key)
    {
        using var handler = new HttpClientHandler { UseCookies = true, CookieContainer = new CookieContainer(), AllowAutoRedirect = false };
        using var client = new HttpClient(handler) { BaseAddress = address };
        var form = await client.GetStringAsync("/app/sign-in");
        var response = await client.PostAsync("/app/sign-in", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "sign-in", ["__RequestVerificationToken"] = Token(form), ["ApiKey"] = key,
        }));
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"sign-in: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return handler.CookieContainer.GetCookies(address)[CookieName]!.Value;
    }

    /// <summary>The antiforgery token of a page's form.</summary>
    public static string Token(string html) => AntiforgeryToken().Match(html).Groups[1].Value;

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();
}
