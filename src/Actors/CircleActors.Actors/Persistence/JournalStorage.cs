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
    /// sharding's journal file and the snapshot file. Then, on either database, moves an older
    /// journal's tags into its rows.
    /// </summary>
    public static async Task PrepareAsync(JournalSettings journal, CancellationToken ct = default)
    {
        if (journal.Provider == JournalProvider.Sqlite)
        {
            await EnableWalAsync(journal.ConnectionString, ct);
            await EnableWalAsync(journal.ShardingConnectionString, ct);
            await EnableWalAsync(journal.SnapshotConnectionString, ct);
        }
        await MoveTagsIntoTheJournalAsync(journal, ct);
    }

    /// <summary>
    /// Gives a journal written before tags were kept in the journal's own <c>tags</c> column (the
    /// plugin's tag table mode) that column, filled from the tag table, in one transaction. A new
    /// journal gets the column from the plugin. See docs/decisions/persistence-layout.md for why
    /// the tag table is no longer used.
    /// </summary>
    private static async Task MoveTagsIntoTheJournalAsync(JournalSettings journal, CancellationToken ct)
    {
        await using var connection = await OpenAsync(journal, ct);
        if (!await TableExistsAsync(connection, "journal", ct) || await ColumnExistsAsync(connection, "journal", "tags", ct)) return;
        var sqlite = journal.Provider == JournalProvider.Sqlite;
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var statements = new List<string>
        {
            // Concurrent starts of PostgreSQL services nodes: the first adds it, the others find it.
            sqlite ? "ALTER TABLE journal ADD COLUMN tags NVarChar(100) NULL" : "ALTER TABLE journal ADD COLUMN IF NOT EXISTS tags varchar(100) NULL",
        };
        // The plugin's own format: every tag between separators, ";job;".
        if (await TableExistsAsync(connection, "tags", ct))
            statements.Add(sqlite
                ? "UPDATE journal SET tags = (SELECT ';' || group_concat(t.tag, ';') || ';' FROM tags t WHERE t.ordering_id = journal.ordering) " +
                  "WHERE tags IS NULL AND ordering IN (SELECT ordering_id FROM tags)"
                : "UPDATE journal SET tags = ';' || t.tags || ';' FROM (SELECT ordering_id, string_agg(tag, ';' ORDER BY tag) AS tags FROM tags GROUP BY ordering_id) t " +
                  "WHERE journal.tags IS NULL AND journal.ordering = t.ordering_id");
        foreach (var statement in statements)
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = statement;
            await command.ExecuteNonQueryAsync(ct);
        }
        await transaction.CommitAsync(ct);
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
            "SELECT COUNT(*) FROM journal WHERE ordering > @offset AND tags LIKE @tag", ("tag", $"%;{tag};%"), ("offset", offset));
        // Before the plugin's first write its tables may not exist yet: nothing is behind then.
        if (!await TableExistsAsync(connection, "journal", ct)) return 0;
        return Convert.ToInt64(await command.ExecuteScalarAsync(ct));
    }

    /// <summary>Whether the table has the column, on either database (the read store's upgrades ask it too).</summary>
    public static async Task<bool> ColumnExistsAsync(DbConnection connection, string table, string column, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = connection is SqliteConnection
            ? $"SELECT COUNT(*) FROM pragma_table_info('{table}') WHERE name = '{column}'"
            : $"SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = '{table}' AND column_name = '{column}'";
        return Convert.ToInt64(await command.ExecuteScalarAsync(ct)) > 0;
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
