using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using CircleActors.EndToEnd.Tests.Support;
using Xunit.Abstractions;

namespace CircleActors.EndToEnd.Tests;

/// <summary>
/// kill -9 of the server while a job runs on a separate agent and another waits: after a
/// restart on the same journal every job ends, nothing is left running, the waiting job runs,
/// and the journal's story (seen through the audit log) has no event twice and none missing.
/// </summary>
public sealed class CrashRecoverySpecs(ITestOutputHelper output)
{
    // Two medium jobs on an agent with room for one. Either may be the one the agent takes
    // first, so each runs long enough to be seen running while the other waits (with one done in
    // under a second, a run that took it first left no such moment to kill the server in).
    private const string Config = """
        version: 2.1
        jobs:
          slow:
            docker:
              - image: circleactors/busybox:latest
            steps:
              - run: echo the slow job ran; sleep 8
          queued:
            docker:
              - image: circleactors/busybox:latest
            steps:
              - run: echo the queued job ran; sleep 8
        workflows:
          crash:
            jobs:
              - slow
              - queued
        """;

    [Theory]
    [MemberData(nameof(Journals.Both), MemberType = typeof(Journals))]
    public async Task Killing_the_server_mid_job_loses_and_duplicates_nothing(string journal)
    {
        using var repository = new GitRepository();
        repository.CommitConfig(Config);
        await using var installation = await Installation.StartAsync(output, journal, agentCapacityCpus: "2");
        await installation.AddProjectAsync("gh/acme/crash", repository.Path, "secret");

        var pipelineId = await installation.TriggerAsync("gh/acme/crash");

        // Wait until one job runs and the other waits for capacity.
        var watch = Stopwatch.StartNew();
        JsonArray jobs = [];
        while (watch.Elapsed < TimeSpan.FromSeconds(60))
        {
            jobs = await installation.WorkflowJobsAsync(pipelineId);
            if (jobs.Count == 2 && jobs.Any(j => Status(j) == "running") && jobs.Any(j => Status(j) == "not_running")) break;
            await Task.Delay(200);
        }
        Assert.True(jobs.Any(j => Status(j) == "running") && jobs.Any(j => Status(j) == "not_running"), $"never one running and one waiting: {jobs}");
        var running = Name(jobs.Single(j => Status(j) == "running"));
        var waitingJob = jobs.Single(j => Status(j) == "not_running")!;
        var waiting = Name(waitingJob);
        var pending = await installation.GetAsync($"/api/v2/project/gh/acme/crash/job/{waitingJob["job_number"]}");
        Assert.Equal("no node with 2 free CPUs and 4096 MB for resource class medium", pending["pending_reason"]!.GetValue<string>());

        installation.Server!.Kill();
        await installation.StartServerAsync();

        var pipeline = await installation.WaitForPipelineAsync(pipelineId, TimeSpan.FromMinutes(3));
        Assert.Equal("created", pipeline["state"]!.GetValue<string>());
        jobs = await installation.WorkflowJobsAsync(pipelineId);
        Assert.DoesNotContain(jobs, j => Status(j) is "running" or "not_running" or "queued");
        var waited = jobs.Single(j => Name(j) == waiting)!;
        Assert.Equal("success", Status(waited));
        // The job that was running either ran again after its lease lapsed or, if it had already
        // ended before the crash, kept its result: both are ends, never "running".
        var ran = jobs.Single(j => Name(j) == running)!;
        var ranJob = await installation.GetAsync($"/api/v2/project/gh/acme/crash/job/{ran["job_number"]}");
        var ranOutput = await installation.GetTextAsync($"/api/v2/project/gh/acme/crash/job/{ran["job_number"]}/output");
        Assert.True(Status(ran) is "success" or "infrastructure_fail", $"the running job ended {Status(ran)}: {ranJob["tasks"]}\n{ranOutput}");
        var waitedOutput = await installation.GetTextAsync($"/api/v2/project/gh/acme/crash/job/{waited["job_number"]}/output");
        Assert.Contains($"the {waiting} job ran", waitedOutput);

        var audit = await PushToGreenSpecs.WaitForAuditAsync(installation, rows => rows.Count(r => r.Action == "workflow.job.finish") >= 2);
        Assert.Equal(audit.Count, audit.Select(r => r.Id).Distinct().Count());
        Assert.Equal(1, audit.Count(r => r.Action == "workflow.start"));
        Assert.Equal(2, audit.Count(r => r.Action == "workflow.job.scheduled"));
        Assert.Equal(2, audit.Count(r => r.Action == "workflow.job.start"));
        Assert.Equal(2, audit.Count(r => r.Action == "workflow.job.finish"));
        output.WriteLine($"{running} ran first and ended {Status(ran)}; recovered in {watch.Elapsed.TotalSeconds:0} s");
    }

    private static string Name(JsonNode? job) => job!["name"]!.GetValue<string>();

    [Fact]
    public async Task Killing_the_agent_mid_job_ends_its_task_as_an_infrastructure_failure_and_another_agent_runs_it()
    {
        using var repository = new GitRepository();
        repository.CommitConfig(Config);
        await using var installation = await Installation.StartAsync(output, Journals.Sqlite, withAgent: false);
        var doomed = installation.StartAgent($"doomed-{installation.ClusterPort}", capacityCpus: "2");
        await installation.AddProjectAsync("gh/acme/agents", repository.Path, "secret");
        var pipelineId = await installation.TriggerAsync("gh/acme/agents");

        var watch = Stopwatch.StartNew();
        JsonArray jobs = [];
        // The slow job is the one to lose: the other may have run first and be over before the kill.
        bool SlowRuns() => jobs.Any(j => Name(j) == "slow" && Status(j) == "running");
        while (watch.Elapsed < TimeSpan.FromSeconds(60) && !SlowRuns())
        {
            await Task.Delay(200);
            jobs = await installation.WorkflowJobsAsync(pipelineId);
        }
        Assert.True(SlowRuns(), $"the slow job never ran: {jobs}");
        var running = jobs.First(j => Name(j) == "slow")!;
        doomed.Kill();
        var killedAt = watch.Elapsed;
        installation.StartAgent($"survivor-{installation.ClusterPort}", capacityCpus: "2");

        await installation.WaitForPipelineAsync(pipelineId, TimeSpan.FromMinutes(2));
        var job = await installation.GetAsync($"/api/v2/project/gh/acme/agents/job/{running["job_number"]}");
        Assert.True(job["status"]!.GetValue<string>() == "success", $"the lost job did not run again: {job["tasks"]}");
        var task = job["tasks"]![0]!;
        Assert.Equal(2, task["attempt"]!.GetValue<int>());
        Assert.Equal($"survivor-{installation.ClusterPort}", task["node"]!.GetValue<string>());
        Assert.All(await installation.WorkflowJobsAsync(pipelineId), j => Assert.Equal("success", Status(j)));
        output.WriteLine($"the lost task ran again and finished {(watch.Elapsed - killedAt).TotalSeconds:0} s after the agent was killed");
    }

    private static string Status(JsonNode? job) => job!["status"]!.GetValue<string>();
}
