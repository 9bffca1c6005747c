using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Alavida.Faults.Bench;

/// <summary>A PostgreSQL server of the bench's own, run from the local binaries (as the postgres user when root).</summary>
internal sealed class Postgres(string bin, string directory, int port) : IAsyncDisposable
{
    public string ConnectionString => $"Host=127.0.0.1;Port={port};Username=postgres;Database=alavida;Pooling=true;Maximum Pool Size=100";

    public static async Task<Postgres> StartAsync(string bin, string directory, int port)
    {
        var server = new Postgres(bin, directory, port);
        Directory.CreateDirectory(directory);
        if (Environment.UserName == "root")
        {
            await Shell.RunAsync("chown", $"postgres {directory}");
        }

        await server.PgAsync("initdb", $"-D {directory}/data -U postgres -A trust -E UTF8 --locale=C.UTF-8");
        await server.PgAsync("pg_ctl", $"-D {directory}/data -l {directory}/server.log -w start {server.Options}");
        await server.PgAsync("psql", $"-h 127.0.0.1 -p {port} -U postgres -c \"CREATE DATABASE alavida\"");
        return server;
    }

    /// <summary>Stock durable settings; room for two silos' pools.</summary>
    private string Options => $"-o \"-p {port} -c max_connections=400 -c unix_socket_directories=/tmp\"";

    /// <summary>An immediate restart (the server is killed and recovers from its WAL, as after a crash); returns how long it was gone.</summary>
    public async Task<TimeSpan> RestartImmediatelyAsync()
    {
        var clock = Stopwatch.StartNew();
        await PgAsync("pg_ctl", $"-D {directory}/data -l {directory}/server.log -m immediate -w restart {Options}");
        return clock.Elapsed;
    }

    public async ValueTask DisposeAsync() => await PgAsync("pg_ctl", $"-D {directory}/data -m fast -w stop");

    private Task PgAsync(string tool, string arguments) => Environment.UserName == "root"
        ? Shell.RunAsync("runuser", $"-u postgres -- {bin}/{tool} {arguments}")
        : Shell.RunAsync($"{bin}/{tool}", arguments);
}

/// <summary>One platform process (the run command's binary) on the bench's database.</summary>
internal sealed class PlatformProcess : IAsyncDisposable
{
    private readonly Process _process;

    private PlatformProcess(Process process, string name, Uri url) => (_process, Name, Url) = (process, name, url);

    public string Name { get; }

    public Uri Url { get; }

    public static async Task<PlatformProcess> StartAsync(Options options, string name, string role, string connectionString, string log)
    {
        var httpPort = FreePort();
        var arguments = new List<string>
        {
            options.SiloDll, $"--Alavida:Role={role}", $"--ConnectionStrings:Postgres={connectionString}",
            $"--Urls=http://127.0.0.1:{httpPort}", $"--Orleans:SiloPort={FreePort()}", $"--Orleans:GatewayPort={FreePort()}",
            $"--Orleans:ClusterId={options.ClusterId}", $"--Platform:AdminKey={options.AdminKey}", "--Platform:CreateDevTeam=false",
            "--Serilog:MinimumLevel:Default=Warning", "--RateLimits:PerKey:Burst=0", // load, not limits, is measured
            $"--Management:Urls=http://127.0.0.1:{FreePort()}",
        };
        arguments.AddRange(options.SiloArguments);
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        arguments.ForEach(info.ArgumentList.Add);
        var process = Process.Start(info)!;
        var output = File.AppendText(log);
        output.AutoFlush = true;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.WriteLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.WriteLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var platform = new PlatformProcess(process, name, new Uri($"http://127.0.0.1:{httpPort}"));
        using var http = new HttpClient { BaseAddress = platform.Url, Timeout = TimeSpan.FromSeconds(5) };
        var started = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{name} exited at start; see {log}");
            }

            try
            {
                if ((await http.GetAsync("/health")).IsSuccessStatusCode)
                {
                    return platform;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
            }

            if (started.Elapsed > TimeSpan.FromMinutes(2))
            {
                throw new TimeoutException($"{name} did not become healthy; see {log}");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>Active silos as this process's <c>/health</c> reports them.</summary>
    public async Task<int> ActiveSilosAsync()
    {
        using var http = new HttpClient { BaseAddress = Url, Timeout = TimeSpan.FromSeconds(5) };
        var body = JsonDocument.Parse(await http.GetStringAsync("/health")).RootElement;
        return body.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "orleans-cluster")
            .GetProperty("data").GetProperty("active_silos").GetInt32();
    }

    /// <summary>SIGKILL: no shutdown, no leaving the cluster.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    /// <summary>A graceful stop (SIGTERM: the silo leaves the cluster), or a kill after 30 s.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            await Shell.RunAsync("kill", $"-TERM {_process.Id}");
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await _process.WaitForExitAsync(patience.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }

        _process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

internal static class Shell
{
    public static async Task RunAsync(string file, string arguments)
    {
        var info = new ProcessStartInfo("bash", ["-c", $"{file} {arguments}"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {arguments} failed ({process.ExitCode}): {await error}{await output}");
        }
    }
}
