using CircleActors.Actors.Persistence;
using Microsoft.Data.Sqlite;
using Npgsql;
using System.Data.Common;

namespace CircleActors.Actors.Tests.Support;

/// <summary>
/// A journal of its own for one spec: a SQLite file in a temporary data directory, or a fresh
/// PostgreSQL database that is dropped afterwards. The data directory (mirrors, blobs, SQLite's
/// read store) exists for both providers. Outlives the nodes started on it, so a spec can restart.
/// </summary>
public sealed class TestJournal : IAsyncDisposable
{
    /// <summary>Theory data: every provider the journal runs on.</summary>
    public static TheoryData<string> Providers => new() { "sqlite", "postgresql" };

    private readonly string? _database;

    private TestJournal(JournalSettings settings, string dataDirectory, string? database)
    {
        Settings = settings;
        DataDirectory = dataDirectory;
        _database = database;
    }

    public JournalSettings Settings { get; }

    /// <summary>The text type to cast to in a spec's query, on this journal's database.</summary>
    public string TextType => Settings.Provider == JournalProvider.Sqlite ? "TEXT" : "varchar";

    public string DataDirectory { get; }

    public static async Task<TestJournal> CreateAsync(string provider)
    {
        var directory = Directory.CreateTempSubdirectory("circleactors-journal-").FullName;
        switch (JournalSettings.ParseProvider(provider))
        {
            case JournalProvider.Sqlite:
                return new TestJournal(JournalSettings.SqliteIn(directory), directory, null);
            default:
                var database = "ca_test_" + Guid.NewGuid().ToString("N");
                var connection = await PostgresServer.CreateDatabaseAsync(database);
                return new TestJournal(new JournalSettings(JournalProvider.PostgreSql, connection), directory, database);
        }
    }

    /// <summary>
    /// A connection to the journal's own database (not the read store), for looking at its
    /// tables; with <paramref name="sharding"/>, to where sharding's journal lives (on SQLite a
    /// file of its own).
    /// </summary>
    public async Task<DbConnection> OpenAsync(bool sharding = false)
    {
        var connectionString = sharding ? Settings.ShardingConnectionString : Settings.ConnectionString;
        DbConnection connection = Settings.Provider == JournalProvider.Sqlite
            ? new SqliteConnection(connectionString)
            : new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        return connection;
    }

    public async Task<IReadOnlyList<string>> TableNamesAsync(bool sharding = false)
    {
        var sql = Settings.Provider == JournalProvider.Sqlite
            ? "SELECT name FROM sqlite_master WHERE type = 'table'"
            : "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'";
        return await QueryStringsAsync(sql, sharding);
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var connection = await OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    public async Task<IReadOnlyList<string>> QueryStringsAsync(string sql, bool sharding = false)
    {
        await using var connection = await OpenAsync(sharding);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<string>();
        while (await reader.ReadAsync()) values.Add(reader.GetString(0));
        return values;
    }

    public async ValueTask DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        if (_database is not null) await PostgresServer.DropDatabaseAsync(_database);
        try { Directory.Delete(DataDirectory, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
