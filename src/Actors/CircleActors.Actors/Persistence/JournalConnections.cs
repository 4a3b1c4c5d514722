using System.Data.Common;
using Akka.Actor.Setup;
using Akka.Persistence.Sql.Config;
using LinqToDB;
using LinqToDB.Data;

namespace CircleActors.Actors.Persistence;

/// <summary>
/// How the persistence plugins' connections are opened, where a file setting is not enough.
/// SQLite keeps some settings per connection only; the plugins take them through linq2db's
/// options, handed over per plugin id (the ids are set in <see cref="Hosting.AkkaConfig"/>).
/// </summary>
public static class JournalConnections
{
    public const string JournalPluginId = "akka.persistence.journal.sql";
    public const string ShardingJournalPluginId = "akka.persistence.journal.sharding";
    public const string ReadJournalPluginId = "akka.persistence.query.journal.sql";

    /// <summary>
    /// Run on every SQLite connection the journals open. A group commit is one multi-row INSERT
    /// that touches more pages than SQLite's 64 KiB in-memory statement journal holds, so each
    /// commit created, wrote and deleted a temporary file in /var/tmp; in memory it costs nothing.
    /// Reads go through a memory map of the file's first 256 MiB: a connection forgets its page
    /// cache whenever another one has written, which is all the time here, and then read every
    /// page again with a system call of its own (5,500 a second in the dispatch benchmark).
    /// </summary>
    public const string SqlitePragmas = "PRAGMA temp_store = MEMORY; PRAGMA mmap_size = 268435456";

    /// <summary>The options for the SQLite journals' plugins; none for PostgreSQL, which needs none.</summary>
    public static Setup? SetupFor(JournalSettings journal)
    {
        if (journal.Provider != JournalProvider.Sqlite) return null;
        var setup = new MultiDataOptionsSetup();
        setup.AddDataOptions(JournalPluginId, SqliteOptions(journal, journal.ConnectionString));
        setup.AddDataOptions(ShardingJournalPluginId, SqliteOptions(journal, journal.ShardingConnectionString));
        setup.AddDataOptions(ReadJournalPluginId, SqliteOptions(journal, journal.ConnectionString));
        return setup;
    }

    private static DataOptions SqliteOptions(JournalSettings journal, string connectionString) =>
        new DataOptions()
            .UseConnectionString(journal.Linq2DbProvider, connectionString)
            .UseAfterConnectionOpened(
                connection =>
                {
                    using var pragmas = Pragmas(connection);
                    pragmas.ExecuteNonQuery();
                },
                ApplySqlitePragmasAsync);

    /// <summary>Runs <see cref="SqlitePragmas"/> on a SQLite connection the journal opens itself (its row writer's).</summary>
    public static async Task ApplySqlitePragmasAsync(DbConnection connection, CancellationToken ct)
    {
        await using var pragmas = Pragmas(connection);
        await pragmas.ExecuteNonQueryAsync(ct);
    }

    private static DbCommand Pragmas(DbConnection connection)
    {
        var command = connection.CreateCommand();
        command.CommandText = SqlitePragmas;
        return command;
    }
}
