using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.RegularExpressions;
using Alavida.Silo.Hosting;
using Alavida.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Serilog.Core;
using Serilog.Events;

namespace Alavida.Tests.Gateway;

/// <summary>What a newcomer sees on the console and can do with it: the first start, a later start, the admin key.</summary>
public sealed partial class DevTeamBootstrapTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task FirstStart_PrintsTheDevTeamsKeyAndTheAdminKeyKeptInTheDataDirectory_AndALaterStartSaysHowToGetANewKey()
    {
        var data = Directory.CreateTempSubdirectory("alavida-first-run-");
        try
        {
            var connectionString = await TestPostgres.CreateDatabaseAsync("first_run");
            var keyFile = Path.Combine(data.FullName, AdminKeyFile.FileName);
            var settings = new Dictionary<string, string?>
            {
                ["Platform:AdminKey"] = null,
                ["Platform:CreateDevTeam"] = "true",
                ["Platform:DevTeamCredits"] = "777",
                ["Alavida:LocalPostgresDirectory"] = Path.Combine(data.FullName, "postgres"),
            };
            var logs = new CapturingSink();

            var first = new BannerCapture();
            string devKey, adminKey, teamId;
            await using (var host = await StartAsync(connectionString, settings, first, logs))
            {
                var banner = await first.Written.Within(Limit, "the first start's banner");
                devKey = DevKeyLine().Match(banner).Groups[1].Value;
                adminKey = (await File.ReadAllTextAsync(keyFile)).Trim();
                var url = host.Address.ToString().TrimEnd('/');

                Assert.Contains("Fresh database: created the development team 'Local development' with 777 credits.", banner);
                Assert.Contains($"Admin key (/admin/…): {adminKey}", banner);
                Assert.Contains($"kept in {keyFile} (mode 0600)", banner);
                Assert.Contains($"export ALAVIDA_URL={url} ALAVIDA_API_KEY={devKey}", banner);
                Assert.Contains("curl -s -H \"Authorization: Bearer $ALAVIDA_API_KEY\" $ALAVIDA_URL/credits", banner);
                Assert.Contains("dotnet run --project samples/prospect", banner);
                if (!OperatingSystem.IsWindows())
                {
                    Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
                }

                using var team = Client(host, devKey);
                Assert.Equal(777, (await (await team.GetAsync("/credits")).ReadJsonAsync()).GetProperty("balance").GetInt64());
                using var admin = Client(host, adminKey);
                var dev = Assert.Single((await (await admin.GetAsync("/admin/teams")).ReadJsonAsync()).GetProperty("items").EnumerateArray());
                teamId = dev.GetProperty("team_id").GetString()!;
            }

            // Secrets go to the console banner only, never into the log.
            Assert.DoesNotContain(logs.Events, e => Rendered(e).Contains(devKey, StringComparison.Ordinal) || Rendered(e).Contains(adminKey, StringComparison.Ordinal));

            var later = new BannerCapture();
            await using (var host = await StartAsync(connectionString, settings, later, logs))
            {
                var banner = await later.Written.Within(Limit, "the later start's banner");

                Assert.Contains($"The development team 'Local development' ({teamId}) exists", banner);
                Assert.Contains($"-H \"Authorization: Bearer $(cat {keyFile})\"", banner);
                Assert.Contains($"/admin/teams/{teamId}/api-keys", banner);
                Assert.DoesNotContain(adminKey, banner, StringComparison.Ordinal);
                Assert.DoesNotContain(devKey, banner, StringComparison.Ordinal);
                // What the banner says works: the admin key kept in the file still holds, and gives the team a new key.
                using var admin = Client(host, (await File.ReadAllTextAsync(keyFile)).Trim());
                var created = await admin.PostAsJsonAsync($"/admin/teams/{teamId}/api-keys", new { name = "dev" });
                Assert.Equal(HttpStatusCode.Created, created.StatusCode);
                using var team = Client(host, (await created.ReadJsonAsync()).GetProperty("secret").GetString()!);
                Assert.Equal(HttpStatusCode.OK, (await team.GetAsync("/credits")).StatusCode);
            }

            Assert.Equal(adminKey, (await File.ReadAllTextAsync(keyFile)).Trim());
        }
        finally
        {
            data.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task AConfiguredAdminKey_IsNeitherPrintedNorLogged_NorWrittenToTheDataDirectory()
    {
        var data = Directory.CreateTempSubdirectory("alavida-configured-");
        try
        {
            var logs = new CapturingSink();
            var console = new BannerCapture();
            var settings = new Dictionary<string, string?> { ["Alavida:LocalPostgresDirectory"] = Path.Combine(data.FullName, "postgres") };
            await using var host = await StartAsync(await TestPostgres.CreateDatabaseAsync("configured_key"), settings, console, logs);

            var banner = await console.Written.Within(Limit, "the banner");

            Assert.Contains("Admin key (/admin/…): the configured Platform:AdminKey.", banner);
            Assert.Contains("Authorization: Bearer <your Platform:AdminKey>", banner);
            Assert.DoesNotContain(PlatformHost.AdminKey, banner, StringComparison.Ordinal);
            Assert.DoesNotContain(logs.Events, e => Rendered(e).Contains(PlatformHost.AdminKey, StringComparison.Ordinal));
            Assert.Empty(data.EnumerateFileSystemInfos());
        }
        finally
        {
            data.Delete(recursive: true);
        }
    }

    private static Task<PlatformHost> StartAsync(string connectionString, IReadOnlyDictionary<string, string?> settings, BannerCapture console, CapturingSink logs) =>
        PlatformHost.StartAsync(connectionString, ClusterIdentity.New(), settings: settings, services: s =>
        {
            s.AddSingleton<ILogEventSink>(logs);
            s.AddSingleton(new StartupConsole(console));
        });

    private static HttpClient Client(PlatformHost host, string key) =>
        new() { BaseAddress = host.Address, DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Bearer", key) } };

    private static string Rendered(LogEvent e) =>
        e.RenderMessage() + string.Join(" ", e.Properties.Values) + e.Exception;

    [GeneratedRegex(@"^\s+(alv_[A-Za-z0-9]{10}_[A-Za-z0-9]{32})\s*$", RegexOptions.Multiline)]
    private static partial Regex DevKeyLine();

    /// <summary>The console as the banner sees it; <see cref="Written"/> completes with the text at the banner's flush.</summary>
    private sealed class BannerCapture : StringWriter
    {
        private readonly TaskCompletionSource<string> _written = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<string> Written => _written.Task;

        public override Encoding Encoding => Encoding.UTF8;

        public override Task FlushAsync(CancellationToken cancellationToken)
        {
            _written.TrySetResult(ToString());
            return Task.CompletedTask;
        }
    }
}
