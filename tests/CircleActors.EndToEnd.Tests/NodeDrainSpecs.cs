using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CircleActors.EndToEnd.Tests.Support;
using Xunit.Abstractions;

namespace CircleActors.EndToEnd.Tests;

/// <summary>
/// Draining nodes on a real server with real agent processes and Docker: through the admin API,
/// with a deadline, and by SIGTERM to the agent (once: drain and exit when idle; twice: now).
/// </summary>
public sealed class NodeDrainSpecs(ITestOutputHelper output)
{
    private const string Slug = "gh/acme/drain";

    private static string SleepConfig(int seconds) => $$"""
        version: 2.1
        jobs:
          work:
            docker: [{ image: circleactors/busybox:latest }]
            steps: [{ run: { name: Work, command: "echo working; sleep {{seconds}}; echo done" } }]
        workflows:
          main:
            jobs: [work]
        """;

    /// <summary>The pipeline's one job in full (tasks, nodes, pending reason) once the read side has it.</summary>
    private static async Task<JsonNode?> JobAsync(Installation installation, string pipelineId)
    {
        if ((await installation.WorkflowJobsAsync(pipelineId)).FirstOrDefault()?["job_number"] is not { } number) return null;
        using var response = await installation.Http.GetAsync($"/api/v2/project/{Slug}/job/{number}");
        return response.StatusCode == HttpStatusCode.NotFound ? null : JsonNode.Parse(await response.Content.ReadAsStringAsync());
    }

    private static Task<JsonNode> JobWhereAsync(Installation installation, string pipelineId, Func<JsonNode, bool> condition, string what, int seconds = 90) =>
        Poll.UntilAsync(async () => await JobAsync(installation, pipelineId) is { } job && condition(job) ? job : null, what, seconds);

    private static JsonNode Task0(JsonNode job) => job["tasks"]![0]!;

    private static Task<JsonNode> NodeAsync(Installation installation, string name) => installation.GetAsync($"/api/v2/admin/nodes/{name}");

    private static async Task<JsonNode> PostAsync(Installation installation, string path, object body)
    {
        using var response = await installation.Http.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"POST {path}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }

    private static async Task WaitForNodeAsync(Installation installation, string name) =>
        await Poll.UntilAsync(async () =>
        {
            using var response = await installation.Http.GetAsync($"/api/v2/admin/nodes/{name}");
            return response.IsSuccessStatusCode ? "" : null;
        }, $"node {name} never registered");

    [Fact]
    public async Task A_drained_node_finishes_its_job_takes_no_new_one_and_the_waiting_job_says_why_until_another_node_takes_it()
    {
        using var repository = new GitRepository();
        repository.CommitConfig(SleepConfig(8));
        await using var installation = await Installation.StartAsync(output, Journals.Sqlite, agentCapacityCpus: "4");
        var a = installation.AgentName;
        await installation.AddProjectAsync(Slug, repository.Path, "secret");
        var first = await installation.TriggerAsync(Slug);
        await JobWhereAsync(installation, first, j => j["status"]!.GetValue<string>() == "running", "the first job never ran");

        var drained = await PostAsync(installation, $"/api/v2/admin/nodes/{a}/drain", new { enable = true });
        Assert.True(drained["drain"]!.GetValue<bool>());
        Assert.Equal(1, drained["running_allocations"]!.GetValue<int>());

        // A has room for a second medium job, but it is draining and the only node.
        var second = await installation.TriggerAsync(Slug);
        var waiting = await JobWhereAsync(installation, second, j => j["pending_reason"] is not null, "the second job never waited");
        Assert.Equal("all nodes are draining", waiting["pending_reason"]!.GetValue<string>());

        var b = installation.AgentName + "-b";
        installation.StartAgent(b);
        var moved = await JobWhereAsync(installation, second, j => Task0(j)["node"] is not null, "the second job never found a node");
        Assert.Equal(b, Task0(moved)["node"]!.GetValue<string>());

        await installation.WaitForPipelineAsync(first, TimeSpan.FromMinutes(2));
        var firstJob = (await JobAsync(installation, first))!;
        Assert.Equal(("success", a, 1), (firstJob["status"]!.GetValue<string>(), Task0(firstJob)["node"]!.GetValue<string>(), Task0(firstJob)["attempt"]!.GetValue<int>()));
        var node = await Poll.UntilAsync(async () => await NodeAsync(installation, a) is { } n && n["running_allocations"]!.GetValue<int>() == 0 ? n : null,
            "the drained node kept its allocation");
        Assert.Equal(("ready", true, "eligible"), (node["status"]!.GetValue<string>(), node["drain"]!.GetValue<bool>(), node["eligibility"]!.GetValue<string>()));

        using var unknown = await installation.Http.PostAsJsonAsync("/api/v2/admin/nodes/nobody/drain", new { enable = true });
        using var bad = await installation.Http.PostAsJsonAsync($"/api/v2/admin/nodes/{a}/drain", new { deadline_seconds = 5 });
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("enable", await bad.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task At_the_drain_deadline_the_tasks_still_running_end_infrastructure_fail_and_run_again_on_another_node()
    {
        using var repository = new GitRepository();
        repository.CommitConfig(SleepConfig(6));
        await using var installation = await Installation.StartAsync(output, Journals.Sqlite);
        var a = installation.AgentName;
        await installation.AddProjectAsync(Slug, repository.Path, "secret");
        var pipeline = await installation.TriggerAsync(Slug);
        await JobWhereAsync(installation, pipeline, j => j["status"]!.GetValue<string>() == "running", "the job never ran");
        var b = installation.AgentName + "-b";
        installation.StartAgent(b);
        await WaitForNodeAsync(installation, b);

        var drained = await PostAsync(installation, $"/api/v2/admin/nodes/{a}/drain", new { enable = true, deadline_seconds = 1 });
        Assert.NotNull(drained["drain_deadline"]);

        await installation.WaitForPipelineAsync(pipeline, TimeSpan.FromMinutes(2));
        var job = (await JobAsync(installation, pipeline))!;
        Assert.Equal("success", job["status"]!.GetValue<string>());
        Assert.Equal((2, b), (Task0(job)["attempt"]!.GetValue<int>(), Task0(job)["node"]!.GetValue<string>()));
    }

    [Fact]
    public async Task A_first_sigterm_drains_the_agent_which_exits_once_its_job_ends_and_a_second_one_exits_at_once()
    {
        using var repository = new GitRepository();
        repository.CommitConfig(SleepConfig(8));
        await using var installation = await Installation.StartAsync(output, Journals.Sqlite, withAgent: false);
        var a = installation.AgentName;
        var agentA = installation.StartAgent(a, "4");
        await installation.AddProjectAsync(Slug, repository.Path, "secret");
        var first = await installation.TriggerAsync(Slug);
        await JobWhereAsync(installation, first, j => j["status"]!.GetValue<string>() == "running", "the first job never ran");

        agentA.Terminate();
        await Poll.UntilAsync(async () => (await NodeAsync(installation, a))["drain"]!.GetValue<bool>() ? "" : null, "SIGTERM did not drain the node");
        var b = installation.AgentName + "-b";
        var agentB = installation.StartAgent(b);
        // Long enough to be still running when B is stopped, however long A takes to drain and exit.
        repository.CommitConfig(SleepConfig(120));
        var second = await installation.TriggerAsync(Slug);
        var placed = await JobWhereAsync(installation, second, j => Task0(j)["node"] is not null, "the second job never found a node");
        Assert.Equal(b, Task0(placed)["node"]!.GetValue<string>());

        await installation.WaitForPipelineAsync(first, TimeSpan.FromMinutes(2));
        Assert.Equal("success", (await JobAsync(installation, first))!["status"]!.GetValue<string>());
        Assert.True(await agentA.WaitForExitAsync(TimeSpan.FromSeconds(30)), "the drained agent did not exit once idle:\n" + agentA.Output);
        Assert.Equal(0, agentA.ExitCode);
        Assert.Contains("drained and idle; exiting", agentA.Output);

        // B runs the second job: two SIGTERMs stop it at once, and the job's task is offered again.
        await JobWhereAsync(installation, second, j => j["status"]!.GetValue<string>() == "running", "the second job never ran");
        agentB.Terminate();
        await Task.Delay(500);
        agentB.Terminate();
        Assert.True(await agentB.WaitForExitAsync(TimeSpan.FromSeconds(10)), "a second SIGTERM did not stop the agent:\n" + agentB.Output);
        var requeued = await JobWhereAsync(installation, second, j => Task0(j)["attempt"]!.GetValue<int>() == 2, "the stopped agent's task never ran again");
        Assert.NotEqual("success", Task0(requeued)["status"]!.GetValue<string>());
        Assert.Equal("down", (await Poll.UntilAsync(async () => await NodeAsync(installation, b) is { } n && n["status"]!.GetValue<string>() == "down" ? n : null,
            "the stopped node never went down"))["status"]!.GetValue<string>());
    }
}
