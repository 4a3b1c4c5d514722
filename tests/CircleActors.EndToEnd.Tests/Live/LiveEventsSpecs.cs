using System.Net;
using System.Text.Json.Nodes;
using CircleActors.EndToEnd.Tests.Support;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Xunit.Abstractions;

namespace CircleActors.EndToEnd.Tests.Live;

/// <summary>The event hub on a real server and agent, watched with the SignalR .NET client and the CLI.</summary>
[Collection(LiveInstallation.Collection)]
public sealed class LiveEventsSpecs(LiveInstallation live, ITestOutputHelper output)
{
    private static string Line(long number) => $"\u001b[32mline\u001b[0m {number}";

    /// <summary>Waits until the job prints at least <paramref name="lines"/> lines, as the output API shows them.</summary>
    private async Task WaitForOutputAsync(long number, int lines)
    {
        for (var i = 0; i < 300; i++)
        {
            // 404 until the job's document is projected.
            using var response = await live.Installation.Http.GetAsync($"/api/v2/project/{LiveInstallation.Counting}/job/{number}/output");
            if (response.IsSuccessStatusCode && (await response.Content.ReadAsStringAsync()).Contains(Line(lines) + "\n")) return;
            await Task.Delay(100);
        }
        throw new TimeoutException($"job {number} never printed {lines} lines");
    }

    [Fact]
    public async Task A_client_subscribing_mid_job_gets_every_line_once_in_order_and_sees_the_job_go_green()
    {
        var pipelineId = await live.Installation.TriggerAsync(LiveInstallation.Counting);
        var (jobId, number) = await live.JobAsync(pipelineId, "count");
        await WaitForOutputAsync(number!.Value, 20);

        await using var watcher = await HubWatcher.ConnectAsync(live.Server, live.Token);
        await watcher.SubscribeAsync("job", jobId);
        var subscribedAt = DateTimeOffset.UtcNow;
        await watcher.WaitForAsync(m => HubWatcher.IsView(m, "job", v => v["status"]!.GetValue<string>() == "success"), TimeSpan.FromSeconds(60), "job view with status success");

        var messages = watcher.Messages;
        var jobViews = messages.Where(m => m.Method is "snapshot" or "changed" && m.Message["kind"]!.GetValue<string>() == "job").ToList();
        Assert.Equal("snapshot", jobViews[0].Method);
        // Mid-job: the read side may not have projected the start yet, but never the end.
        Assert.Contains(jobViews[0].Message["view"]!["status"]!.GetValue<string>(), new[] { "queued", "running" });
        var count = jobViews[^1].Message["view"]!["tasks"]![0]!["steps"]!.AsArray().Single(s => s!["name"]!.GetValue<string>() == "Count")!;
        var step = count["index"]!.GetValue<int>();

        var logs = messages.Where(m => m.Method == "log" && m.Message["step"]!.GetValue<int>() == step).Select(m => m.Message).ToList();
        var numbered = new List<(long Number, string Text)>();
        foreach (var log in logs)
        {
            Assert.Equal(0, log["skipped"]!.GetValue<long>());
            var first = log["first_line"]!.GetValue<long>();
            numbered.AddRange(log["lines"]!.AsArray().Select((l, i) => (first + i, l!.GetValue<string>())));
        }
        output.WriteLine($"{logs.Count} log messages; the first brought {logs[0]["lines"]!.AsArray().Count} lines");
        // The snapshot brought what was printed before the subscription, the stream the rest.
        Assert.True(logs[0]["lines"]!.AsArray().Count >= 20, "the snapshot should hold the lines printed before subscribing");
        Assert.True(logs.Count > 1, "lines printed after subscribing should come as they are printed");
        Assert.Equal(Enumerable.Range(1, numbered.Count).Select(n => (long)n), numbered.Select(l => l.Number));
        // The executor may note something before the command's own output.
        Assert.Equal(Enumerable.Range(1, LiveInstallation.CountedLines).Select(n => Line(n)), numbered.Select(l => l.Text).Where(t => t.Contains("line")));
        Assert.Contains(messages, m => m.Method == "log" && m.At > subscribedAt && m.Message["step"]!.GetValue<int>() == step);
    }

    [Fact]
    public async Task Workflow_and_project_subscribers_see_status_changes_as_they_happen()
    {
        await using var watcher = await HubWatcher.ConnectAsync(live.Server, live.Token);
        await watcher.SubscribeAsync("project", LiveInstallation.Counting);
        var pipelineId = await live.Installation.TriggerAsync(LiveInstallation.Counting);
        var workflowId = (await watcher.WaitForAsync(m => HubWatcher.IsView(m, "project", v => v["pipelines"]!.AsArray()
                .Any(p => p!["pipeline"]!["id"]!.GetValue<string>() == pipelineId && p["workflows"]!.AsArray().Count > 0)),
            TimeSpan.FromSeconds(60), "the pipeline with its workflow in the project view"))
            .Message["view"]!["pipelines"]!.AsArray().Single(p => p!["pipeline"]!["id"]!.GetValue<string>() == pipelineId)!["workflows"]![0]!["id"]!.GetValue<string>();

        await watcher.SubscribeAsync("workflow", workflowId);
        await watcher.WaitForAsync(m => HubWatcher.IsView(m, "workflow", v => v["workflow"]!["status"]!.GetValue<string>() == "success" &&
            v["jobs"]!.AsArray().All(j => j!["stopped_at"] is not null)), TimeSpan.FromSeconds(60), "the workflow ended in success");
        await watcher.WaitForAsync(m => HubWatcher.IsView(m, "project", v => v["pipelines"]!.AsArray()
            .Any(p => p!["pipeline"]!["id"]!.GetValue<string>() == pipelineId && p["workflows"]!.AsArray().Any(w => w!["status"]!.GetValue<string>() == "success"))),
            TimeSpan.FromSeconds(30), "the project view showing the workflow's success");

        // Each change is sent once: no two consecutive views of a topic are equal.
        var views = watcher.Messages.Where(m => m.Method is "snapshot" or "changed").GroupBy(m => m.Message["kind"]!.GetValue<string>() + m.Message["id"]);
        foreach (var topic in views)
            Assert.All(topic.Zip(topic.Skip(1)), pair => Assert.NotEqual(pair.Item1.Message["view"]!.ToJsonString(), pair.Item2.Message["view"]!.ToJsonString()));
    }

    [Fact]
    public async Task The_hub_refuses_a_client_without_a_valid_token_and_an_unknown_topic()
    {
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => HubWatcher.ConnectAsync(live.Server, "not-the-token"));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        await Assert.ThrowsAsync<HttpRequestException>(() => HubWatcher.ConnectAsync(live.Server, null));

        await using var watcher = await HubWatcher.ConnectAsync(live.Server, live.Token);
        var error = await Assert.ThrowsAsync<HubException>(() => watcher.SubscribeAsync("job", "not-a-uuid"));
        Assert.Contains("cannot watch job not-a-uuid", error.Message);
    }

    [Fact]
    public async Task Logs_follow_prints_the_whole_output_once_and_exits_when_the_job_ends()
    {
        var pipelineId = await live.Installation.TriggerAsync(LiveInstallation.Counting);
        var (_, number) = await live.JobAsync(pipelineId, "count");
        await WaitForOutputAsync(number!.Value, 10);

        await using var follow = NodeProcess.Start(["logs", LiveInstallation.Counting, number.ToString()!, "--follow",
            "--server", live.Server.ToString(), "--data-dir", live.Installation.DataDirectory]);
        Assert.True(await follow.WaitForExitAsync(TimeSpan.FromSeconds(60)), "logs --follow did not end:\n" + follow.Output);
        Assert.True(follow.ExitCode == 0, follow.Output);
        var printed = follow.Output.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Contains("line")).ToList();
        Assert.Equal(Enumerable.Range(1, LiveInstallation.CountedLines).Select(n => Line(n)), printed);
        Assert.Contains("==> Count", follow.Output);
    }
}
