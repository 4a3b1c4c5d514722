using System.Data.Common;

namespace CircleActors.Actors.Persistence;

/// <summary>
/// Reads recovering entities' highest sequence numbers from the journal table in batches: the
/// reads asked for while one is in flight go to the database together, as one query, as soon as
/// it ends. Safe to call from any thread.
/// </summary>
/// <remarks>
/// Every job is a new entity, and its recovery asks the journal for its highest sequence number
/// before it may write. Through the plugin each ask was a transaction around a linq2db query,
/// about a tenth of the dispatch benchmark's CPU (docs/performance.md); a burst of jobs now
/// costs a few queries. The answer is the plugin's: the largest sequence number above
/// <c>fromSequenceNr</c> the entity has in the table, else 0. Rows are never deleted here, so the
/// plugin's deletion bookkeeping has nothing to add.
/// </remarks>
public sealed class HighestSequenceNrReads(JournalSettings journal, string table)
{
    /// <summary>Persistence ids per query: far below either database's limit on parameters.</summary>
    private const int MaxBatch = 500;

    private readonly Lock _lock = new();
    private List<Read> _asked = [];
    private bool _reading;
    private long _queries;

    private sealed record Read(string PersistenceId, long FromSequenceNr, TaskCompletionSource<long> Done);

    /// <summary>How many queries have answered reads so far, for specs that check the batching.</summary>
    public long Queries => Interlocked.Read(ref _queries);

    public Task<long> ReadAsync(string persistenceId, long fromSequenceNr, CancellationToken ct = default)
    {
        var read = new Read(persistenceId, fromSequenceNr, new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously));
        bool start;
        lock (_lock)
        {
            _asked.Add(read);
            start = !_reading;
            _reading = true;
        }
        if (start) _ = Task.Run(ReadAskedAsync);
        return read.Done.Task.WaitAsync(ct);
    }

    private async Task ReadAskedAsync()
    {
        while (true)
        {
            List<Read> batch;
            lock (_lock)
            {
                if (_asked.Count == 0)
                {
                    _reading = false;
                    return;
                }
                batch = _asked.Count <= MaxBatch ? _asked : _asked[..MaxBatch];
                _asked = _asked.Count <= MaxBatch ? [] : _asked[MaxBatch..];
            }
            try
            {
                var highest = await QueryAsync(batch.Select(r => r.PersistenceId).Distinct().ToList());
                foreach (var read in batch)
                {
                    var max = highest.GetValueOrDefault(read.PersistenceId);
                    read.Done.TrySetResult(max > read.FromSequenceNr ? max : 0);
                }
            }
            catch (Exception ex)
            {
                foreach (var read in batch) read.Done.TrySetException(ex);
            }
        }
    }

    private async Task<Dictionary<string, long>> QueryAsync(IReadOnlyList<string> persistenceIds)
    {
        Interlocked.Increment(ref _queries);
        await using var connection = await JournalStorage.OpenAsync(journal);
        var names = persistenceIds.Select((_, i) => $"@p{i}");
        await using var command = Projections.ReadStore.Command(connection, null,
            $"SELECT persistence_id, MAX(sequence_number) FROM {table} WHERE persistence_id IN ({string.Join(", ", names)}) GROUP BY persistence_id",
            persistenceIds.Select((id, i) => ($"p{i}", (object?)id)).ToArray());
        var highest = new Dictionary<string, long>(persistenceIds.Count);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) highest[reader.GetString(0)] = reader.GetInt64(1);
        return highest;
    }
}
