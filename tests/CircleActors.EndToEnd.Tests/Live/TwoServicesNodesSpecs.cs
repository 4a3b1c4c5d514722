using CircleActors.EndToEnd.Tests.Support;
using Xunit.Abstractions;

namespace CircleActors.EndToEnd.Tests.Live;

/// <summary>
/// The event hub on a cluster of two services nodes (PostgreSQL, one data directory) and an agent:
/// the projector singleton runs on the first node and the job's log entity on either, yet a client
/// of either node's hub sees the job's status and every line of its output, once.
/// </summary>
public sealed class TwoServicesNodesSpecs(ITestOutputHelper output)
{
    private static string Line(int number) => $"\u001b[32mline\u001b[0m {number}";

    [Fact]
    public async Task Clients_of_either_services_node_see_the_job_go_green_with_every_line_once()
    {
        await using var installation = await Installation.StartAsync(output, Journals.PostgreSql, servicesNodes: 2);
        var second = installation.HttpOf(1).BaseAddress!;
        using var repository = new GitRepository();
        repository.CommitConfig(LiveInstallation.CountingConfig);
        await installation.AddProjectAsync("gh/acme/two-nodes", repository.Path, "secret");
        var token = (await File.ReadAllTextAsync(Path.Combine(installation.DataDirectory, "admin.token"))).Trim();
        // The second node's API answers before it is an Up member: a job that ran while it was
        // still joining printed its lines before that node's hub could hear of them.
        installation.ApiNode = 1;
        await Poll.UntilAsync(async () =>
        {
            var members = (await installation.GetAsync("/api/v2/admin/cluster"))["members"]!.AsArray();
            var services = members.Count(m => m!["roles"]!.AsArray().Any(r => r!.GetValue<string>() == "services"));
            return services == 2 && members.All(m => m!["status"]!.GetValue<string>() == "up") ? members : null;
        }, "both services nodes and the agent to be Up members, as the second node sees them", 120);
        installation.ApiNode = 0;

        var pipelineId = await installation.TriggerAsync("gh/acme/two-nodes");
        var jobId = await Poll.UntilAsync(async () => (await installation.WorkflowJobsAsync(pipelineId))
            .FirstOrDefault(j => j!["job_number"] is not null)?["id"]?.GetValue<string>(), "the job to be scheduled", 240);
        await using var onFirst = await HubWatcher.ConnectAsync(installation.HttpOf(0).BaseAddress!, token);
        await using var onSecond = await HubWatcher.ConnectAsync(second, token);
        await onFirst.SubscribeAsync("job", jobId);
        await onSecond.SubscribeAsync("job", jobId);

        foreach (var (watcher, node) in new[] { (onFirst, "first"), (onSecond, "second") })
        {
            var success = await watcher.WaitForAsync(m => HubWatcher.IsView(m, "job", v => v["status"]!.GetValue<string>() == "success"),
                TimeSpan.FromSeconds(240), $"the job shown in success on the {node} node");
            // A change, not the snapshot: the projector (on the first node) told this node's hub that the job ended.
            Assert.Equal("changed", success.Method);
            var logs = watcher.Messages.Where(m => m.Method == "log").Select(m => m.Message).ToList();
            var numbered = new List<(long Number, string Text)>();
            foreach (var log in logs)
            {
                Assert.Equal(0, log["skipped"]!.GetValue<long>());
                var step = log["step"]!.GetValue<int>();
                var first = log["first_line"]!.GetValue<long>();
                numbered.AddRange(log["lines"]!.AsArray().Select((l, i) => (step * 1_000_000L + first + i, l!.GetValue<string>())));
            }
            output.WriteLine($"{node} node: {logs.Count} log messages");
            Assert.Equal(numbered.Count, numbered.Select(l => l.Number).Distinct().Count());
            Assert.Equal(Enumerable.Range(1, LiveInstallation.CountedLines).Select(Line), numbered.Select(l => l.Text).Where(t => t.Contains("line")));
            // Lines came as they were printed, not only in the snapshot.
            Assert.True(logs.Count(l => l["lines"]!.AsArray().Any(t => t!.GetValue<string>().Contains("line"))) > 1,
                $"the {node} node's client should get the output as it is printed");
        }
    }
}
