using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Alavida.Silo.Hosting;

/// <summary>
/// A PostgreSQL server started from the locally installed binaries, for the zero-config run command and the test
/// suite. Runs the server as the <c>postgres</c> user when the process is root (the server refuses root).
/// </summary>
public sealed partial class LocalPostgres : IAsyncDisposable
{
    private const string ServiceUser = "postgres";
    private readonly string _binDirectory;
    private readonly string _dataDirectory;
    private readonly string _rootDirectory;
    private readonly bool _deleteOnStop;
    private readonly bool _ownsServer;
    private readonly ILogger _logger;
    private int _stopped;

    private LocalPostgres(string binDirectory, string rootDirectory, bool deleteOnStop, bool ownsServer, int port, string database, ILogger logger)
    {
        _ownsServer = ownsServer;
        _binDirectory = binDirectory;
        _rootDirectory = rootDirectory;
        _dataDirectory = Path.Combine(rootDirectory, "data");
        _deleteOnStop = deleteOnStop;
        _logger = logger;
        Port = port;
        ConnectionString = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = port,
            Username = ServiceUser,
            Database = database,
        }.ConnectionString;
    }

    /// <summary>The TCP port the server listens on (loopback only).</summary>
    public int Port { get; }

    /// <summary>A connection string for the application database on this server.</summary>
    public string ConnectionString { get; }

    /// <summary>
    /// Starts (or re-attaches to) a server whose files live in <paramref name="rootDirectory"/>, initialising the
    /// cluster on first use, and makes sure <paramref name="database"/> exists.
    /// </summary>
    /// <param name="rootDirectory">Folder for the cluster's files; created when missing.</param>
    /// <param name="database">The database to create and connect to.</param>
    /// <param name="deleteOnStop">True for a throwaway server whose files are removed on stop.</param>
    /// <param name="logger">Where progress is reported.</param>
    /// <param name="binDirectory">The folder holding <c>initdb</c> and <c>pg_ctl</c>; found automatically when null.</param>
    /// <param name="maxConnections">PostgreSQL's <c>max_connections</c>: 200 serves one process with its pools; a test run
    /// with many hosts at once needs more.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    public static async Task<LocalPostgres> StartAsync(
        string rootDirectory,
        string database,
        bool deleteOnStop,
        ILogger logger,
        string? binDirectory = null,
        int maxConnections = 200,
        CancellationToken cancellationToken = default)
    {
        var bin = binDirectory ?? FindBinDirectory();
        if (bin is null || !HasServerBinaries(bin))
        {
            throw new PostgresBinariesNotFoundException();
        }

        rootDirectory = Path.GetFullPath(rootDirectory);
        Directory.CreateDirectory(rootDirectory);
        await GrantToServiceUserAsync(rootDirectory, cancellationToken);

        var dataDirectory = Path.Combine(rootDirectory, "data");
        if (!File.Exists(Path.Combine(dataDirectory, "PG_VERSION")))
        {
            Log.InitializingCluster(logger, dataDirectory);
            await RunAsync(
                Path.Combine(bin, "initdb"),
                ["-D", dataDirectory, "-U", ServiceUser, "--auth=trust", "-E", "UTF8", "--locale=C"],
                cancellationToken);
        }

        var running = ReadRunningPort(dataDirectory);
        var ownsServer = running is null || !await IsRunningAsync(bin, dataDirectory, cancellationToken);
        int port;
        if (ownsServer)
        {
            port = FreeLoopbackPort();
            var options = $"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c max_connections={maxConnections}";
            await RunAsync(
                Path.Combine(bin, "pg_ctl"),
                ["-D", dataDirectory, "-l", Path.Combine(rootDirectory, "postgres.log"), "-w", "-t", "60", "-o", options, "start"],
                cancellationToken);
            Log.Started(logger, port, dataDirectory);
        }
        else
        {
            port = running!.Value;
            Log.Reattached(logger, port, dataDirectory);
        }

        var server = new LocalPostgres(bin, rootDirectory, deleteOnStop, ownsServer, port, database, logger);
        await server.EnsureDatabaseAsync(database, cancellationToken);
        return server;
    }

    /// <summary>
    /// Stops the server (fast shutdown) if this process started it, and removes its files when it was a throwaway
    /// one. A server this process only re-attached to is left running for the process that owns it.
    /// </summary>
    public async Task StopAsync()
    {
        if (!_ownsServer || Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        NpgsqlConnection.ClearAllPools();
        try
        {
            // A throwaway server's data is about to be deleted: skip the shutdown checkpoint.
            var mode = _deleteOnStop ? "immediate" : "fast";
            await RunAsync(Path.Combine(_binDirectory, "pg_ctl"), ["-D", _dataDirectory, "-m", mode, "-w", "-t", "30", "stop"], CancellationToken.None);
            Log.Stopped(_logger, Port);
        }
        catch (InvalidOperationException ex)
        {
            Log.StopFailed(_logger, ex, Port);
        }

        if (_deleteOnStop)
        {
            try
            {
                Directory.Delete(_rootDirectory, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // A throwaway folder in the temp directory; the OS cleans it up if we cannot.
            }
        }
    }

    /// <summary>
    /// Stops the server from a process that is about to exit (a test host is killed moments after its exit
    /// handlers start): hands the stop and the clean-up to a detached shell that outlives this process.
    /// </summary>
    public void StopDetached()
    {
        if (!_ownsServer || Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        Detached(StopCommand());
    }

    /// <summary>
    /// Stops the server once process <paramref name="processId"/> has exited, however it exits (a test host can be
    /// killed before its exit handlers run): a detached shell watches it and then stops and cleans up.
    /// </summary>
    public void StopWhenProcessExits(int processId)
    {
        if (_ownsServer)
        {
            Detached($"while kill -0 {processId} 2>/dev/null; do sleep 1; done; {StopCommand()}");
        }
    }

    private string StopCommand()
    {
        var mode = _deleteOnStop ? "immediate" : "fast";
        var pgCtl = $"'{Path.Combine(_binDirectory, "pg_ctl")}' -D '{_dataDirectory}' -m {mode} -w -t 30 stop";
        var stop = IsRoot ? $"runuser -u {ServiceUser} -- {pgCtl}" : pgCtl;
        return _deleteOnStop ? $"{stop}; rm -rf '{_rootDirectory}'" : stop;
    }

    private static void Detached(string script)
    {
        var start = new ProcessStartInfo("setsid") { UseShellExecute = false, WorkingDirectory = Path.GetTempPath() };
        start.ArgumentList.Add("sh");
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"exec >/dev/null 2>&1 </dev/null; {script}");
        Process.Start(start)?.Dispose();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await StopAsync();

    /// <summary>
    /// Finds the server binaries: <c>ALAVIDA_PG_BIN</c>, then the newest <c>/usr/lib/postgresql/N/bin</c>
    /// (Debian/Ubuntu), then <c>pg_ctl</c> on the PATH.
    /// </summary>
    public static string? FindBinDirectory()
    {
        var configured = Environment.GetEnvironmentVariable("ALAVIDA_PG_BIN");
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return HasServerBinaries(configured) ? configured : null;
        }

        const string debianRoot = "/usr/lib/postgresql";
        if (Directory.Exists(debianRoot))
        {
            var newest = Directory.GetDirectories(debianRoot)
                .Select(d => (Dir: Path.Combine(d, "bin"), Version: int.TryParse(Path.GetFileName(d), out var v) ? v : 0))
                .Where(x => x.Version >= 13 && HasServerBinaries(x.Dir))
                .OrderByDescending(x => x.Version)
                .Select(x => x.Dir)
                .FirstOrDefault();
            if (newest is not null)
            {
                return newest;
            }
        }

        return (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .FirstOrDefault(HasServerBinaries);
    }

    private static bool HasServerBinaries(string dir) =>
        File.Exists(Path.Combine(dir, "initdb")) && File.Exists(Path.Combine(dir, "pg_ctl"));

    private async Task EnsureDatabaseAsync(string name, CancellationToken cancellationToken)
    {
        var admin = new NpgsqlConnectionStringBuilder(ConnectionString) { Database = "postgres", Pooling = false };
        await using var connection = new NpgsqlConnection(admin.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", connection);
        exists.Parameters.AddWithValue("name", name);
        if (await exists.ExecuteScalarAsync(cancellationToken) is null)
        {
            // Identifiers cannot be parameters; the name is quoted so any value is safe.
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name.Replace("\"", "\"\"")}\"", connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    private static int? ReadRunningPort(string dataDirectory)
    {
        // postmaster.pid: line 1 pid, line 4 port (PostgreSQL's documented layout).
        var pidFile = Path.Combine(dataDirectory, "postmaster.pid");
        if (!File.Exists(pidFile))
        {
            return null;
        }

        var lines = File.ReadAllLines(pidFile);
        return lines.Length >= 4 && int.TryParse(lines[3], out var port) ? port : null;
    }

    private static async Task<bool> IsRunningAsync(string bin, string dataDirectory, CancellationToken cancellationToken)
    {
        var result = await ExecuteAsync(Path.Combine(bin, "pg_ctl"), ["-D", dataDirectory, "status"], cancellationToken);
        return result.ExitCode == 0;
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static bool IsRoot => Environment.UserName == "root";

    private static async Task GrantToServiceUserAsync(string directory, CancellationToken cancellationToken)
    {
        if (!IsRoot)
        {
            return;
        }

        await RunAsync("chown", ["-R", $"{ServiceUser}:", directory], cancellationToken, asServiceUser: false);
        var access = await ExecuteAsync("test", ["-w", directory], cancellationToken);
        if (access.ExitCode != 0)
        {
            throw new PostgresDirectoryUnreachableException(directory);
        }
    }

    private static async Task RunAsync(string fileName, IReadOnlyList<string> arguments, CancellationToken cancellationToken, bool asServiceUser = true)
    {
        var result = await ExecuteAsync(fileName, arguments, cancellationToken, asServiceUser);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"'{Path.GetFileName(fileName)} {string.Join(' ', arguments)}' failed with exit code {result.ExitCode}: {result.Output.Trim()}");
        }
    }

    private static async Task<(int ExitCode, string Output)> ExecuteAsync(
        string fileName, IReadOnlyList<string> arguments, CancellationToken cancellationToken, bool asServiceUser = true)
    {
        var start = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        if (asServiceUser && IsRoot)
        {
            start.FileName = "runuser";
            foreach (var arg in new[] { "-u", ServiceUser, "--", fileName })
            {
                start.ArgumentList.Add(arg);
            }
        }
        else
        {
            start.FileName = fileName;
        }

        foreach (var arg in arguments)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start '{fileName}'.");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return (process.ExitCode, await stdout + await stderr);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Initialising a local PostgreSQL cluster in {DataDirectory}")]
        public static partial void InitializingCluster(ILogger logger, string dataDirectory);

        [LoggerMessage(2, LogLevel.Information, "Local PostgreSQL started on 127.0.0.1:{Port} (data in {DataDirectory})")]
        public static partial void Started(ILogger logger, int port, string dataDirectory);

        [LoggerMessage(3, LogLevel.Information, "Local PostgreSQL already running on 127.0.0.1:{Port} (data in {DataDirectory}); using it")]
        public static partial void Reattached(ILogger logger, int port, string dataDirectory);

        [LoggerMessage(4, LogLevel.Information, "Local PostgreSQL on port {Port} stopped")]
        public static partial void Stopped(ILogger logger, int port);

        [LoggerMessage(5, LogLevel.Warning, "Local PostgreSQL on port {Port} did not stop cleanly")]
        public static partial void StopFailed(ILogger logger, Exception exception, int port);
    }
}

/// <summary>Thrown when no PostgreSQL server binaries can be found and no connection string is configured.</summary>
public sealed class PostgresBinariesNotFoundException() : InvalidOperationException(
    "No PostgreSQL connection string is configured (ConnectionStrings__Postgres) and no PostgreSQL server binaries " +
    "(initdb, pg_ctl) were found in ALAVIDA_PG_BIN, /usr/lib/postgresql/<version>/bin or the PATH. Either install them " +
    "(Debian/Ubuntu: `sudo apt-get install postgresql-15`; macOS: `brew install postgresql@15`), or start a server with " +
    "`docker compose up -d postgres` and set ConnectionStrings__Postgres=\"Host=localhost;Port=5432;Username=postgres;Password=postgres;Database=alavida\".");

/// <summary>Thrown when the <c>postgres</c> user cannot reach the data folder (e.g. it sits under root's home).</summary>
public sealed class PostgresDirectoryUnreachableException(string directory) : InvalidOperationException(
    $"The 'postgres' user cannot write to '{directory}' (a parent folder is closed to it, e.g. root's home).")
{
    /// <summary>The folder that could not be used.</summary>
    public string Directory { get; } = directory;
}
