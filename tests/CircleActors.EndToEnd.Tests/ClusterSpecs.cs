using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using CircleActors.EndToEnd.Tests.Support;
using Xunit.Abstractions;

namespace CircleActors.EndToEnd.Tests;

/// <summary>
/// The control plane on three services nodes sharing a PostgreSQL journal and a data directory,
/// with two agent processes: losing a services node, an agent, or the whole cluster loses no job,
/// runs none twice and leaves none running. Figures go to the test output (docs/reliability.md).
/// </summary>
public sealed class ClusterSpecs(ITestOutputHelper output)
{
    private const int ServicesNodes = 3;
    private const string Slug = "gh/acme/cluster";

    /// <summary>A workflow of <paramref name="jobs"/> independent machine jobs of one CPU each.</summary>
    private static string Config(int jobs, string command = "echo job $CIRCLE_JOB ran") =>
        "version: 2.1\njobs:\n" +
        string.Concat(Enumerable.Range(1, jobs).Select(i => $"  j{i}:\n    machine: true\n    resource_class: small\n    steps:\n      - run: {command}\n")) +
        "workflows:\n  fan:\n    jobs:\n" + string.Concat(Enumerable.Range(1, jobs).Select(i => $"      - j{i}\n"));

    [Fact]
    public async Task Killing_a_services_node_with_200_jobs_in_flight_loses_none_runs_none_twice_and_the_api_keeps_answering()
    {
        const int pipelines = 20, jobsPerPipeline = 10, jobs = pipelines * jobsPerPipeline;
        using var repository = new GitRepository();
        repository.CommitConfig(Config(jobsPerPipeline));
        await using var cluster = await Installation.StartAsync(output, Journals.PostgreSql, withAgent: false, servicesNodes: ServicesNodes);
        cluster.StartAgent($"a1-{cluster.ClusterPort}", capacityCpus: "4");
        cluster.StartAgent($"a2-{cluster.ClusterPort}", capacityCpus: "4");
        await cluster.AddProjectAsync(Slug, repository.Path, "secret");

        // Triggered through every node in turn: each node's API starts work on entities anywhere.
        var pipelineIds = new List<string>();
        for (var i = 0; i < pipelines; i++)
        {
            cluster.ApiNode = i % ServicesNodes;
            pipelineIds.Add(await cluster.TriggerAsync(Slug));
        }
        cluster.ApiNode = 1;
        await Poll.UntilAsync(async () => await FinishedJobsAsync(cluster) >= 10 ? "" : null, "ten jobs to finish before the kill", seconds: 180);

        // Node 0 is the oldest: it also hosts the scheduler, projector and blob service singletons.
        var watch = Stopwatch.StartNew();
        cluster.Servers[0]!.Kill();
        var answers = await ProbeApiAsync(cluster, [1, 2], TimeSpan.FromSeconds(30));
        output.WriteLine($"API through the surviving nodes for 30 s after the kill: {answers.Ok} answers 200, {answers.Deferred} answered 503 with a reason " +
            $"({answers.FirstDeferral ?? "none"}), {answers.Failed} failed; slowest " +
            string.Join(", ", answers.Slowest.Select(p => $"{p.Key} {p.Value.TotalMilliseconds:0} ms")));
        // Every read is served: the pipeline list comes from the read side and needs no entity, so
        // nothing waits for the shards still moving off the dead node (12 s or more until it is downed).
        Assert.True(answers.Failed == 0, $"{answers.Failed} API requests to the surviving nodes failed: {answers.FirstFailure}");
        Assert.True(answers.Deferred == 0, $"{answers.Deferred} of {answers.Ok + answers.Deferred} reads were not served: {answers.FirstDeferral}");

        foreach (var id in pipelineIds) await cluster.WaitForPipelineAsync(id, TimeSpan.FromMinutes(6));
        output.WriteLine($"all {jobs} jobs ended {watch.Elapsed.TotalSeconds:0} s after the kill");
        var (ended, attempts) = await JobsAndAttemptsAsync(cluster, pipelineIds);
        Assert.Equal(jobs, ended.Count);
        Assert.All(ended, j => Assert.True(j.Status == "success", $"job {j.Number} ended {j.Status}"));
        // An assignment the dead scheduler made but never delivered lapses and is assigned again:
        // that attempt never started, so the task still ran once. Running twice means two attempts with steps.
        var reassigned = attempts.Where(a => a.Value.Count > 0).ToList();
        output.WriteLine($"tasks assigned again because an earlier assignment never reached an agent: {reassigned.Count}" +
            string.Concat(reassigned.Select(r => $"\n  job {r.Key}: {string.Join("; ", r.Value.Select(a => a.ToJsonString()))}")));
        var ranTwice = reassigned.Where(r => r.Value.Any(a => a["started_at"] is not null)).Select(r => r.Key).ToList();
        Assert.True(ranTwice.Count == 0, $"jobs whose task ran more than once: {string.Join(", ", ranTwice)}");
        await AssertAuditedOnceAsync(cluster, pipelines, jobs);
        output.WriteLine($"{jobs} jobs: 0 lost, 0 run twice, 0 left running");
    }

    [Fact]
    public async Task Killing_an_agent_ends_its_tasks_as_infrastructure_failures_that_run_on_the_other_agent_within_seconds()
    {
        using var repository = new GitRepository();
        repository.CommitConfig(Config(4, "echo started; sleep 20; echo finished"));
        // The shipped lease and heartbeat, not the tests' short ones: the 15 s is the product's promise.
        await using var cluster = await Installation.StartAsync(output, Journals.PostgreSql, withAgent: false, servicesNodes: ServicesNodes, fastLeases: false);
        var doomedName = $"doomed-{cluster.ClusterPort}";
        var doomed = cluster.StartAgent(doomedName, capacityCpus: "4");
        await cluster.AddProjectAsync(Slug, repository.Path, "secret");
        var pipelineId = await cluster.TriggerAsync(Slug);
        await Poll.UntilAsync(async () => (await cluster.WorkflowJobsAsync(pipelineId)).Count(j => Status(j) == "running") == 4 ? "" : null,
            "all four jobs to run on the doomed agent", seconds: 120);
        // Only now the survivor: every task is on the doomed agent.
        var survivor = $"survivor-{cluster.ClusterPort}";
        cluster.StartAgent(survivor, capacityCpus: "4");
        await Poll.UntilAsync(async () => (await cluster.GetAsync("/api/v2/admin/nodes"))["items"]!.AsArray()
            .Any(n => n!["name"]!.GetValue<string>() == survivor) ? "" : null, "the survivor to register", seconds: 90);

        var watch = Stopwatch.StartNew();
        doomed.Kill();
        var jobNumbers = (await cluster.WorkflowJobsAsync(pipelineId)).Select(j => j!["job_number"]!.GetValue<long>()).ToList();
        var rescheduledAfter = new Dictionary<long, double>();
        while (rescheduledAfter.Count < jobNumbers.Count && watch.Elapsed < TimeSpan.FromSeconds(90))
        {
            foreach (var number in jobNumbers.Where(n => !rescheduledAfter.ContainsKey(n)))
            {
                var task = (await cluster.GetAsync($"/api/v2/project/{Slug}/job/{number}"))["tasks"]![0]!;
                if (task["attempt"]!.GetValue<int>() == 2 && task["node"]?.GetValue<string>() == survivor && task["status"]!.GetValue<string>() is "queued" or "running")
                    rescheduledAfter[number] = watch.Elapsed.TotalSeconds;
            }
            await Task.Delay(200);
        }
        output.WriteLine("seconds from kill -9 of the agent to each lost task running on the other agent: " +
            string.Join(", ", rescheduledAfter.OrderBy(r => r.Key).Select(r => $"job {r.Key}: {r.Value:0.0}")));
        Assert.Equal(jobNumbers.Count, rescheduledAfter.Count);
        // The scheduler marks the silent node down after 6 s and ends its tasks then, without
        // waiting for their leases (docs/reliability.md): 6-7 s here.
        Assert.All(rescheduledAfter, r => Assert.True(r.Value <= 15, $"job {r.Key} ran again only {r.Value:0.0} s after the kill"));

        await cluster.WaitForPipelineAsync(pipelineId, TimeSpan.FromMinutes(3));
        foreach (var number in jobNumbers)
        {
            var job = await cluster.GetAsync($"/api/v2/project/{Slug}/job/{number}");
            Assert.Equal("success", job["status"]!.GetValue<string>());
            // The first attempt's end is kept as what it was: the infrastructure failed it, on the agent that died.
            var earlier = job["tasks"]![0]!["earlier_attempts"]!.AsArray().Single()!;
            Assert.Equal("infrastructure_fail", earlier["status"]!.GetValue<string>());
            Assert.Equal(doomedName, earlier["node"]!.GetValue<string>());
            Assert.Contains("finished", await cluster.GetTextAsync($"/api/v2/project/{Slug}/job/{number}/output"));
        }
    }

    [Fact]
    public async Task A_services_node_leaves_on_SIGTERM_and_the_whole_cluster_restarts_with_every_entity_and_projection_where_it_was()
    {
        const int pipelines = 3, jobsPerPipeline = 4, jobs = pipelines * jobsPerPipeline;
        using var repository = new GitRepository();
        repository.CommitConfig(Config(jobsPerPipeline));
        await using var cluster = await Installation.StartAsync(output, Journals.PostgreSql, withAgent: false, servicesNodes: ServicesNodes);
        // Room for one job at a time, so most of them still wait when the cluster goes down.
        cluster.StartAgent($"a1-{cluster.ClusterPort}", capacityCpus: "1");
        await cluster.AddProjectAsync(Slug, repository.Path, "secret");
        var pipelineIds = new List<string>();
        for (var i = 0; i < pipelines; i++) pipelineIds.Add(await cluster.TriggerAsync(Slug));
        await Poll.UntilAsync(async () => await FinishedJobsAsync(cluster) >= 2 ? "" : null, "two jobs to finish", seconds: 120);
        var auditBefore = await PushToGreenSpecs.AuditRows(cluster);

        // Graceful leave: each hands its shards and singletons over and exits 0.
        foreach (var node in new[] { 2, 1 })
        {
            var leaving = cluster.Servers[node]!;
            leaving.Terminate();
            Assert.True(await leaving.WaitForExitAsync(TimeSpan.FromSeconds(60)), $"services node {node} did not exit after SIGTERM:\n{leaving.Output}");
            Assert.True(leaving.ExitCode == 0, $"services node {node} exited {leaving.ExitCode}");
        }
        // The leader removes a member that left a moment after it exits; then node 0 hosts everything.
        var last = await Poll.UntilAsync(async () =>
        {
            var services = (await cluster.GetAsync("/api/v2/admin/cluster"))["members"]!.AsArray()
                .Where(m => m!["roles"]!.AsArray().Any(r => r!.GetValue<string>() == "services")).ToList();
            return services is [{ } only] && only["shards"]?.GetValue<int>() > 0 && only["singletons"]!.GetValue<bool>() ? only : null;
        }, "node 0 to be the only services member, hosting shards and the singletons", seconds: 60);
        output.WriteLine($"after two graceful leaves node 0 hosts {last["shards"]} shards and the singletons");

        // Then the last one crashes, and every node comes back.
        cluster.Servers[0]!.Kill();
        var watch = Stopwatch.StartNew();
        for (var node = 0; node < ServicesNodes; node++) await cluster.StartServerAsync(node);
        foreach (var id in pipelineIds) await cluster.WaitForPipelineAsync(id, TimeSpan.FromMinutes(4));
        output.WriteLine($"all {jobs} jobs ended {watch.Elapsed.TotalSeconds:0} s after the restart");
        var (ended, _) = await JobsAndAttemptsAsync(cluster, pipelineIds);
        Assert.Equal(jobs, ended.Count);
        Assert.All(ended, j => Assert.Equal("success", j.Status));
        var auditAfter = await AssertAuditedOnceAsync(cluster, pipelines, jobs);
        // Projections resumed from their offsets: every row written before is still there, once.
        Assert.Empty(auditBefore.Select(r => r.Id).Except(auditAfter.Select(r => r.Id)));
    }

    private static string Status(JsonNode? job) => job!["status"]!.GetValue<string>();

    private static async Task<int> FinishedJobsAsync(Installation cluster) =>
        (await PushToGreenSpecs.AuditRows(cluster)).Count(r => r.Action == "workflow.job.finish");

    private sealed record EndedJob(long Number, string Status);

    /// <summary>Every job of the pipelines, and each job's earlier (ended and retried) task attempts.</summary>
    private static async Task<(IReadOnlyList<EndedJob> Jobs, IReadOnlyDictionary<long, IReadOnlyList<JsonNode>> Attempts)> JobsAndAttemptsAsync(
        Installation cluster, IEnumerable<string> pipelineIds)
    {
        var jobs = new List<EndedJob>();
        var attempts = new Dictionary<long, IReadOnlyList<JsonNode>>();
        foreach (var id in pipelineIds)
        foreach (var job in await cluster.WorkflowJobsAsync(id))
        {
            var number = job!["job_number"]!.GetValue<long>();
            jobs.Add(new EndedJob(number, Status(job)));
            var detail = await cluster.GetAsync($"/api/v2/project/{Slug}/job/{number}");
            attempts[number] = detail["tasks"]!.AsArray().SelectMany(t => t!["earlier_attempts"]!.AsArray()).Select(a => a!.DeepClone()).ToList();
        }
        return (jobs, attempts);
    }

    /// <summary>Exactly one audit row per workflow start and per job scheduled, started and finished; no row twice.</summary>
    private static async Task<IReadOnlyList<PushToGreenSpecs.AuditRow>> AssertAuditedOnceAsync(Installation cluster, int workflows, int jobs)
    {
        var audit = await PushToGreenSpecs.WaitForAuditAsync(cluster, rows => rows.Count(r => r.Action == "workflow.job.finish") >= jobs, TimeSpan.FromSeconds(60));
        Assert.Equal(audit.Count, audit.Select(r => r.Id).Distinct().Count());
        Assert.Equal(workflows, audit.Count(r => r.Action == "workflow.start"));
        Assert.Equal(jobs, audit.Count(r => r.Action == "workflow.job.scheduled"));
        Assert.Equal(jobs, audit.Count(r => r.Action == "workflow.job.start"));
        Assert.Equal(jobs, audit.Count(r => r.Action == "workflow.job.finish"));
        return audit;
    }

    /// <param name="Deferred">503s that name their reason: a read that needs an entity whose shard is still moving off the dead node.</param>
    private sealed record ApiAnswers(int Ok, int Deferred, int Failed, IReadOnlyDictionary<string, TimeSpan> Slowest, string? FirstFailure, string? FirstDeferral);

    /// <summary>Reads from the given nodes, one after the other, for <paramref name="duration"/>.</summary>
    private static async Task<ApiAnswers> ProbeApiAsync(Installation cluster, IReadOnlyList<int> nodes, TimeSpan duration)
    {
        int ok = 0, deferred = 0, failed = 0;
        var slowest = new Dictionary<string, TimeSpan>();
        string? firstFailure = null, firstDeferral = null;
        var watch = Stopwatch.StartNew();
        for (var i = 0; watch.Elapsed < duration; i++)
        {
            var node = nodes[i % nodes.Count];
            var path = i % 2 == 0 ? $"/api/v2/project/{Slug}/pipeline" : "/api/v2/admin/cluster";
            var request = Stopwatch.StartNew();
            try
            {
                using var response = await cluster.HttpOf(node).GetAsync(path);
                var body = await response.Content.ReadAsStringAsync();
                if (response.IsSuccessStatusCode) ok++;
                else if ((int)response.StatusCode == 503 && body.Contains("\"message\""))
                {
                    deferred++;
                    firstDeferral ??= $"GET {path} on node {node}: 503 {body}";
                }
                else
                {
                    failed++;
                    firstFailure ??= $"GET {path} on node {node}: {(int)response.StatusCode} {body}";
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                failed++;
                firstFailure ??= $"GET {path} on node {node}: {ex.Message}";
            }
            if (request.Elapsed > slowest.GetValueOrDefault(path)) slowest[path] = request.Elapsed;
            await Task.Delay(100);
        }
        return new ApiAnswers(ok, deferred, failed, slowest, firstFailure, firstDeferral);
    }
}
