// Fault injection against real processes (see bench/faults.sh): immediate PostgreSQL restarts under /run load, and
// SIGKILL of a silo mid-job and mid-cascade with two silos on one database. Prints Markdown for docs/benchmarks.md;
// exits 1 when any accepted job failed, was lost or charged twice, a team's credits do not add up, or an outage was
// answered with anything but a 503 problem.
using Alavida.Faults.Bench;

var options = Options.Parse(args);
Directory.CreateDirectory(options.Work);
if (!OperatingSystem.IsWindows())
{
    File.SetUnixFileMode(options.Work, (UnixFileMode)0b111_101_101); // the postgres user reaches its data below it
}
void Say(string line) => Console.Error.WriteLine($"[{DateTime.Now:T}] {line}");

Say($"PostgreSQL in {options.Work}/pg");
await using var postgres = await Postgres.StartAsync(options.PgBin, Path.Combine(options.Work, "pg"), 55400 + Random.Shared.Next(500));
var scenarios = new Scenarios(options, postgres, new Ledger(postgres.ConnectionString), Say);
var clean = true;
foreach (var scenario in options.Scenarios)
{
    options.ClusterId = Options.NewClusterId();
    var (markdown, ok) = scenario switch
    {
        "db-restart" => await scenarios.DatabaseRestartsAsync(),
        "silo-kill-job" => await scenarios.SiloKillsAsync(midCascade: false, TimeSpan.FromSeconds(0.7)),
        "silo-kill-cascade" => await scenarios.SiloKillsAsync(midCascade: true, TimeSpan.Zero),
        _ => throw new ArgumentException($"unknown scenario '{scenario}'"),
    };
    Say($"{scenario}: {(ok ? "clean" : "NOT CLEAN")}");
    Console.WriteLine(markdown);
    clean &= ok;
}

return clean ? 0 : 1;
