using CircleActors.EndToEnd.Tests.Support;
using Xunit.Abstractions;

namespace CircleActors.EndToEnd.Tests;

/// <summary><c>parallelism: N</c> on real processes and Docker: N tasks, each with its own index, log and status, and one job status from all of them.</summary>
public sealed class ParallelismSpecs(ITestOutputHelper output)
{
    private const string Slug = "gh/acme/parallel";

    private const string Config = """
        version: 2.1
        jobs:
          test:
            docker: [{ image: circleactors/busybox:latest }]
            parallelism: 3
            steps:
              - run:
                  name: Run my part
                  command: |
                    echo "task $CIRCLE_NODE_INDEX of $CIRCLE_NODE_TOTAL"
                    [ "$CIRCLE_NODE_INDEX" != 1 ]
          after:
            docker: [{ image: circleactors/busybox:latest }]
            steps:
              - run: echo never
        workflows:
          main:
            jobs:
              - test
              - after: { requires: [test] }
        """;

    [Fact]
    public async Task One_failing_task_fails_the_job_while_the_others_keep_their_own_status_and_log()
    {
        using var repository = new GitRepository();
        repository.CommitConfig(Config);
        await using var installation = await Installation.StartAsync(output, Journals.Sqlite, agentCapacityCpus: "6");
        await installation.AddProjectAsync(Slug, repository.Path, "secret");

        var pipelineId = await installation.TriggerAsync(Slug);
        await installation.WaitForPipelineAsync(pipelineId, TimeSpan.FromMinutes(2));

        var workflow = (await installation.GetAsync($"/api/v2/pipeline/{pipelineId}/workflow"))["items"]!.AsArray().Single()!;
        Assert.Equal("failed", workflow["status"]!.GetValue<string>());
        var jobs = await installation.WorkflowJobsAsync(pipelineId);
        var test = jobs.Single(j => j!["name"]!.GetValue<string>() == "test")!;
        Assert.Equal("failed", test["status"]!.GetValue<string>());
        Assert.Null(jobs.Single(j => j!["name"]!.GetValue<string>() == "after")!["job_number"]);

        var number = test["job_number"]!.GetValue<long>();
        var job = await installation.GetAsync($"/api/v2/project/{Slug}/job/{number}");
        Assert.Equal(3, job["parallelism"]!.GetValue<int>());
        Assert.Equal(["success", "failed", "success"], job["parallel_runs"]!.AsArray().Select(r => r!["status"]!.GetValue<string>()));
        Assert.Equal(["success", "failed", "success"], job["tasks"]!.AsArray().Select(t => t!["status"]!.GetValue<string>()));
        Assert.Equal([0, 1, 2], job["tasks"]!.AsArray().Select(t => t!["index"]!.GetValue<int>()));

        // Each task's log holds its own output only, under its own header.
        var text = await installation.GetTextAsync($"/api/v2/project/{Slug}/job/{number}/output");
        var parts = text.Split("==> [").Skip(1).Where(p => p.Contains("] Run my part", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, parts.Count);
        string[] headers = ["0] Run my part (success, exit 0)\n", "1] Run my part (failed, exit 1)\n", "2] Run my part (success, exit 0)\n"];
        for (var task = 0; task < 3; task++)
        {
            Assert.StartsWith(headers[task], parts[task]);
            Assert.Equal([$"task {task} of 3"], parts[task].Split('\n').Where(line => line.StartsWith("task ", StringComparison.Ordinal)));
        }
    }
}
