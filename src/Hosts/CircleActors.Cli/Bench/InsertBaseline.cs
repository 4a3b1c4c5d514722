using System.Data.Common;
using System.Diagnostics;
using CircleActors.Actors.Persistence;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace CircleActors.Cli.Bench;

/// <summary>
/// What the database itself manages, measured in the same run as the benchmark it is compared
/// with: plain INSERTs of journal-sized rows, committed in transactions of a fixed size, through
/// the same ADO.NET provider and connection string the journal uses. A scratch table is made
/// for it and dropped afterwards.
/// </summary>
public static class InsertBaseline
{
    public sealed record Result(int Rows, int BatchSize, int PayloadBytes, TimeSpan Elapsed)
    {
        public double RowsPerSecond => Rows / Elapsed.TotalSeconds;
    }

    public static async Task<Result> MeasureAsync(JournalSettings journal, int rows, int batchSize, int payloadBytes, CancellationToken ct)
    {
        var table = "bench_baseline_" + Guid.NewGuid().ToString("N")[..12];
        await using var connection = await OpenAsync(journal, ct);
        await ExecuteAsync(connection, null, $"CREATE TABLE {table} (persistence_id TEXT NOT NULL, sequence_nr BIGINT NOT NULL, payload TEXT NOT NULL, PRIMARY KEY (persistence_id, sequence_nr))", ct);
        try
        {
            var payload = new string('x', payloadBytes);
            var stopwatch = Stopwatch.StartNew();
            for (var written = 0; written < rows;)
            {
                await using var transaction = await connection.BeginTransactionAsync(ct);
                await using var insert = connection.CreateCommand();
                insert.Transaction = transaction;
                insert.CommandText = $"INSERT INTO {table} (persistence_id, sequence_nr, payload) VALUES (@p, @s, @d)";
                var id = Parameter(insert, "p");
                var sequence = Parameter(insert, "s");
                Parameter(insert, "d").Value = payload;
                for (var i = 0; i < batchSize && written < rows; i++, written++)
                {
                    // Ten rows per id, as ten events of one entity would be.
                    id.Value = "bench-" + written / 10;
                    sequence.Value = (long)(written % 10 + 1);
                    await insert.ExecuteNonQueryAsync(ct);
                }
                await transaction.CommitAsync(ct);
            }
            return new Result(rows, batchSize, payloadBytes, stopwatch.Elapsed);
        }
        finally
        {
            await ExecuteAsync(connection, null, $"DROP TABLE {table}", CancellationToken.None);
        }
    }

    public static async Task<DbConnection> OpenAsync(JournalSettings journal, CancellationToken ct)
    {
        DbConnection connection = journal.Provider == JournalProvider.Sqlite
            ? new SqliteConnection(journal.ConnectionString)
            : new NpgsqlConnection(journal.ConnectionString);
        await connection.OpenAsync(ct);
        return connection;
    }

    /// <summary>The server's version as the provider reports it (SQLite's library, PostgreSQL's server).</summary>
    public static async Task<string> ServerVersionAsync(JournalSettings journal, CancellationToken ct)
    {
        await using var connection = await OpenAsync(journal, ct);
        await using var command = connection.CreateCommand();
        command.CommandText = journal.Provider == JournalProvider.Sqlite ? "SELECT sqlite_version()" : "SHOW server_version";
        return $"{(journal.Provider == JournalProvider.Sqlite ? "SQLite" : "PostgreSQL")} {await command.ExecuteScalarAsync(ct)}";
    }

    private static DbParameter Parameter(DbCommand command, string name)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = "@" + name; // a bare name costs a lookup under each prefix
        command.Parameters.Add(parameter);
        return parameter;
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(ct);
    }
}
