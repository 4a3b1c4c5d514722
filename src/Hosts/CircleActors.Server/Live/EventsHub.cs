using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace CircleActors.Server.Live;

/// <summary>
/// <c>/hubs/events</c>: live status and step output. A client calls <c>Subscribe(kind, id)</c>
/// with kind <c>project</c> (id a slug), <c>pipeline</c>, <c>workflow</c> or <c>job</c> (id a
/// UUID) and gets a <c>snapshot</c> of the view, then <c>changed</c> whenever it differs; a job
/// subscription also streams its step output as <c>log</c> messages (see <see cref="LogLinesMessage"/>).
/// Signed-in browsers (cookie) and API tokens (the <c>Circle-Token</c> header) may connect.
/// </summary>
[Authorize(Policy = Web.SignIn.Policy)]
public sealed class EventsHub(LiveFeed feed) : Hub
{
    public const string Path = "/hubs/events";

    public override Task OnConnectedAsync()
    {
        feed.Connect(Context.ConnectionId);
        return Task.CompletedTask;
    }

    public override Task OnDisconnectedAsync(Exception? exception) => feed.DisconnectAsync(Context.ConnectionId);

    public Task Subscribe(string kind, string id) => feed.SubscribeAsync(Context.ConnectionId, Parse(kind, id));

    public void Unsubscribe(string kind, string id) => feed.Unsubscribe(Context.ConnectionId, Parse(kind, id));

    private static Topic Parse(string kind, string id) => Topic.TryParse(kind, id, out var topic)
        ? topic
        : throw new HubException($"cannot watch {kind} {id}: give project and a slug, or pipeline, workflow or job and an id");
}
