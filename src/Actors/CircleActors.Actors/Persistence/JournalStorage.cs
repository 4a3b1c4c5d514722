using Microsoft.Data.Sqlite;

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
}
