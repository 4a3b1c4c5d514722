using Microsoft.AspNetCore.SignalR;

namespace CircleActors.Server.Live;

/// <summary>
/// What waits to be sent to one hub connection. Producers (the projector's and the job logs'
/// notifications) only ever append here and return; one pump per connection sends, as fast as
/// that client reads. The queue is bounded: a view replaces the queued view of the same topic,
/// and past <see cref="MaxQueuedLines"/> log lines the oldest queued lines are dropped and counted
/// in the message that follows them (<see cref="LogLinesMessage.Skipped"/>), so a slow client
/// costs at most its own buffer and never slows the producers or other clients.
/// </summary>
public sealed class ClientOutbox : IAsyncDisposable
{
    public const string SnapshotMethod = "snapshot";
    public const string ChangedMethod = "changed";
    public const string LogMethod = "log";

    private sealed class Entry(string method, object payload)
    {
        public string Method { get; } = method;
        public object Payload { get; set; } = payload;
    }

    private readonly IClientProxy _client;
    private readonly LinkedList<Entry> _queue = new();
    private readonly SemaphoreSlim _ready = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _pump;
    private int _queuedLines;

    public ClientOutbox(IClientProxy client, int maxQueuedLines)
    {
        _client = client;
        MaxQueuedLines = maxQueuedLines;
        _pump = Task.Run(PumpAsync);
    }

    public int MaxQueuedLines { get; }

    /// <summary>Log lines dropped so far because this client fell behind.</summary>
    public long DroppedLines { get; private set; }

    public void EnqueueView(string method, ViewMessage view)
    {
        lock (_queue)
        {
            // A queued, unsent change of the same topic is stale: it goes, and the newer view queues
            // behind the log lines already waiting (a job shown finished has shown all its output).
            if (method == ChangedMethod)
                for (var node = _queue.First; node is not null; node = node.Next)
                    if (node.Value is { Method: ChangedMethod, Payload: ViewMessage queued } && queued.Kind == view.Kind && queued.Id == view.Id)
                    {
                        _queue.Remove(node);
                        break;
                    }
            _queue.AddLast(new Entry(method, view));
        }
        _ready.Release();
    }

    public void EnqueueLines(LogLinesMessage lines)
    {
        lock (_queue)
        {
            if (_queue.Last?.Value is { Method: LogMethod, Payload: LogLinesMessage last } tail && Continues(last, lines))
                tail.Payload = last with { Lines = [.. last.Lines, .. lines.Lines], Partial = lines.Partial, EndOffset = lines.EndOffset };
            else
                _queue.AddLast(new Entry(LogMethod, lines));
            _queuedLines += lines.Lines.Count;
            DropOldestLines();
        }
        _ready.Release();
    }

    private static bool Continues(LogLinesMessage last, LogLinesMessage next) =>
        next.Skipped == 0 && last.JobId == next.JobId && last.Task == next.Task && last.Attempt == next.Attempt && last.Step == next.Step &&
        last.FirstLine + last.Lines.Count == next.FirstLine;

    private void DropOldestLines()
    {
        for (var node = _queue.First; node is not null && _queuedLines > MaxQueuedLines; node = node.Next)
        {
            if (node.Value.Payload is not LogLinesMessage { Lines.Count: > 0 } oldest) continue;
            var drop = Math.Min(oldest.Lines.Count, _queuedLines - MaxQueuedLines);
            node.Value.Payload = oldest with { FirstLine = oldest.FirstLine + drop, Lines = oldest.Lines.Skip(drop).ToList(), Skipped = oldest.Skipped + drop };
            _queuedLines -= drop;
            DroppedLines += drop;
        }
    }

    private async Task PumpAsync()
    {
        try
        {
            while (true)
            {
                await _ready.WaitAsync(_stop.Token);
                Entry? entry;
                lock (_queue)
                {
                    entry = _queue.First?.Value;
                    if (entry is null) continue;
                    _queue.RemoveFirst();
                    if (entry.Payload is LogLinesMessage lines) _queuedLines -= lines.Lines.Count;
                }
                // Waits while the connection's transport buffer is full: that wait is what fills this queue.
                await _client.SendAsync(entry.Method, entry.Payload, _stop.Token);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (Exception)
        {
            // The connection is gone; the hub's disconnect removes this outbox.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _pump;
        _stop.Dispose();
    }
}
