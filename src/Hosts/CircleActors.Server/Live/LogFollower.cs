using System.Text;
using CircleActors.Actors.Blobs;
using CircleActors.Actors.Logs;
using CircleActors.Domain.Common;

namespace CircleActors.Server.Live;

/// <summary>
/// One client's view of one job's step logs: turns the byte stream of each step into
/// numbered lines with no line missing or repeated between the snapshot and the live stream.
/// <para>
/// It is registered for the job's output before the snapshot reads the job's log file, and buffers
/// what arrives meanwhile. The snapshot records each log's byte length; buffered and later
/// chunks are then cut by byte offset: a chunk wholly before that length was in the snapshot,
/// one that straddles it is trimmed, and one after a gap (chunks dropped from a full buffer)
/// first has the gap read back from the file. Thread-safe: chunks arrive on the log bridge's
/// thread, the snapshot on the hub's.
/// </para>
/// </summary>
public sealed class LogFollower(JobId job, BlobStore blobs, ClientOutbox outbox)
{
    /// <summary>The most lines of one step a snapshot sends; earlier lines are counted as skipped.</summary>
    public const int SnapshotLinesPerStep = 1000;

    /// <summary>Chunks kept while the snapshot is read; beyond this the oldest are dropped and read back from the file.</summary>
    private const int MaxBufferedChunks = 1000;

    private static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);

    private sealed class Cursor
    {
        public long Offset;
        public long NextLine = 1;
        public string Partial = "";
    }

    private readonly object _gate = new();
    private readonly Dictionary<(int Task, int Attempt, int Step), Cursor> _cursors = new();
    private Queue<LogProtocol.StepOutputWritten>? _buffered = new();

    public JobId Job { get; } = job;

    public void OnOutput(LogProtocol.StepOutputWritten chunk)
    {
        lock (_gate)
        {
            if (_buffered is { } buffered)
            {
                if (buffered.Count == MaxBufferedChunks) buffered.Dequeue();
                buffered.Enqueue(chunk);
                return;
            }
            Append(chunk);
        }
    }

    /// <summary>Sends every step log as it is now, then what arrived while reading it; from here on chunks go straight through.</summary>
    public void SendSnapshot()
    {
        lock (_gate)
        {
            foreach (var (log, bytes) in JobLogFile.ReadAll(blobs.JobLogPath(Job)).Where(s => s.Stream.StepIndex != LogProtocol.AgentLogStep))
            {
                var (text, length) = Readable(bytes);
                var cursor = new Cursor();
                _cursors[(log.TaskIndex, log.Attempt, log.StepIndex)] = cursor;
                var lines = Split(cursor, text, length);
                var skipped = Math.Max(0, lines.Count - SnapshotLinesPerStep);
                outbox.EnqueueLines(new LogLinesMessage(Job.ToString(), log.TaskIndex, log.Attempt, log.StepIndex, cursor.NextLine - lines.Count + skipped,
                    lines.Skip(skipped).ToList(), cursor.Partial, cursor.Offset, skipped));
            }
            var buffered = _buffered!;
            _buffered = null;
            foreach (var chunk in buffered) Append(chunk);
        }
    }

    private void Append(LogProtocol.StepOutputWritten chunk)
    {
        var key = (chunk.TaskIndex, chunk.Attempt, chunk.StepIndex);
        if (!_cursors.TryGetValue(key, out var cursor)) _cursors[key] = cursor = new Cursor();
        if (chunk.Offset > cursor.Offset)
        {
            var missing = JobLogFile.Read(blobs.JobLogPath(chunk.JobId), new JobLogFile.Stream(chunk.TaskIndex, chunk.Attempt, chunk.StepIndex),
                cursor.Offset, chunk.Offset - cursor.Offset);
            Send(key, cursor, Encoding.UTF8.GetString(missing), cursor.Offset + missing.Length);
        }
        var data = Encoding.UTF8.GetBytes(chunk.Data);
        var end = chunk.Offset + data.Length;
        if (end <= cursor.Offset || chunk.Offset > cursor.Offset) return;
        var skip = (int)(cursor.Offset - chunk.Offset);
        Send(key, cursor, skip == 0 ? chunk.Data : Encoding.UTF8.GetString(data, skip, data.Length - skip), end);
    }

    private void Send((int Task, int Attempt, int Step) key, Cursor cursor, string text, long end)
    {
        var partialBefore = cursor.Partial;
        var lines = Split(cursor, text, end);
        if (lines.Count == 0 && cursor.Partial == partialBefore) return;
        outbox.EnqueueLines(new LogLinesMessage(Job.ToString(), key.Task, key.Attempt, key.Step, cursor.NextLine - lines.Count, lines,
            cursor.Partial, cursor.Offset, 0));
    }

    /// <summary>Completes lines with <paramref name="text"/>; the unfinished rest stays in the cursor.</summary>
    private static List<string> Split(Cursor cursor, string text, long end)
    {
        var parts = (cursor.Partial + text).Split('\n');
        cursor.Partial = parts[^1];
        cursor.Offset = end;
        cursor.NextLine += parts.Length - 1;
        return parts[..^1].ToList();
    }

    /// <summary>
    /// The log's text and the byte length it covers. A read that raced a write can end inside a
    /// character: then it stops after the last whole line and the rest comes with the live chunk.
    /// </summary>
    private static (string Text, long Length) Readable(byte[] bytes)
    {
        try
        {
            return (StrictUtf8.GetString(bytes), bytes.Length);
        }
        catch (DecoderFallbackException)
        {
            var lastNewline = Array.LastIndexOf(bytes, (byte)'\n') + 1;
            return (Encoding.UTF8.GetString(bytes, 0, lastNewline), lastNewline);
        }
    }
}
