using System.Text.Json.Nodes;
using CircleActors.EndToEnd.Tests.Support;
using Xunit.Abstractions;

namespace CircleActors.EndToEnd.Tests;

/// <summary><c>ops job logs</c> against a real server and agent running a parallel job in Docker: step output per task, and the agent's own log of it.</summary>
public sealed class JobLogsSpecs(ITestOutputHelper output)
{
    private const string Slug = "gh/acme/logs";

    private const string ParallelConfig = """
        version: 2.1
        jobs:
          work:
            docker: [{ image: circleactors/busybox:latest }]
            parallelism: 2
            steps: [{ run: { name: Greet, command: "echo hello from task $CIRCLE_NODE_INDEX" } }]
        workflows:
          main:
            jobs: [work]
        """;

    [Fact]
    public async Task Job_logs_show_one_tasks_step_output_and_with_stderr_the_agents_log_of_it()
    {
        using var repository = new GitRepository();
        repository.CommitConfig(ParallelConfig);
        await using var installation = await Installation.StartAsync(output, Journals.Sqlite);
        await installation.AddProjectAsync(Slug, repository.Path, "secret");
        var pipeline = await installation.TriggerAsync(Slug);
        await installation.WaitForPipelineAsync(pipeline, TimeSpan.FromMinutes(3));
        var job = (await installation.WorkflowJobsAsync(pipeline)).Single()!;
        var id = job["id"]!.GetValue<string>();
        var number = job["job_number"]!.GetValue<long>();

        var first = await OpsCli.OkAsync(installation, "job", "logs", id);
        Assert.StartsWith("==> Spin up environment (success, exit 0)\n", first);
        var greet = first.IndexOf("==> Greet (success, exit 0)\n", StringComparison.Ordinal);
        Assert.True(greet > 0, first);
        Assert.Contains("hello from task 0\n", first[greet..]);
        Assert.DoesNotContain("hello from task 1", first);
        Assert.DoesNotContain("environment prepared", first);

        var second = await OpsCli.OkAsync(installation, "job", "logs", $"{Slug}/{number}", "-alloc", "1");
        Assert.Contains("hello from task 1\n", second);
        Assert.DoesNotContain("hello from task 0", second);

        var agent = (await OpsCli.OkAsync(installation, "job", "logs", $"{installation.BaseUrl}/jobs/{id}", "-stderr", "-alloc", "1"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);
        // Each line is stamped with the time, then what the agent did, in order.
        Assert.All(agent, line => Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z ", line));
        var said = agent.Select(line => line[25..]).ToList();
        Assert.Equal($"agent {installation.AgentName} on node {installation.AgentName} runs task 1 of job work #{number}, attempt 1", said[0]);
        Assert.Matches(@"^environment prepared in \d+\.\ds: docker: primary container [0-9a-f]{64}$", said[1]);
        Assert.Equal(said[1][(said[1].IndexOf("docker:", StringComparison.Ordinal))..], said[2]["environment removed: ".Length..]);
        Assert.Equal("task ended success", said[^1]);
        Assert.DoesNotContain(said, line => line.Contains("hello from"));

        var json = JsonNode.Parse(await OpsCli.OkAsync(installation, "job", "logs", id, "-alloc", "1", "-json"))!;
        Assert.Equal((1, 1, "success", number), (json["alloc"]!.GetValue<int>(), json["attempt"]!.GetValue<int>(), json["status"]!.GetValue<string>(), json["number"]!.GetValue<long>()));
        Assert.Equal(["Spin up environment", "Greet"], json["steps"]!.AsArray().Select(s => s!["name"]!.GetValue<string>()));
        Assert.Contains("task ended success", json["agent_log"]!.GetValue<string>());

        var (beyond, why) = await OpsCli.RunAsync(installation, "job", "logs", id, "-alloc", "2");
        Assert.Equal(1, beyond);
        Assert.Contains("404", why);
        Assert.Contains("alloc is 0 to 1", why);
        var (bad, reason) = await OpsCli.RunAsync(installation, "job", "logs", "no-such-job");
        Assert.Equal(1, bad);
        Assert.Contains("400", reason);
    }
}
