using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using CircleActors.EndToEnd.Tests.Support;
using Xunit.Abstractions;

namespace CircleActors.EndToEnd.Tests;

/// <summary>
/// Metrics after a known workload (two jobs that pass, one that fails) on a real server and
/// agent: scraped from <c>/metrics</c> and received over UDP by a real statsd listener.
/// </summary>
public sealed class MetricsSpecs(ITestOutputHelper output)
{
    private const string Slug = "gh/acme/metrics";

    private const string Config = """
        version: 2.1
        jobs:
          pass-one:
            docker: [{ image: circleactors/busybox:latest }]
            steps: [{ run: echo one }]
          pass-two:
            docker: [{ image: circleactors/busybox:latest }]
            steps: [{ run: echo two }]
          fail:
            docker: [{ image: circleactors/busybox:latest }]
            steps: [{ run: exit 3 }]
        workflows:
          known:
            jobs: [pass-one, pass-two, fail]
        """;

    /// <summary>A statsd agent stand-in: every line of every datagram, in arrival order.</summary>
    private sealed class StatsdListener : IDisposable
    {
        private readonly UdpClient _udp = new(new IPEndPoint(IPAddress.Loopback, 0));
        private readonly CancellationTokenSource _stop = new();
        public ConcurrentQueue<string> Lines { get; } = new();
        public int Port => ((IPEndPoint)_udp.Client.LocalEndPoint!).Port;

        public StatsdListener() => _ = ReceiveAsync();

        private async Task ReceiveAsync()
        {
            try
            {
                while (!_stop.IsCancellationRequested)
                {
                    var datagram = await _udp.ReceiveAsync(_stop.Token);
                    foreach (var line in Encoding.UTF8.GetString(datagram.Buffer).Split('\n')) Lines.Enqueue(line);
                }
            }
            catch (OperationCanceledException)
            {
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _udp.Dispose();
        }
    }

    [Fact]
    public async Task A_known_workload_shows_in_prometheus_and_in_statsd_with_the_circleci_names_and_values()
    {
        using var statsd = new StatsdListener();
        using var repository = new GitRepository();
        repository.CommitConfig(Config);
        await using var installation = await Installation.StartAsync(output, Journals.Sqlite, serverArguments:
            ["--statsd", $"127.0.0.1:{statsd.Port}", "--statsd-tag", "Env=e2e", "--statsd-prefix", "", "--metrics-interval", "1"]);
        await installation.AddProjectAsync(Slug, repository.Path, "secret");
        var pipelineId = await installation.TriggerAsync(Slug);
        await installation.WaitForPipelineAsync(pipelineId, TimeSpan.FromMinutes(2));

        // Prometheus: the gauges once sampled after the workload, the counters and histograms at once.
        var scrape = await Poll.UntilAsync(async () =>
        {
            var text = await new HttpClient().GetStringAsync($"http://127.0.0.1:{installation.HttpPort}/metrics");
            return text.Contains("\ncircle_nomad_server_agent_jobs_complete 2\n") && text.Contains("\ncircle_nomad_server_agent_jobs_dead 1\n") ? text : null;
        }, "the scrape never showed 2 complete and 1 dead jobs", seconds: 30);
        output.WriteLine(string.Join("\n", scrape.Split('\n').Where(l => l.StartsWith("circle"))));
        Assert.Contains("\ncircle_nomad_server_agent_jobs_pending 0\n", scrape);
        Assert.Contains("\ncircle_nomad_server_agent_jobs_running 0\n", scrape);
        Assert.Contains("\ncircle_build_queue_runnable_builds 0\n", scrape);
        Assert.Contains($"\ncircle_nomad_client_agent_cpu_total{{node=\"{installation.AgentName}\"}} 2\n", scrape);
        Assert.Contains($"\ncircle_nomad_client_agent_ready{{node=\"{installation.AgentName}\"}} 1\n", scrape);
        Assert.Contains("\ncircle_cluster_members{status=\"up\"} 2\n", scrape);
        Assert.Contains("\ncircle_http_request{status=\"201\"} 2\n", scrape); // the project and the trigger
        Assert.Contains("\ncircle_nomad_server_agent_poll_failure 0\n", scrape);
        Assert.Contains("\ncircle_github_api_call 0\n", scrape);
        Assert.Contains("\ncircle_backend_action_upload_artifact_error 0\n", scrape);
        Assert.Matches(new Regex(@"\ncircle_run_queue_latency(_ms)?_count 3\n"), scrape);
        Assert.Matches(new Regex(@"\ncircle_journal_write_latency(_ms)?_count\{entity=""job""\} [1-9]"), scrape);
        Assert.Matches(new Regex(@"\ncircle_cluster_shards\{entity_type=""job"",node=""127\.0\.0\.1:\d+""\} [1-9]"), scrape);
        Assert.Contains("\ncircle_projector_lag ", scrape);

        // Statsd: the same names with dots, the global tag on every line.
        await Poll.UntilAsync(() => Task.FromResult(statsd.Lines.Contains("circle.nomad.server_agent.jobs.dead:1|g|#Env:e2e") ? "" : null),
            "statsd never got 1 dead job", seconds: 30);
        await Task.Delay(TimeSpan.FromSeconds(1.5)); // the rest of that flush's datagrams, and one more flush
        var lines = statsd.Lines.ToList();
        Assert.Contains("circle.nomad.server_agent.jobs.complete:2|g|#Env:e2e", lines);
        Assert.Contains($"circle.nomad.client_agent.allocations:0|g|#Env:e2e,node:{installation.AgentName}", lines);
        Assert.Contains("circle.cluster.members:2|g|#Env:e2e,status:up", lines);
        Assert.Contains("circle.github.api_call:0|c|#Env:e2e", lines);
        Assert.Equal(2, lines.Where(l => l.StartsWith("circle.http.request:") && l.EndsWith("|c|#Env:e2e,status:201"))
            .Sum(l => int.Parse(l[(l.IndexOf(':') + 1)..l.IndexOf('|')])));
        Assert.Equal(3, lines.Count(l => Regex.IsMatch(l, @"^circle\.run-queue\.latency:\d+(\.\d+)?\|ms\|#Env:e2e$")));
        Assert.Contains(lines, l => Regex.IsMatch(l, @"^circle\.journal\.write\.latency:\d+(\.\d+)?\|ms(\|@[\d.]+)?\|#Env:e2e,entity:job$"));
        Assert.All(lines.Where(l => l.Length > 0), l => Assert.EndsWith("Env:e2e", l.Split("|#")[1].Split(',')[0]));
    }
}
