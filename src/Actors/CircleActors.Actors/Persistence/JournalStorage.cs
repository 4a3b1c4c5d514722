using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace CircleActors.Actors.Persistence;

/// <summary>What the journal's database needs before the actor system writes to it.</summary>
public static class JournalStorage
{
    /// <summary>
    /// Puts a SQLite journal in write-ahead-log mode (a setting the file keeps). In the default
    /// rollback mode every projection query blocks the journal's writers, and Microsoft.Data.Sqlite
    /// answers a busy database by sleeping 150 ms before it retries, so a persist that meets a
    /// read waits that long. With WAL, readers never block the writer. The same holds for
    /// sharding's journal file.
    /// </summary>
    public static async Task PrepareAsync(JournalSettings journal, CancellationToken ct = default)
    {
        if (journal.Provider != JournalProvider.Sqlite) return;
        await EnableWalAsync(journal.ConnectionString, ct);
        await EnableWalAsync(journal.ShardingConnectionString, ct);
    }

    private static async Task EnableWalAsync(string connectionString, CancellationToken ct)
    {
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode=WAL";
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>A connection to the journal's database, for checks and read-only queries beside the plugin.</summary>
    public static async Task<DbConnection> OpenAsync(JournalSettings journal, CancellationToken ct = default)
    {
        DbConnection connection = journal.Provider == JournalProvider.Sqlite
            ? new SqliteConnection(journal.ConnectionString)
            : new NpgsqlConnection(journal.ConnectionString);
        await connection.OpenAsync(ct);
        return connection;
    }

    /// <summary>
    /// Events of <paramref name="tag"/> journaled after <paramref name="offset"/> (an ordering
    /// number, as projections store it); 0 before the plugin has created its tables.
    /// </summary>
    public static async Task<long> EventsAfterAsync(DbConnection connection, string tag, long offset, CancellationToken ct = default)
    {
        await using var command = Projections.ReadStore.Command(connection, null,
            "SELECT COUNT(*) FROM tags WHERE tag = @tag AND ordering_id > @offset", ("tag", tag), ("offset", offset));
        // Before the plugin's first write its tables may not exist yet: nothing is behind then.
        if (!await TableExistsAsync(connection, "tags", ct)) return 0;
        return Convert.ToInt64(await command.ExecuteScalarAsync(ct));
    }

    private static async Task<bool> TableExistsAsync(DbConnection connection, string table, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = connection is SqliteConnection
            ? $"SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '{table}'"
            : $"SELECT COUNT(*) FROM information_schema.tables WHERE table_name = '{table}'";
        return Convert.ToInt64(await command.ExecuteScalarAsync(ct)) > 0;
    }
}
