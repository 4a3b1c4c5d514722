using Microsoft.Data.Sqlite;

namespace CircleActors.Actors.Persistence;

public enum JournalProvider { Sqlite, PostgreSql }

/// <summary>Where the event journal lives. The same code runs on both providers.</summary>
public sealed record JournalSettings(JournalProvider Provider, string ConnectionString)
{
    public static JournalSettings SqliteIn(string dataDirectory) =>
        new(JournalProvider.Sqlite, $"Data Source={Path.Combine(dataDirectory, "journal.db")};Pooling=true");

    /// <summary>
    /// Where sharding's own journal (remembered entities) lives. On SQLite that is a file of its
    /// own beside the journal: SQLite has one writer per file, and sharding's writes would
    /// otherwise queue behind (or collide with) every domain event.
    /// </summary>
    public string ShardingConnectionString => BesideTheJournal("sharding.db");

    /// <summary>
    /// Where the domain snapshot store lives: on SQLite a file of its own too. A workflow's snapshot
    /// is large (every job's status) and, written into the journal's file, it held the file's one
    /// write lock while the journal's writer waited 150 ms per retry behind it.
    /// </summary>
    public string SnapshotConnectionString => BesideTheJournal("snapshots.db");

    private string BesideTheJournal(string fileName) => Provider == JournalProvider.Sqlite
        ? new SqliteConnectionStringBuilder(ConnectionString)
        {
            DataSource = Path.Combine(Path.GetDirectoryName(new SqliteConnectionStringBuilder(ConnectionString).DataSource) ?? "", fileName),
        }.ToString()
        : ConnectionString;

    /// <summary>Concurrent write transactions of one journal: SQLite takes one writer at a time, so more only collide.</summary>
    public int WriteParallelism => Provider == JournalProvider.Sqlite ? 1 : 2;

    /// <summary>
    /// How the persistence plugins open their read transactions. Microsoft.Data.Sqlite begins
    /// any other level with <c>BEGIN IMMEDIATE</c>, which takes the file's write lock: every
    /// recovery and read-journal poll then queued behind (and collided with) the journal's
    /// writer, and each collision cost a 150 ms busy wait. <c>read-uncommitted</c> begins a
    /// deferred transaction instead, a plain snapshot read in WAL mode (uncommitted rows are only
    /// visible in shared-cache mode, which is not used). PostgreSQL keeps its default.
    /// </summary>
    public string ReadIsolationLevel => Provider == JournalProvider.Sqlite ? "read-uncommitted" : "unspecified";

    /// <summary>The linq2db provider name Akka.Persistence.Sql expects.</summary>
    public string Linq2DbProvider => Provider switch
    {
        JournalProvider.Sqlite => "SQLite.MS",
        JournalProvider.PostgreSql => "PostgreSQL",
        _ => throw new ArgumentOutOfRangeException(nameof(Provider)),
    };

    /// <summary>The settings a persistence plugin's configuration holds (<see cref="Linq2DbProvider"/> and the connection string) read back.</summary>
    public static JournalSettings OfPlugin(string linq2DbProvider, string connectionString) =>
        Enum.GetValues<JournalProvider>().Select(p => new JournalSettings(p, connectionString)).FirstOrDefault(j => j.Linq2DbProvider == linq2DbProvider)
        ?? throw new ArgumentException($"no journal provider has the linq2db name '{linq2DbProvider}'");

    public static JournalProvider ParseProvider(string name) => name.ToLowerInvariant() switch
    {
        "sqlite" => JournalProvider.Sqlite,
        "postgresql" or "postgres" => JournalProvider.PostgreSql,
        _ => throw new ArgumentException($"unknown journal '{name}': use sqlite or postgresql"),
    };
}
