namespace CircleActors.Actors.Persistence;

public enum JournalProvider { Sqlite, PostgreSql }

/// <summary>Where the event journal lives. The same code runs on both providers.</summary>
public sealed record JournalSettings(JournalProvider Provider, string ConnectionString)
{
    public static JournalSettings SqliteIn(string dataDirectory) =>
        new(JournalProvider.Sqlite, $"Data Source={Path.Combine(dataDirectory, "journal.db")};Pooling=true");

    /// <summary>The linq2db provider name Akka.Persistence.Sql expects.</summary>
    public string Linq2DbProvider => Provider switch
    {
        JournalProvider.Sqlite => "SQLite.MS",
        JournalProvider.PostgreSql => "PostgreSQL",
        _ => throw new ArgumentOutOfRangeException(nameof(Provider)),
    };

    public static JournalProvider ParseProvider(string name) => name.ToLowerInvariant() switch
    {
        "sqlite" => JournalProvider.Sqlite,
        "postgresql" or "postgres" => JournalProvider.PostgreSql,
        _ => throw new ArgumentException($"unknown journal '{name}': use sqlite or postgresql"),
    };
}
