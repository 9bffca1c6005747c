using Alavida.Grains.Data;
using Alavida.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Alavida.Tests.Platform;

/// <summary>The platform's group commit, against a real PostgreSQL.</summary>
public sealed class GroupCommitterTests
{
    [Fact]
    public async Task CallersQueuedBehindABusyBatch_AllCommit_AndABadStatementFailsOnlyItsCaller()
    {
        await using var db = NpgsqlDataSource.Create(await TestPostgres.CreateDatabaseAsync("group-commit"));
        await using (var setup = db.CreateCommand("CREATE TABLE items (id int PRIMARY KEY, label text NOT NULL); INSERT INTO items VALUES (0, 'taken')"))
        {
            await setup.ExecuteNonQueryAsync();
        }

        await using var committer = new GroupCommitter(db, NullLogger<GroupCommitter>.Instance);
        await using var holder = await db.OpenConnectionAsync();
        await using var lockTx = await holder.BeginTransactionAsync();
        await using (var take = new NpgsqlCommand("SELECT pg_advisory_xact_lock(4711)", holder, lockTx))
        {
            await take.ExecuteNonQueryAsync();
        }

        // The first caller's batch waits on the lock the test holds, so the callers after it queue up and share a batch
        // (the clashing one is never alone in one: it either joins the first caller's batch or the one after).
        var blocked = committer.ExecuteAsync(() => [new NpgsqlBatchCommand("SELECT pg_advisory_xact_lock(4711)")], async r => await r.ReadAsync());
        var duplicate = committer.ExecuteAsync(() => [Insert(200, "fine on its own"), Insert(0, "clashes with the row that is there")], ReadIdAsync);
        var inserts = Enumerable.Range(1, 5).Select(i => committer.ExecuteAsync(() => [Insert(i, $"item {i}"), Insert(i + 100, $"item {i + 100}")], ReadIdAsync)).ToList();
        await lockTx.CommitAsync();

        Assert.True((await blocked)[0]);
        foreach (var (insert, i) in inserts.Select((t, i) => (t, i + 1)))
        {
            Assert.Equal([i, i + 100], await insert);
        }

        var failure = await Assert.ThrowsAsync<PostgresException>(() => duplicate);
        Assert.Equal(PostgresErrorCodes.UniqueViolation, failure.SqlState);
        Assert.Equal(10, await ScalarAsync<long>(holder, "SELECT count(*) FROM items WHERE id BETWEEN 1 AND 105"));
        Assert.Equal(0, await ScalarAsync<long>(holder, "SELECT count(*) FROM items WHERE id = 200"));
        Assert.Equal("taken", await ScalarAsync<string>(holder, "SELECT label FROM items WHERE id = 0"));
    }

    [Fact]
    public async Task AStatementWithoutAResultSet_FailsItsCallerWithAClearError_AndCommitsNothingOfIt()
    {
        await using var db = NpgsqlDataSource.Create(await TestPostgres.CreateDatabaseAsync("group-commit"));
        await using (var setup = db.CreateCommand("CREATE TABLE items (id int PRIMARY KEY)"))
        {
            await setup.ExecuteNonQueryAsync();
        }

        await using var committer = new GroupCommitter(db, NullLogger<GroupCommitter>.Instance);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            committer.ExecuteAsync(() => [new NpgsqlBatchCommand("INSERT INTO items VALUES (1) RETURNING id"), new NpgsqlBatchCommand("INSERT INTO items VALUES (2)")], ReadIdAsync));

        Assert.Contains("RETURNING", error.Message);
        await using var connection = await db.OpenConnectionAsync();
        Assert.Equal(0L, await ScalarAsync<long>(connection, "SELECT count(*) FROM items"));
    }

    [Fact]
    public async Task AStatementRefusedAsItIsPrepared_DoesNotBreakTheSameStatementLater()
    {
        // Auto-prepared, as in production. A statement refused while binding on the execution that prepares it leaves
        // Npgsql 10.0.3 believing it prepared without its row description: the next execution on that connection then
        // fails with "unexpected backend message DataRow". The committer must not run anything on that connection again.
        var connectionString = await TestPostgres.CreateDatabaseAsync("group-commit");
        await using (var setup = NpgsqlDataSource.Create(connectionString))
        await using (var create = setup.CreateCommand("CREATE TABLE items (id int PRIMARY KEY, doc jsonb NOT NULL)"))
        {
            await create.ExecuteNonQueryAsync();
        }

        await using var committer = new GroupCommitter(PostgresPool.Create(connectionString), NullLogger<GroupCommitter>.Instance);
        Task<IReadOnlyList<int>> InsertAsync(int id, string doc) => committer.ExecuteAsync(
            () => [PositionalSql.Command("INSERT INTO items (id, doc) VALUES ($1, $2::jsonb) RETURNING id", PositionalSql.Value(id), PositionalSql.Value(doc))],
            ReadIdAsync);

        Assert.Equal([1], await InsertAsync(1, """{"text":"first use"}"""));
        var refused = await Assert.ThrowsAsync<PostgresException>(() => InsertAsync(2, """{"text":"\u0000"}"""));
        Assert.Equal(PostgresErrorCodes.UntranslatableCharacter, refused.SqlState);
        Assert.Equal([3], await InsertAsync(3, """{"text":"after the refusal"}"""));
        Assert.Equal([4], await InsertAsync(4, """{"text":"and after that"}"""));
    }

    private static NpgsqlBatchCommand Insert(int id, string label)
    {
        var command = new NpgsqlBatchCommand("INSERT INTO items (id, label) VALUES (@id, @label) RETURNING id");
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("label", label);
        return command;
    }

    private static async Task<int> ReadIdAsync(NpgsqlDataReader reader) => await reader.ReadAsync() ? reader.GetInt32(0) : -1;

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
