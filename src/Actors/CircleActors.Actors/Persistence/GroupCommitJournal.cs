using System.Collections.Immutable;
using Akka.Actor;
using Akka.Configuration;
using Akka.Event;
using Akka.Persistence;
using Akka.Persistence.Sql.Journal;

namespace CircleActors.Actors.Persistence;

/// <summary>
/// The SQL journal with group commit: the writes of every entity that persisted while a write
/// was in flight go to the database together, as one batch in one transaction, as soon as it
/// ends. Each persisting entity is still answered only once its own events are committed.
/// Recovering entities' highest sequence numbers are read in batches the same way
/// (<see cref="HighestSequenceNrReads"/>).
/// </summary>
/// <remarks>
/// Akka.Persistence.Sql hands each entity's write to its write stream separately, and under
/// load those writes reached the database two or three rows at a time: with 500 jobs running,
/// each persist waited about 300 ms in line (docs/performance.md). Writes that arrive while the
/// journal's writers are busy now wait here and leave as one; at most
/// <c>parallelism</c> batches are in flight at once, the plugin's own setting.
/// </remarks>
public sealed class GroupCommitJournal : SqlWriteJournal
{
    private readonly int _maxBatchesInFlight;
    private List<Waiting> _waiting = new();
    private int _batchesInFlight;
    // Entities with events not yet committed, and the write that commits their last ones: a
    // recovering entity reads its highest sequence number only after them.
    private readonly Dictionary<string, Task> _uncommitted = new();
    private readonly HighestSequenceNrReads _highest;
    // Null when tags go to the plugin's tag table (only specs that recreate an older journal):
    // the writer knows only the tags-in-the-row layout, so the plugin writes those rows.
    private readonly JournalRowWriter? _rows;
    private readonly ILoggingAdapter _log;

    public GroupCommitJournal(Config config) : base(config)
    {
        _maxBatchesInFlight = Math.Max(1, config.GetInt("parallelism", 1));
        _log = Context.GetLogger();
        var journal = JournalSettings.OfPlugin(config.GetString("provider-name"), config.GetString("connection-string"));
        var table = config.GetString("default.journal.table-name", "journal");
        _highest = new HighestSequenceNrReads(journal, table);
        // The plugin's own default is the tag table (sharding's journal keeps it: its rows have no tags).
        if (config.GetString("tag-write-mode", "TagTable").Equals("Csv", StringComparison.OrdinalIgnoreCase))
            _rows = new JournalRowWriter(journal, table, Context.System.Serialization);
    }

    /// <summary>One entity's write, answered when the batch that carried it is committed.</summary>
    private sealed record Waiting(IReadOnlyList<AtomicWrite> Writes, TaskCompletionSource<IImmutableList<Exception>?> Done);

    private sealed record BatchWritten(IReadOnlyList<Waiting> Batch, Task<IImmutableList<Exception>?> Written);

    protected override Task<IImmutableList<Exception>> WriteMessagesAsync(IEnumerable<AtomicWrite> messages, CancellationToken cancellationToken)
    {
        var writes = messages.ToList();
        // Nothing to store (a batch of deferred replies only): the plugin would fail on it.
        if (writes.Count == 0) return Task.FromResult<IImmutableList<Exception>>(null!);
        var waiting = new Waiting(writes, new TaskCompletionSource<IImmutableList<Exception>?>(TaskCreationOptions.RunContinuationsAsynchronously));
        _waiting.Add(waiting);
        foreach (var write in waiting.Writes) _uncommitted[write.PersistenceId] = waiting.Done.Task;
        if (_batchesInFlight < _maxBatchesInFlight) WriteWaiting();
        return waiting.Done.Task!;
    }

    private void WriteWaiting()
    {
        var batch = _waiting;
        _waiting = new List<Waiting>();
        _batchesInFlight++;
        var self = Self;
        // A batch is not canceled with one of its writes: the others are still wanted.
        WriteAsync(batch.SelectMany(w => w.Writes).ToList())
            .ContinueWith(written => self.Tell(new BatchWritten(batch, written)), TaskContinuationOptions.ExecuteSynchronously);
    }

    /// <summary>
    /// Serializes here, on the journal's thread, as the plugin does; writes on the thread pool
    /// (SQLite's "asynchronous" calls run to the end on the calling thread).
    /// </summary>
    private async Task<IImmutableList<Exception>?> WriteAsync(IReadOnlyList<AtomicWrite> writes)
    {
        if (_rows is null) return await base.WriteMessagesAsync(writes, CancellationToken.None);
        var (rows, rejections) = _rows.Serialize(writes);
        await Task.Run(() => _rows.WriteAsync(rows));
        return rejections;
    }

    protected override void PostStop()
    {
        base.PostStop();
        _rows?.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(5));
    }

    protected override bool ReceivePluginInternal(object message)
    {
        if (message is not BatchWritten written) return base.ReceivePluginInternal(message);
        _batchesInFlight--;
        Answer(written);
        if (_waiting.Count > 0) WriteWaiting();
        return true;
    }

    /// <summary>The batch's outcome to each of its writes: a failure to all, or each write's own rejection (or none).</summary>
    private void Answer(BatchWritten written)
    {
        var offset = 0;
        foreach (var waiting in written.Batch)
        {
            if (written.Written.Exception is { } failed) waiting.Done.TrySetException(failed.InnerExceptions);
            else if (written.Written.IsCanceled) waiting.Done.TrySetCanceled();
            else waiting.Done.TrySetResult(written.Written.Result is { Count: > 0 } rejections
                ? rejections.Skip(offset).Take(waiting.Writes.Count).ToImmutableList()
                : null);
            offset += waiting.Writes.Count;
            foreach (var write in waiting.Writes)
                if (_uncommitted.TryGetValue(write.PersistenceId, out var last) && last == waiting.Done.Task)
                    _uncommitted.Remove(write.PersistenceId);
        }
    }

    public override async Task<long> ReadHighestSequenceNrAsync(string persistenceId, long fromSequenceNr, CancellationToken cancellationToken)
    {
        if (_uncommitted.TryGetValue(persistenceId, out var last))
            await last.ContinueWith(_ => { }, TaskScheduler.Default);
        try
        {
            return await _highest.ReadAsync(persistenceId, fromSequenceNr, cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            _log.Warning("Reading the highest sequence number of {0} in a batch failed ({1}); reading it alone", persistenceId, ex.Message);
            // Before the plugin has created its tables, or with the database away: the plugin's own
            // read creates them, or fails the way the circuit breaker counts.
            return await base.ReadHighestSequenceNrAsync(persistenceId, fromSequenceNr, cancellationToken);
        }
    }
}
