using System.Data.Common;
using CircleActors.Actors.Persistence;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace CircleActors.Actors.Projections;

/// <summary>
/// The query side: tables filled by projections of the journal, read by the API. One SQL
/// dialect serves SQLite and PostgreSQL (upserts with ON CONFLICT, text timestamps in ISO-8601
/// UTC so they sort). On SQLite the read tables sit in their own file so projection writes never
/// wait on journal writes.
/// </summary>
public sealed class ReadStore
{
    private readonly JournalSettings _settings;
    private readonly string _connectionString;
    // SQLite takes one writer at a time and Microsoft.Data.Sqlite meets a locked file by blocking
    // its thread for 150 ms per retry: projection streams wait their turn here instead, asynchronously.
    private readonly SemaphoreSlim _sqliteWriter = new(1, 1);

    public ReadStore(JournalSettings journal, string? dataDirectory)
    {
        _settings = journal;
        _connectionString = journal.Provider == JournalProvider.Sqlite
            ? new SqliteConnectionStringBuilder { DataSource = Path.Combine(dataDirectory!, "read.db"), Pooling = true, DefaultTimeout = 30 }.ToString()
            : journal.ConnectionString;
    }

    public async Task<DbConnection> OpenAsync(CancellationToken ct = default)
    {
        DbConnection connection = _settings.Provider == JournalProvider.Sqlite
            ? new SqliteConnection(_connectionString)
            : new NpgsqlConnection(_connectionString);
        await connection.OpenAsync(ct);
        return connection;
    }

    public async Task InitializeAsync(CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(ct);
        var statements = new List<string>();
        if (_settings.Provider == JournalProvider.Sqlite) statements.Add("PRAGMA journal_mode=WAL");
        statements.AddRange(
        [
            """
            CREATE TABLE IF NOT EXISTS read_documents (
              kind TEXT NOT NULL, id TEXT NOT NULL, project TEXT, number BIGINT, parent_id TEXT,
              status TEXT, document TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, last_offset BIGINT,
              PRIMARY KEY (kind, id))
            """,
            "CREATE INDEX IF NOT EXISTS read_documents_by_number ON read_documents (kind, project, number)",
            "CREATE INDEX IF NOT EXISTS read_documents_by_parent ON read_documents (kind, parent_id)",
            // Documents of deleted pipelines: kept (the journal still holds their events) but hidden from every read.
            "CREATE TABLE IF NOT EXISTS deleted_documents (kind TEXT NOT NULL, id TEXT NOT NULL, PRIMARY KEY (kind, id))",
            """
            CREATE TABLE IF NOT EXISTS audit_log (
              id TEXT PRIMARY KEY, version INTEGER NOT NULL, action TEXT NOT NULL, actor TEXT NOT NULL,
              target TEXT NOT NULL, payload TEXT NOT NULL, occurred_at TEXT NOT NULL, metadata TEXT NOT NULL,
              scope TEXT NOT NULL, success BOOLEAN NOT NULL, request TEXT NOT NULL)
            """,
            "CREATE INDEX IF NOT EXISTS audit_log_by_time ON audit_log (occurred_at)",
            "CREATE TABLE IF NOT EXISTS projection_offsets (projection TEXT PRIMARY KEY, last_offset BIGINT NOT NULL)",
        ]);
        statements.AddRange(TestResults.TestResultsReadModel.Schema);
        foreach (var sql in statements)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            await command.ExecuteNonQueryAsync(ct);
        }
        await AddColumnAsync(connection, "read_documents", "last_offset", "BIGINT", ct);
    }

    /// <summary>Adds a column that read stores made by an earlier version lack; existing rows get NULL.</summary>
    private static async Task AddColumnAsync(DbConnection connection, string table, string column, string type, CancellationToken ct)
    {
        if (await JournalStorage.ColumnExistsAsync(connection, table, column, ct)) return;
        // PostgreSQL services nodes may start together: the second finds the column there.
        await using var add = Command(connection, null, connection is SqliteConnection
            ? $"ALTER TABLE {table} ADD COLUMN {column} {type}"
            : $"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {column} {type}");
        await add.ExecuteNonQueryAsync(ct);
    }

    public async Task<long> GetOffsetAsync(string projection, CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(ct);
        await using var command = Command(connection, null, "SELECT last_offset FROM projection_offsets WHERE projection = @p", ("p", projection));
        return await command.ExecuteScalarAsync(ct) is { } value and not DBNull ? Convert.ToInt64(value) : 0;
    }

    /// <summary>Runs a batch of projection writes and stores the offset they reach, in one transaction.</summary>
    public Task InTransactionAsync(string projection, long offset, Func<DbConnection, DbTransaction, Task> work, CancellationToken ct = default) =>
        InTransactionAsync([projection], offset, work, ct);

    /// <summary>Runs a batch of writes of several projections and stores the offset each of them reaches, in one transaction.</summary>
    public async Task InTransactionAsync(IReadOnlyList<string> projections, long offset, Func<DbConnection, DbTransaction, Task> work, CancellationToken ct = default)
    {
        if (_settings.Provider != JournalProvider.Sqlite)
        {
            await WriteAsync(projections, offset, work, ct);
            return;
        }
        await _sqliteWriter.WaitAsync(ct);
        try
        {
            await WriteAsync(projections, offset, work, ct);
        }
        finally
        {
            _sqliteWriter.Release();
        }
    }

    private async Task WriteAsync(IReadOnlyList<string> projections, long offset, Func<DbConnection, DbTransaction, Task> work, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        if (_settings.Provider == JournalProvider.Sqlite)
        {
            // No fsync per projection commit: in WAL mode a power cut can then lose the last
            // commits but never corrupts the file, and a lost commit loses its offset with its
            // rows, so the batch is projected again from the journal (which keeps syncing each commit).
            // The journals' per-connection settings too: an upsert of a large document (a big
            // workflow's) spilled its statement journal into a temporary file for each batch.
            await using var relaxed = Command(connection, null, "PRAGMA synchronous = NORMAL; " + JournalConnections.SqlitePragmas);
            await relaxed.ExecuteNonQueryAsync(ct);
        }
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await work(connection, transaction);
        foreach (var projection in projections)
        {
            await using var command = Command(connection, transaction,
                "INSERT INTO projection_offsets (projection, last_offset) VALUES (@p, @o) ON CONFLICT (projection) DO UPDATE SET last_offset = excluded.last_offset",
                ("p", projection), ("o", offset));
            await command.ExecuteNonQueryAsync(ct);
        }
        await transaction.CommitAsync(ct);
    }

    public static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            // Prefixed: Microsoft.Data.Sqlite looks a bare name up under each prefix in turn, building
            // three strings and three UTF-8 copies per parameter per execution.
            parameter.ParameterName = "@" + name;
            parameter.Value = value ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }
        return command;
    }
}
