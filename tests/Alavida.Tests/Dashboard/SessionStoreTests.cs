using Alavida.Dashboard.Hosting;
using Alavida.Dashboard.Sessions;
using Alavida.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Alavida.Tests.Dashboard;

/// <summary>Dashboard sessions in PostgreSQL: they slide with use, are rewritten at most once a minute, and end when idle.</summary>
[Collection(Foundation.ClusterCollection.Name)]
public sealed class SessionStoreTests(DatabaseFixture database)
{
    [Fact]
    public async Task ASession_SlidesWhenUsed_WritesItsRowAtMostOnceAMinute_AndEndsWhenIdle()
    {
        await using var db = NpgsqlDataSource.Create(database.ConnectionString);
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-12-06T09:00:00Z"));
        var store = new SessionStore(db, Options.Create(new DashboardOptions { SessionIdleTimeout = TimeSpan.FromMinutes(10) }), time);
        var id = await store.OpenAsync(new DashboardSession(true, null, null, null, null));
        async Task<DateTimeOffset> ExpiresAsync()
        {
            await using var command = db.CreateCommand("SELECT expires_at FROM dashboard.sessions WHERE id_hash = sha256(convert_to($1, 'UTF8'))");
            command.Parameters.Add(new NpgsqlParameter { Value = id });
            return new DateTimeOffset((DateTime)(await command.ExecuteScalarAsync())!, TimeSpan.Zero);
        }

        time.Advance(TimeSpan.FromSeconds(30));
        Assert.NotNull(await store.TouchAsync(id));
        Assert.Equal(DateTimeOffset.Parse("2026-12-06T09:10:00Z"), await ExpiresAsync()); // used, but not a minute behind: no write

        time.Advance(TimeSpan.FromMinutes(9)); // 09:09:30
        Assert.NotNull(await store.TouchAsync(id));
        Assert.Equal(DateTimeOffset.Parse("2026-12-06T09:19:30Z"), await ExpiresAsync());

        time.Advance(TimeSpan.FromMinutes(9)); // 09:18:30: alive only because it slid
        Assert.NotNull(await store.TouchAsync(id));

        time.Advance(TimeSpan.FromMinutes(11)); // idle longer than the timeout
        Assert.Null(await store.TouchAsync(id));
    }
}
