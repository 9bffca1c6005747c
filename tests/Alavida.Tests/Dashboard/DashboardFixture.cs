using Alavida.Tests.Gateway;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace Alavida.Tests.Dashboard;

/// <summary>
/// A real platform (silo + gateway + PostgreSQL) and one headless Debian Chromium shared by every dashboard test.
/// Playwright's own browser download is not used: the browser is the system's, and its absence fails the tests.
/// </summary>
public sealed class DashboardFixture : GatewayFixture
{
    /// <summary>The browser: <c>ALAVIDA_CHROMIUM</c> when set (a Chromium or Chrome elsewhere, e.g. on macOS), else Debian's.</summary>
    public static readonly string ChromiumPath = Environment.GetEnvironmentVariable("ALAVIDA_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    private IPlaywright? _playwright;

    private Lazy<Task<DashboardData>>? _data;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>The team with data on every page, made once for all the dashboard's tests.</summary>
    public Task<DashboardData> Data => (_data ??= new Lazy<Task<DashboardData>>(() => DashboardData.CreateAsync(this))).Value;

    public override async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"The dashboard's browser tests need Chromium at {ChromiumPath}: apt-get install chromium (.ci/run installs it when missing), or set ALAVIDA_CHROMIUM to a Chromium or Chrome executable.");
        }

        await base.InitializeAsync();
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = Environment.UserName == "root" ? ["--no-sandbox"] : [],
        });
    }

    public override async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright?.Dispose();
        await base.DisposeAsync();
    }

    /// <summary>A fresh browser context (its own cookies) on the sign-in page.</summary>
    public async Task<IPage> NewPageAsync()
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = Host.Address.ToString().TrimEnd('/'),
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
        });
        return await context.NewPageAsync();
    }

    /// <summary>A browser signed in with <paramref name="key"/> through the sign-in form.</summary>
    public async Task<IPage> SignInAsync(string key)
    {
        var page = await NewPageAsync();
        await page.GotoAsync("/app/sign-in");
        await page.GetByLabel("API key").FillAsync(key);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Sign out" })).ToBeVisibleAsync();
        return page;
    }

    /// <summary>Runs axe on the page: no serious or critical violation.</summary>
    public static async Task AssertAccessibleAsync(IPage page)
    {
        var result = await page.RunAxe();
        var bad = result.Violations.Where(v => v.Impact is "serious" or "critical").ToList();
        Assert.True(bad.Count == 0, $"{page.Url}: " + string.Join("; ", bad.Select(v => $"{v.Id} ({v.Impact}): {v.Help} at {string.Join(", ", v.Nodes.Take(3).Select(n => n.Html))}")));
    }

    /// <summary>Saves a full-page screenshot as docs/screenshots/{name}.png in the repository.</summary>
    public static Task ScreenshotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(RepositoryRoot(), "docs", "screenshots", $"{name}.png"), FullPage = true });

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Alavida.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (Alavida.sln) was not found above the test binaries.");
    }
}

/// <summary>
/// The browser tests run after the parallel collections, on their own: Playwright's client continues on the test's
/// synchronization context, and with every xunit worker busy in other collections the run deadlocked.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DashboardCollection : ICollectionFixture<DashboardFixture>
{
    public const string Name = "dashboard";
}
