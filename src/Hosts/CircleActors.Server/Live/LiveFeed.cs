using System.Collections.Concurrent;
using System.Text.Json;
using CircleActors.Actors.Blobs;
using CircleActors.Actors.Logs;
using CircleActors.Domain.Common;
using Microsoft.AspNetCore.SignalR;

namespace CircleActors.Server.Live;

/// <summary>
/// Who watches what on <c>/hubs/events</c>, and the one loop that turns projected events into
/// view updates for them.
/// <para>
/// Views: a subscription is registered first, then its snapshot is read by the same loop that
/// reads every later change, so a change committed before the snapshot's read is in it and one
/// committed after reaches the loop afterwards; a view equal to the last one the client got is
/// not sent again. Step output: see <see cref="LogFollower"/>. All sends go through each
/// connection's bounded <see cref="ClientOutbox"/>.
/// </para>
/// </summary>
public sealed class LiveFeed : IAsyncDisposable
{
    /// <summary>Log lines one connection may have waiting before the oldest are dropped.</summary>
    public const int MaxQueuedLinesPerClient = 5000;

    private sealed class Subscription
    {
        public bool Ready;
        public string? LastSent;
    }

    private sealed class Connection(ClientOutbox outbox)
    {
        public ClientOutbox Outbox { get; } = outbox;
        public ConcurrentDictionary<Topic, Subscription> Topics { get; } = new();
        public ConcurrentDictionary<JobId, LogFollower> Logs { get; } = new();
    }

    private readonly IHubContext<EventsHub> _hub;
    private readonly LiveViews _views;
    private readonly BlobStore _blobs;
    private readonly ILogger<LiveFeed> _log;
    private readonly ConcurrentDictionary<string, Connection> _connections = new();
    private readonly ConcurrentDictionary<JobId, ConcurrentDictionary<string, LogFollower>> _followers = new();
    // Work for the loop. Each is a set, so it is bounded by what exists, however fast events come.
    private readonly ConcurrentDictionary<Topic, byte> _changedDocuments = new();
    private readonly ConcurrentQueue<(Connection Connection, Topic Topic, TaskCompletionSource Done)> _snapshots = new();
    private readonly SemaphoreSlim _work = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public LiveFeed(IHubContext<EventsHub> hub, LiveViews views, BlobStore blobs, ILogger<LiveFeed> log)
    {
        _hub = hub;
        _views = views;
        _blobs = blobs;
        _log = log;
        _loop = Task.Run(LoopAsync);
    }

    private static readonly JsonSerializerOptions ViewJson = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public int ConnectionCount => _connections.Count;

    public void Connect(string connectionId) =>
        _connections.TryAdd(connectionId, new Connection(new ClientOutbox(_hub.Clients.Client(connectionId), MaxQueuedLinesPerClient)));

    public async Task DisconnectAsync(string connectionId)
    {
        if (!_connections.TryRemove(connectionId, out var connection)) return;
        foreach (var job in connection.Logs.Keys) RemoveFollower(job, connectionId);
        await connection.Outbox.DisposeAsync();
    }

    /// <summary>Returns once the snapshot is queued for the client, ahead of any change to it.</summary>
    public async Task SubscribeAsync(string connectionId, Topic topic)
    {
        if (!_connections.TryGetValue(connectionId, out var connection)) throw new HubException("not connected");
        if (!connection.Topics.TryAdd(topic, new Subscription())) return;
        LogFollower? follower = null;
        if (topic.Kind == Topic.Job)
        {
            // Registered before anything is read, so output written from here on reaches it.
            var job = new JobId(Guid.Parse(topic.Id));
            follower = new LogFollower(job, _blobs, connection.Outbox);
            connection.Logs[job] = follower;
            _followers.GetOrAdd(job, _ => new()).TryAdd(connectionId, follower);
        }
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _snapshots.Enqueue((connection, topic, done));
        _work.Release();
        await done.Task;
        // After the job's view, so a client knows the steps' names before their output.
        follower?.SendSnapshot();
    }

    public void Unsubscribe(string connectionId, Topic topic)
    {
        if (!_connections.TryGetValue(connectionId, out var connection) || !connection.Topics.TryRemove(topic, out _)) return;
        if (topic.Kind == Topic.Job) RemoveFollower(new JobId(Guid.Parse(topic.Id)), connectionId);
    }

    private void RemoveFollower(JobId job, string connectionId)
    {
        if (_connections.TryGetValue(connectionId, out var connection)) connection.Logs.TryRemove(job, out _);
        if (_followers.TryGetValue(job, out var followers) && followers.TryRemove(connectionId, out _) && followers.IsEmpty)
            _followers.TryRemove(job, out _);
    }

    /// <summary>From the log bridge: a chunk is in its file. Never blocks: followers only queue.</summary>
    public void OnOutput(LogProtocol.StepOutputWritten chunk)
    {
        if (!_followers.TryGetValue(chunk.JobId, out var followers)) return;
        foreach (var follower in followers.Values) follower.OnOutput(chunk);
    }

    /// <summary>From the bridge: these documents' changes are committed in the read store (by the projector, on whichever node).</summary>
    public void OnDocumentsChanged(IEnumerable<Topic> documents)
    {
        if (_connections.IsEmpty) return;
        foreach (var document in documents) _changedDocuments.TryAdd(document, 0);
        _work.Release();
    }

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await _work.WaitAsync(_stop.Token);
                while (_snapshots.TryDequeue(out var request)) await SendSnapshotAsync(request.Connection, request.Topic, request.Done);
                var documents = _changedDocuments.Keys.ToList();
                foreach (var document in documents) _changedDocuments.TryRemove(document, out _);
                var topics = new HashSet<Topic>();
                foreach (var document in documents)
                    topics.UnionWith(await _views.TopicsShowingAsync(document, _stop.Token));
                foreach (var topic in topics) await SendChangeAsync(topic);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
            }
            catch (Exception ex)
            {
                // The read store was unreachable: the next change or subscription tries again.
                _log.LogWarning(ex, "live views could not be read");
            }
        }
    }

    private async Task SendSnapshotAsync(Connection connection, Topic topic, TaskCompletionSource done)
    {
        try
        {
            if (!connection.Topics.TryGetValue(topic, out var subscription)) return;
            var view = await _views.ReadAsync(topic, _stop.Token);
            subscription.LastSent = JsonSerializer.Serialize(view, ViewJson);
            connection.Outbox.EnqueueView(ClientOutbox.SnapshotMethod, new ViewMessage(topic.Kind, topic.Id, view));
            subscription.Ready = true;
        }
        catch (Exception ex)
        {
            done.TrySetException(new HubException($"could not read {topic.Kind} {topic.Id}: {ex.Message}"));
        }
        finally
        {
            done.TrySetResult();
        }
    }

    private async Task SendChangeAsync(Topic topic)
    {
        object? view = null;
        string? json = null;
        foreach (var connection in _connections.Values)
        {
            if (!connection.Topics.TryGetValue(topic, out var subscription) || !subscription.Ready) continue;
            if (json is null)
            {
                view = await _views.ReadAsync(topic, _stop.Token);
                json = JsonSerializer.Serialize(view, ViewJson);
            }
            if (json == subscription.LastSent) continue;
            subscription.LastSent = json;
            connection.Outbox.EnqueueView(ClientOutbox.ChangedMethod, new ViewMessage(topic.Kind, topic.Id, view));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        foreach (var connection in _connections.Values) await connection.Outbox.DisposeAsync();
        _connections.Clear();
    }
}
