using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Data;
using System.Data.Common;
using Akka.Persistence;
using Akka.Persistence.Journal;
using AkkaSerialization = Akka.Serialization.Serialization;

namespace CircleActors.Actors.Persistence;

/// <summary>
/// Writes a group commit's events into the plugin's journal table, in the plugin's row format,
/// with one statement prepared once per connection: bound and run once per row on SQLite (no
/// round trip to save there), sent as one batch on PostgreSQL. Recovery, queries and the
/// projections still read the rows through the plugin.
/// </summary>
/// <remarks>
/// Through the plugin, each batch became a multi-row INSERT whose values linq2db wrote into the
/// SQL text as hex literals: building that text was 4 % of the dispatch benchmark's CPU, it was a
/// large-object-heap string per batch, and SQLite parsed it again every time
/// (docs/performance.md). Binding the same rows through linq2db's parameters was slower still.
/// A row is what the plugin writes in its CSV tag mode: tags between separators (";job;"), the
/// payload's serializer id and string manifest, the write's time in ticks, this journal's writer id.
/// </remarks>
public sealed class JournalRowWriter(JournalSettings journal, string table, AkkaSerialization serialization) : IAsyncDisposable
{
    private const string TagSeparator = ";";

    // Each column with its value, in the order of the prepared statement's parameters (@p0, @p1, …).
    private static readonly (string Name, Func<Row, string, object> Value)[] Columns =
    [
        ("created", (row, _) => row.Created),
        ("deleted", (_, _) => false),
        ("persistence_id", (row, _) => row.PersistenceId),
        ("sequence_number", (row, _) => row.SequenceNr),
        ("message", (row, _) => row.Message),
        ("tags", (row, _) => row.Tags),
        ("manifest", (row, _) => row.Manifest),
        ("identifier", (row, _) => row.Identifier),
        ("writer_uuid", (_, writerUuid) => writerUuid),
    ];

    private readonly string _insert =
        $"INSERT INTO {table} ({string.Join(", ", Columns.Select(c => c.Name))}) VALUES ({string.Join(", ", Columns.Select((_, i) => "@p" + i))})";

    // Replays filter events by writer: one id per journal incarnation, as the plugin does.
    private readonly string _writerUuid = Guid.NewGuid().ToString("N");

    // Open connections with their prepared statement, one per write in flight; a connection whose
    // write failed is closed instead of coming back, and the next write opens a fresh one.
    private readonly ConcurrentBag<Session> _idle = [];

    /// <summary>One serialized event, as the journal table holds it.</summary>
    public sealed record Row(string PersistenceId, long SequenceNr, long Created, string Tags, byte[] Message, string Manifest, int Identifier);

    /// <summary>
    /// The rows of each write, or the reason it cannot be stored (its payload does not serialize):
    /// such a write is rejected alone, and the others go ahead. Rejections are listed per write,
    /// null for a write that goes ahead (Akka's convention); none at all when every write goes ahead.
    /// </summary>
    public (IReadOnlyList<Row> Rows, IImmutableList<Exception>? Rejections) Serialize(IReadOnlyList<AtomicWrite> writes)
    {
        var created = DateTime.UtcNow.Ticks;
        var rows = new List<Row>();
        Exception?[]? rejections = null;
        for (var i = 0; i < writes.Count; i++)
        {
            var events = (IImmutableList<IPersistentRepresentation>)writes[i].Payload;
            var first = rows.Count;
            try
            {
                foreach (var @event in events) rows.Add(RowOf(@event, created));
            }
            catch (Exception ex)
            {
                rows.RemoveRange(first, rows.Count - first);
                rejections ??= new Exception?[writes.Count];
                rejections[i] = ex;
            }
        }
        return (rows, rejections?.Select(rejection => rejection!).ToImmutableList());
    }

    private Row RowOf(IPersistentRepresentation @event, long created)
    {
        var (payload, tags) = @event.Payload is Tagged tagged ? (tagged.Payload, tagged.Tags) : (@event.Payload, ImmutableHashSet<string>.Empty);
        var serializer = serialization.FindSerializerFor(payload);
        // Within the transport, as the plugin serializes: an actor reference in a payload keeps its full address.
        var message = AkkaSerialization.WithTransport(serialization.System, () => serializer.ToBinary(payload));
        return new Row(@event.PersistenceId, @event.SequenceNr, @event.Timestamp == 0 ? created : @event.Timestamp,
            tags.Count == 0 ? "" : TagSeparator + string.Join(TagSeparator, tags) + TagSeparator,
            message, AkkaSerialization.ManifestFor(serializer, payload), serializer.Identifier);
    }

    /// <summary>Inserts the rows in one transaction; they are durable when the task completes.</summary>
    public async Task WriteAsync(IReadOnlyList<Row> rows, CancellationToken ct = default)
    {
        if (rows.Count == 0) return;
        var session = _idle.TryTake(out var idle) ? idle : await Session.OpenAsync(journal, _insert, Columns.Length, ct);
        try
        {
            await session.InsertAsync(rows, _writerUuid, ct);
            _idle.Add(session);
        }
        catch
        {
            await session.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        while (_idle.TryTake(out var session)) await session.DisposeAsync();
    }

    /// <summary>A connection and its insert statement, prepared once.</summary>
    private sealed class Session(DbConnection connection, DbCommand insert) : IAsyncDisposable
    {
        public static async Task<Session> OpenAsync(JournalSettings journal, string sql, int parameters, CancellationToken ct)
        {
            var connection = await JournalStorage.OpenAsync(journal, ct);
            try
            {
                if (journal.Provider == JournalProvider.Sqlite) await JournalConnections.ApplySqlitePragmasAsync(connection, ct);
                var insert = connection.CreateCommand();
                insert.CommandText = sql;
                for (var i = 0; i < parameters; i++)
                {
                    var parameter = insert.CreateParameter();
                    parameter.ParameterName = "@p" + i;
                    insert.Parameters.Add(parameter);
                }
                return new Session(connection, insert);
            }
            catch
            {
                await connection.DisposeAsync();
                throw;
            }
        }

        public async Task InsertAsync(IReadOnlyList<Row> rows, string writerUuid, CancellationToken ct)
        {
            await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct);
            if (connection.CanCreateBatch) await InsertAsBatchAsync(transaction, rows, writerUuid, ct);
            else
            {
                insert.Transaction = transaction;
                foreach (var row in rows)
                {
                    Bind(insert.Parameters, row, writerUuid);
                    await insert.ExecuteNonQueryAsync(ct);
                }
            }
            await transaction.CommitAsync(ct);
        }

        /// <summary>Every row in one round trip, where the provider can batch statements (PostgreSQL).</summary>
        private async Task InsertAsBatchAsync(DbTransaction transaction, IReadOnlyList<Row> rows, string writerUuid, CancellationToken ct)
        {
            await using var batch = connection.CreateBatch();
            batch.Transaction = transaction;
            foreach (var row in rows)
            {
                var command = batch.CreateBatchCommand();
                command.CommandText = insert.CommandText;
                for (var i = 0; i < insert.Parameters.Count; i++)
                {
                    var parameter = command.CreateParameter();
                    parameter.ParameterName = insert.Parameters[i].ParameterName;
                    command.Parameters.Add(parameter);
                }
                Bind(command.Parameters, row, writerUuid);
                batch.BatchCommands.Add(command);
            }
            await batch.ExecuteNonQueryAsync(ct);
        }

        private static void Bind(DbParameterCollection parameters, Row row, string writerUuid)
        {
            for (var i = 0; i < Columns.Length; i++) parameters[i].Value = Columns[i].Value(row, writerUuid);
        }

        public async ValueTask DisposeAsync()
        {
            await insert.DisposeAsync();
            await connection.DisposeAsync();
        }
    }
}
