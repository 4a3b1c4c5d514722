using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace CircleActors.EndToEnd.Tests.Support;

/// <summary>A real SignalR client on <c>/hubs/events</c> that records every message it is sent.</summary>
public sealed class HubWatcher : IAsyncDisposable
{
    public sealed record Received(string Method, JsonNode Message, DateTimeOffset At);

    private readonly List<Received> _received = new();
    private readonly SemaphoreSlim _arrived = new(0);

    public HubConnection Connection { get; }

    private HubWatcher(HubConnection connection)
    {
        Connection = connection;
        foreach (var method in new[] { "snapshot", "changed", "log" })
            connection.On<JsonElement>(method, message =>
            {
                lock (_received) _received.Add(new Received(method, JsonNode.Parse(message.GetRawText())!, DateTimeOffset.UtcNow));
                _arrived.Release();
            });
    }

    public static async Task<HubWatcher> ConnectAsync(Uri server, string? token)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(server, "/hubs/events"), http =>
            {
                if (token is not null) http.Headers["Circle-Token"] = token;
            })
            .AddJsonProtocol(json => json.PayloadSerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower)
            .Build();
        var watcher = new HubWatcher(connection);
        await connection.StartAsync();
        return watcher;
    }

    public Task SubscribeAsync(string kind, string id) => Connection.InvokeAsync("Subscribe", kind, id);

    public IReadOnlyList<Received> Messages
    {
        get { lock (_received) return _received.ToList(); }
    }

    /// <summary>Waits until a message satisfies <paramref name="condition"/>; returns it.</summary>
    public async Task<Received> WaitForAsync(Func<Received, bool> condition, TimeSpan timeout, string what)
    {
        using var cancel = new CancellationTokenSource(timeout);
        while (true)
        {
            if (Messages.FirstOrDefault(condition) is { } found) return found;
            try
            {
                await _arrived.WaitAsync(cancel.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"no {what} within {timeout}; got:\n{string.Join("\n", Messages.Select(m => $"{m.Method} {m.Message.ToJsonString()}"))}");
            }
        }
    }

    /// <summary>The latest view of a topic a snapshot or change brought.</summary>
    public static bool IsView(Received received, string kind, Func<JsonNode, bool> view) =>
        received.Method is "snapshot" or "changed" && received.Message["kind"]!.GetValue<string>() == kind &&
        received.Message["view"] is { } body && view(body);

    public ValueTask DisposeAsync() => Connection.DisposeAsync();
}
