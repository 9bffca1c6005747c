using System.Collections.Concurrent;
using System.Net.Http.Json;
using Alavida.Grains.Platform;
using Alavida.Tests.Foundation;
using Alavida.Tests.Gateway;
using Alavida.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Alavida.Tests.Reliability;

/// <summary>A silo killed while jobs run on it: the survivor runs them again once the membership declares it dead.</summary>
[Collection(ClusterCollection.Name)]
public sealed class SiloDeathTests(DatabaseFixture database)
{
    /// <summary>Membership tuned so a killed silo is declared dead within seconds (probes every second, one vote).</summary>
    private static readonly Dictionary<string, string?> QuickDeathDetection = new()
    {
        ["Orleans:Membership:ProbeTimeout"] = "00:00:01",
        ["Orleans:Membership:NumMissedProbesLimit"] = "2",
        ["Orleans:Membership:NumVotesForDeathDeclaration"] = "1",
        ["Orleans:Membership:TableRefreshTimeout"] = "00:00:01",
        ["Jobs:FirstRetryDelay"] = "00:00:00.050",
        ["Jobs:MaxRetryDelay"] = "00:00:00.500",
    };

    [Fact]
    public async Task JobsOfAKilledSilo_RunAgainOnTheSurvivor_OnceItIsDeclaredDead_AndEachIsChargedOnce()
    {
        // The victim starts alone, so the jobs handed over meanwhile live on it; then the survivor joins.
        var cluster = ClusterIdentity.New();
        await using var victim = await PlatformHost.StartAsync(database.ConnectionString, cluster, settings: QuickDeathDetection,
            services: s => s.AddQuantumAction<SiloHeldAction>());
        using var admin = new HttpClient { BaseAddress = victim.Address, DefaultRequestHeaders = { { "Authorization", $"Bearer {PlatformHost.AdminKey}" } } };
        var team = await (await admin.PostAsJsonAsync("/admin/teams", new { name = $"death-{cluster.ClusterId}", owner_email = "ops@example.com", credits = 100 })).ReadJsonAsync();
        var teamId = Guid.Parse(team.GetProperty("team_id").GetString()!);
        var jobs = Enumerable.Range(0, 6).Select(_ => Guid.CreateVersion7()).ToList();
        foreach (var jobId in jobs)
        {
            await victim.Grains.GetGrain<ITeamGrain>(teamId).AcceptJobAsync(new JobSubmission(jobId, teamId, null, Quantums.Identity, SiloHeldAction.Name, "{}", 2, null, null, null, 1));
            await victim.Grains.GetGrain<IJobGrain>(jobId).RunAsync(null);
        }

        await Task.WhenAll(jobs.Select(j => HeldAction.For(j).Started.Task)).WaitAsync(TimeSpan.FromSeconds(60));
        await using var survivor = await PlatformHost.StartAsync(database.ConnectionString, cluster, settings: QuickDeathDetection,
            services: s => s.AddQuantumAction<SiloHeldAction>());
        await survivor.WaitForMembershipAsync(s => s.ActiveCount() == 2, "both silos active");

        var victimAddress = victim.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress;
        Assert.All(jobs, j => Assert.Equal(victimAddress, SiloHeldAction.Silos(j).Single()));

        await victim.KillAsync();
        await survivor.WaitForMembershipAsync(s => s.Members[victimAddress].Status == SiloStatus.Dead, "the victim declared dead");
        foreach (var jobId in jobs)
        {
            HeldAction.For(jobId).Release.TrySetResult(1);
        }

        using var http = new HttpClient { BaseAddress = survivor.Address, DefaultRequestHeaders = { { "Authorization", $"Bearer {team.GetProperty("api_key").GetString()}" } } };
        foreach (var jobId in jobs)
        {
            var job = await new TestTeam(teamId, "", http).WaitForJobAsync(jobId.ToString());
            Assert.Equal("succeeded", job.GetProperty("status").GetString());
            Assert.Equal(1, job.GetProperty("usage").GetProperty("credits_charged").GetInt32());
        }

        var survivorAddress = survivor.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress;
        Assert.All(jobs, j => Assert.Equal([victimAddress, survivorAddress], SiloHeldAction.Silos(j)));
        var credits = await (await http.GetAsync("/credits")).ReadJsonAsync();
        Assert.Equal((100 - jobs.Count, 0, jobs.Count), (credits.GetProperty("balance").GetInt32(), credits.GetProperty("reserved").GetInt32(), credits.GetProperty("lifetime_used").GetInt32()));
    }

    /// <summary>The held action (<c>identity/silo-held</c>), remembering on which silo each of a job's runs worked.</summary>
    private sealed class SiloHeldAction(ILocalSiloDetails silo) : IQuantumAction
    {
        public const string Name = "silo-held";

        private static readonly ConcurrentDictionary<Guid, ConcurrentQueue<SiloAddress>> Runs = new();

        public string Quantum => Quantums.Identity;

        public string Action => Name;

        public static IReadOnlyList<SiloAddress> Silos(Guid jobId) => [.. Runs.GetOrAdd(jobId, _ => new())];

        public async Task<JobResult> ExecuteAsync(QuantumActionContext context, CancellationToken cancellationToken)
        {
            Runs.GetOrAdd(context.Job.JobId, _ => new()).Enqueue(silo.SiloAddress);
            var hold = HeldAction.For(context.Job.JobId);
            hold.Started.TrySetResult();
            return new JobResult("{}", await hold.Release.Task.WaitAsync(cancellationToken), null);
        }
    }
}
