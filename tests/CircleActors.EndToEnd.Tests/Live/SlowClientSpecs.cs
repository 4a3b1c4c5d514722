using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using CircleActors.EndToEnd.Tests.Support;
using Xunit.Abstractions;

namespace CircleActors.EndToEnd.Tests.Live;

/// <summary>
/// Clients that cannot keep up while a job floods its output (one stops reading; the other reads,
/// but 600,000 lines in a few seconds is more than a client takes in) lose the oldest lines, are
/// told how many in place of them, get the last lines, and do not slow the job. Here the server's
/// sending, not the stalled client's socket, is what falls behind first: the kernel's buffers take
/// in as much as the server sends, so both clients drop about the same. The stalled client speaks SignalR's JSON protocol over a raw
/// WebSocket, so it can truly stop reading (the .NET client always drains its socket).
/// </summary>
[Collection(LiveInstallation.Collection)]
public sealed class SlowClientSpecs(LiveInstallation live, ITestOutputHelper output)
{
    private const char RecordSeparator = '\u001e';

    [Fact]
    public async Task Clients_that_fall_behind_a_flood_of_output_get_skipped_counts_in_place_of_the_oldest_lines_and_do_not_slow_the_job()
    {
        var pipelineId = await live.Installation.TriggerAsync(LiveInstallation.Flood);
        var (jobId, _) = await live.JobAsync(pipelineId, "flood");

        await using var steady = await HubWatcher.ConnectAsync(live.Server, live.Token);
        await steady.SubscribeAsync("job", jobId);
        using var stalled = await ConnectRawAsync();
        await SendAsync(stalled, """{"type":1,"target":"Subscribe","arguments":["job","JOB"],"invocationId":"1"}""".Replace("JOB", jobId));

        // The stalled client reads nothing until the job is over, but keeps saying it is alive
        // (SignalR drops a client it has not heard from in 30 s).
        using var stopPinging = new CancellationTokenSource();
        var pinging = Task.Run(async () =>
        {
            while (!stopPinging.IsCancellationRequested)
            {
                await SendAsync(stalled, """{"type":6}""");
                await Task.Delay(5000, stopPinging.Token).ContinueWith(_ => { });
            }
        });
        await steady.WaitForAsync(m => HubWatcher.IsView(m, "job", v => v["status"]!.GetValue<string>() == "success"), TimeSpan.FromSeconds(120), "the flood job's success");
        var steadyLines = Numbered(steady.Messages.Where(m => m.Method == "log").Select(m => m.Message), out var steadySkipped);
        var job = steady.Messages.Last(m => HubWatcher.IsView(m, "job", _ => true)).Message["view"]!;
        var ran = job["stopped_at"]!.GetValue<DateTimeOffset>() - job["started_at"]!.GetValue<DateTimeOffset>();

        var stalledMessages = await ReadUntilJobEndsAsync(stalled);
        await stopPinging.CancelAsync();
        await pinging;
        var stalledLines = Numbered(stalledMessages.Where(m => m["target"]?.GetValue<string>() == "log").Select(m => m["arguments"]![0]!), out var skipped);
        output.WriteLine($"the job ran {ran.TotalSeconds:0.0} s; the steady client got {steadyLines.Count} lines ({steadySkipped} skipped), the stalled one {stalledLines.Count} ({skipped} skipped)");
        Assert.True(skipped > 0, "a client that stopped reading should have had lines dropped");
        // Every line is accounted for exactly once, received or counted as skipped, and the last ones arrive.
        Assert.Equal(LiveInstallation.FloodLines.ToString(), stalledLines[^1].Text);
        Assert.Equal(LiveInstallation.FloodLines.ToString(), steadyLines[^1].Text);
        Assert.Equal(steadyLines[^1].Number, stalledLines[^1].Number);
        Assert.Equal(steadyLines.Count + steadySkipped, stalledLines.Count + skipped);
        // Neither client held up the job.
        Assert.True(ran < TimeSpan.FromSeconds(30), $"the job took {ran} with a stalled watcher");
    }

    /// <summary>
    /// The lines of the flood step by number; each message's <c>skipped</c> must account exactly
    /// for the gap before its first line, or the numbering is broken.
    /// </summary>
    private static List<(long Number, string Text)> Numbered(IEnumerable<JsonNode> logs, out long skipped)
    {
        var lines = new List<(long, string)>();
        skipped = 0;
        long next = 1;
        foreach (var log in logs.Where(l => l["step"]!.GetValue<int>() == 1))
        {
            var first = log["first_line"]!.GetValue<long>();
            var gap = log["skipped"]!.GetValue<long>();
            Assert.Equal(next + gap, first);
            skipped += gap;
            var texts = log["lines"]!.AsArray().Select(l => l!.GetValue<string>()).ToList();
            lines.AddRange(texts.Select((t, i) => (first + i, t)));
            next = first + texts.Count;
        }
        return lines;
    }

    private async Task<ClientWebSocket> ConnectRawAsync()
    {
        using var negotiate = new HttpRequestMessage(HttpMethod.Post, "/hubs/events/negotiate?negotiateVersion=1");
        negotiate.Headers.Add("Circle-Token", live.Token);
        using var answer = await live.Installation.Http.SendAsync(negotiate);
        var token = JsonNode.Parse(await answer.Content.ReadAsStringAsync())!["connectionToken"]!.GetValue<string>();
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Circle-Token", live.Token);
        // A small receive buffer so the stall reaches the server sooner.
        socket.Options.SetBuffer(4096, 4096);
        await socket.ConnectAsync(new Uri($"ws://{live.Server.Authority}/hubs/events?id={Uri.EscapeDataString(token)}"), CancellationToken.None);
        await SendAsync(socket, """{"protocol":"json","version":1}""");
        return socket;
    }

    private static Task SendAsync(ClientWebSocket socket, string message) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(message + RecordSeparator), WebSocketMessageType.Text, true, CancellationToken.None);

    /// <summary>Everything sent to the socket until a job view shows the job ended.</summary>
    private static async Task<List<JsonNode>> ReadUntilJobEndsAsync(ClientWebSocket socket)
    {
        var messages = new List<JsonNode>();
        var pending = new StringBuilder();
        var buffer = new byte[1 << 16];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var decoder = Encoding.UTF8.GetDecoder();
        var chars = new char[buffer.Length];
        while (true)
        {
            var received = await socket.ReceiveAsync(buffer, timeout.Token);
            var count = decoder.GetChars(buffer, 0, received.Count, chars, 0);
            pending.Append(chars, 0, count);
            var text = pending.ToString();
            var records = text.Split(RecordSeparator);
            pending.Clear().Append(records[^1]);
            foreach (var record in records[..^1].Where(r => r.Length > 0))
            {
                var message = JsonNode.Parse(record)!;
                messages.Add(message);
                if (message["target"]?.GetValue<string>() is "snapshot" or "changed" &&
                    message["arguments"]![0]!["kind"]!.GetValue<string>() == "job" && message["arguments"]![0]!["view"]?["status"]?.GetValue<string>() == "success")
                    return messages;
            }
        }
    }
}
