namespace Alavida.Faults.Bench;

internal sealed record Options(
    string SiloDll, string PgBin, string Work, int Clients, int Seconds, int Restarts, int Trials, int Companies, string[] Scenarios, string[] SiloArguments)
{
    public string AdminKey { get; } = $"faults-admin-{Guid.NewGuid():N}";

    /// <summary>A cluster of its own per scenario: silos killed in one are not in the next one's membership.</summary>
    public string ClusterId { get; set; } = NewClusterId();

    public static string NewClusterId() => $"faults-{Guid.NewGuid():N}"[..20];

    public static Options Parse(string[] args)
    {
        string Get(string name, string fallback)
        {
            var i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
        }

        // Everything after "--" goes to every silo process (e.g. membership settings).
        var rest = Array.IndexOf(args, "--");
        return new Options(
            Get("--silo-dll", "src/Silo/bin/Release/net10.0/Alavida.Silo.dll"),
            Get("--pgbin", "/usr/lib/postgresql/15/bin"),
            Get("--work", Path.Combine(Path.GetTempPath(), $"alavida-faults-{Guid.NewGuid():N}")),
            int.Parse(Get("--clients", "20")),
            int.Parse(Get("--seconds", "60")),
            int.Parse(Get("--restarts", "2")),
            int.Parse(Get("--trials", "4")),
            int.Parse(Get("--companies", "1000")),
            Get("--scenarios", "db-restart,silo-kill-job,silo-kill-cascade").Split(','),
            rest >= 0 ? args[(rest + 1)..] : []);
    }
}
