using Alavida.Grains.Data;
using Alavida.Grains.Mesh;
using Alavida.Silo.Hosting;
using Alavida.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Alavida.Tests.Mesh;

/// <summary>A real platform host (silo + HTTP) with test functions registered and, optionally, a fake mesh clock.</summary>
public sealed class MeshHost : IAsyncDisposable
{
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    private MeshHost(PlatformHost host, string connectionString, FakeTimeProvider? time)
    {
        Host = host;
        ConnectionString = connectionString;
        Time = time;
    }

    public PlatformHost Host { get; }

    public string ConnectionString { get; }

    /// <summary>The mesh's clock when the host was started with a fake one.</summary>
    public FakeTimeProvider? Time { get; }

    public IMeshGrain Mesh => Host.Grains.GetGrain<IMeshGrain>(0);

    public MeshMonitor Monitor => Host.Services.GetRequiredService<MeshMonitor>();

    /// <summary>A fresh, migrated database.</summary>
    public static async Task<string> NewDatabaseAsync()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("mesh");
        await DatabaseMigrator.MigrateAsync(connectionString, NullLogger.Instance);
        return connectionString;
    }

    public static async Task<MeshHost> StartAsync(
        string connectionString, IEnumerable<MeshFunctionDefinition> functions, FakeTimeProvider? time = null,
        ClusterIdentity? cluster = null, HostRole role = HostRole.All, Action<IServiceCollection>? configure = null,
        IReadOnlyDictionary<string, string?>? settings = null)
    {
        var host = await PlatformHost.StartAsync(connectionString, cluster ?? ClusterIdentity.New(), role, settings, services: services =>
        {
            configure?.Invoke(services);
            foreach (var function in functions)
            {
                services.AddMeshFunction(function);
            }

            if (time is not null)
            {
                services.AddKeyedSingleton<TimeProvider>(MeshClock.TimeProviderKey, time);
            }
        });
        return new MeshHost(host, connectionString, time);
    }

    /// <summary>Completes when a run of <paramref name="functionId"/> reaches <paramref name="status"/> (any final status when null).</summary>
    public Task<RunChange> When(string functionId, string? status = null) =>
        Monitor.WaitAsync(c => c.FunctionId == functionId && (status is null ? RunStatus.IsFinal(c.Status) : c.Status == status));

    /// <summary>Sends one event and returns its id (asserting it was accepted).</summary>
    public async Task<string> SendAsync(string name, object data, string? teamId = null, string? id = null)
    {
        var result = await Mesh.SendAsync([MeshEvents.Create(name, data, teamId, id)]);
        Assert.True(result.Accepted, string.Join("; ", result.Errors));
        return result.Ids[0];
    }

    public async Task<RunDetail> RunOfAsync(string eventId, string functionId)
    {
        var detail = await Mesh.GetEventAsync(eventId, null);
        var run = Assert.Single(detail!.Runs, r => r.FunctionId == functionId);
        return (await Mesh.GetRunAsync(run.RunId, null))!;
    }

    public async Task<long> ScalarAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    public ValueTask DisposeAsync() => Host.DisposeAsync();
}

/// <summary>A class fixture: one database and one host with the class's functions.</summary>
public abstract class MeshFixture : IAsyncLifetime
{
    private MeshHost? _host;

    public MeshHost Host => _host ?? throw new InvalidOperationException("not started");

    protected virtual bool FakeTime => true;

    public async Task InitializeAsync()
    {
        var time = FakeTime ? new FakeTimeProvider(DateTimeOffset.UtcNow) : null;
        _host = await MeshHost.StartAsync(await MeshHost.NewDatabaseAsync(), Functions(), time, configure: ConfigureServices);
    }

    /// <summary>Extra services of the host (e.g. a capturing log sink).</summary>
    protected virtual void ConfigureServices(IServiceCollection services)
    {
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    protected abstract IEnumerable<MeshFunctionDefinition> Functions();
}
