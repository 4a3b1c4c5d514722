using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using CircleActors.EndToEnd.Tests.Support;
using Xunit.Abstractions;

namespace CircleActors.EndToEnd.Tests;

/// <summary>Approving a held job and canceling work, through the API, on real processes and Docker.</summary>
public sealed class WorkflowControlSpecs(ITestOutputHelper output)
{
    private const string Slug = "gh/acme/control";

    internal const string ApprovalConfig = """
        version: 2.1
        jobs:
          build:
            docker: [{ image: circleactors/busybox:latest }]
            steps: [{ run: echo built }]
          deploy:
            docker: [{ image: circleactors/busybox:latest }]
            steps: [{ run: echo deployed after approval }]
        workflows:
          release:
            jobs:
              - build
              - hold:
                  type: approval
                  requires: [build]
              - deploy:
                  requires: [hold]
        """;

    private const string LongConfig = """
        version: 2.1
        jobs:
          long:
            docker: [{ image: circleactors/busybox:latest }]
            steps: [{ run: { name: Sleep, command: "echo sleeping; sleep 120" } }]
          after:
            docker: [{ image: circleactors/busybox:latest }]
            steps: [{ run: echo never }]
        workflows:
          slow:
            jobs:
              - long
              - after:
                  requires: [long]
        """;

    private static async Task<JsonNode> WaitForWorkflowAsync(Installation installation, string pipelineId, string status)
    {
        var watch = Stopwatch.StartNew();
        JsonNode? workflow = null;
        while (watch.Elapsed < TimeSpan.FromSeconds(90))
        {
            var items = (await installation.GetAsync($"/api/v2/pipeline/{pipelineId}/workflow"))["items"]!.AsArray();
            workflow = items.FirstOrDefault();
            if (workflow?["status"]?.GetValue<string>() == status) return workflow;
            await Task.Delay(200);
        }
        throw new TimeoutException($"workflow never {status}: {workflow}");
    }

    private static async Task<HttpStatusCode> PostAsync(Installation installation, string path)
    {
        using var response = await installation.Http.PostAsync(path, null);
        return response.StatusCode;
    }

    [Fact]
    public async Task A_held_workflow_runs_its_dependants_once_approved_and_a_second_approval_is_refused()
    {
        using var repository = new GitRepository();
        repository.CommitConfig(ApprovalConfig);
        await using var installation = await Installation.StartAsync(output, Journals.Sqlite);
        await installation.AddProjectAsync(Slug, repository.Path, "secret");
        var pipelineId = await installation.TriggerAsync(Slug);

        var workflow = await WaitForWorkflowAsync(installation, pipelineId, "on_hold");
        var workflowId = workflow["id"]!.GetValue<string>();
        var jobs = await installation.WorkflowJobsAsync(pipelineId);
        var hold = jobs.Single(j => j!["name"]!.GetValue<string>() == "hold")!;
        Assert.Equal("approval", hold["type"]!.GetValue<string>());
        Assert.Equal("on_hold", hold["status"]!.GetValue<string>());
        Assert.Equal("blocked", jobs.Single(j => j!["name"]!.GetValue<string>() == "deploy")!["status"]!.GetValue<string>());

        Assert.Equal(HttpStatusCode.Accepted, await PostAsync(installation, $"/api/v2/workflow/{workflowId}/approve/{hold["id"]}"));
        var pipeline = await installation.WaitForPipelineAsync(pipelineId, TimeSpan.FromMinutes(2));

        Assert.Equal("created", pipeline["state"]!.GetValue<string>());
        Assert.Equal("success", (await installation.GetAsync($"/api/v2/workflow/{workflowId}"))["status"]!.GetValue<string>());
        var deploy = (await installation.WorkflowJobsAsync(pipelineId)).Single(j => j!["name"]!.GetValue<string>() == "deploy")!;
        Assert.Contains("deployed after approval", await installation.GetTextAsync($"/api/v2/project/{Slug}/job/{deploy["job_number"]}/output"));
        Assert.Equal(HttpStatusCode.Conflict, await PostAsync(installation, $"/api/v2/workflow/{workflowId}/approve/{hold["id"]}"));
        var audit = await PushToGreenSpecs.WaitForAuditAsync(installation, rows => rows.Any(r => r.Action == "workflow.job.approve"));
        Assert.Contains("\"\"id\"\":\"\"admin\"\"", audit.Single(r => r.Action == "workflow.job.approve").Line);
    }

    [Fact]
    public async Task Canceling_a_job_mid_step_stops_it_within_two_seconds_removes_its_container_and_cancels_the_workflow()
    {
        using var repository = new GitRepository();
        repository.CommitConfig(LongConfig);
        await using var installation = await Installation.StartAsync(output, Journals.Sqlite);
        await installation.AddProjectAsync(Slug, repository.Path, "secret");
        var pipelineId = await installation.TriggerAsync(Slug);

        JsonNode? job = null;
        for (var i = 0; i < 300; i++)
        {
            var jobs = await installation.WorkflowJobsAsync(pipelineId);
            job = jobs.SingleOrDefault(j => j!["name"]!.GetValue<string>() == "long");
            if (job is not null && job["status"]!.GetValue<string>() == "running" &&
                (await installation.GetTextAsync($"/api/v2/project/{Slug}/job/{job["job_number"]}/output")).Contains("sleeping"))
                break;
            await Task.Delay(200);
        }
        var number = job!["job_number"]!.GetValue<long>();
        Assert.Single(Containers(installation.AgentName));

        var requested = DateTimeOffset.UtcNow;
        Assert.Equal(HttpStatusCode.Accepted, await PostAsync(installation, $"/api/v2/project/{Slug}/job/{number}/cancel"));
        await installation.WaitForPipelineAsync(pipelineId, TimeSpan.FromSeconds(60));

        var details = await installation.GetAsync($"/api/v2/project/{Slug}/job/{number}");
        Assert.Equal("canceled", details["status"]!.GetValue<string>());
        var sleep = details["tasks"]![0]!["steps"]!.AsArray().Single(s => s!["name"]!.GetValue<string>() == "Sleep")!;
        Assert.Equal("canceled", sleep["status"]!.GetValue<string>());
        var stoppedAfter = sleep["stopped_at"]!.GetValue<DateTimeOffset>() - requested;
        output.WriteLine($"the step stopped {stoppedAfter.TotalMilliseconds:0} ms after the cancel request");
        Assert.True(stoppedAfter < TimeSpan.FromSeconds(2), $"the step stopped {stoppedAfter} after the cancel");
        Assert.Empty(Containers(installation.AgentName));
        var workflow = (await installation.GetAsync($"/api/v2/pipeline/{pipelineId}/workflow"))["items"]![0]!;
        Assert.Equal("canceled", workflow["status"]!.GetValue<string>());
        var after = (await installation.WorkflowJobsAsync(pipelineId)).Single(j => j!["name"]!.GetValue<string>() == "after")!;
        Assert.Equal("blocked", after["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Canceling_a_workflow_cancels_its_running_job_and_what_would_have_followed()
    {
        using var repository = new GitRepository();
        repository.CommitConfig(LongConfig);
        await using var installation = await Installation.StartAsync(output, Journals.Sqlite);
        await installation.AddProjectAsync(Slug, repository.Path, "secret");
        var pipelineId = await installation.TriggerAsync(Slug);
        var workflow = await WaitForWorkflowAsync(installation, pipelineId, "running");
        for (var i = 0; i < 300 && !(await installation.WorkflowJobsAsync(pipelineId)).Any(j => j!["status"]!.GetValue<string>() == "running"); i++)
            await Task.Delay(200);

        Assert.Equal(HttpStatusCode.Accepted, await PostAsync(installation, $"/api/v2/workflow/{workflow["id"]}/cancel"));
        await installation.WaitForPipelineAsync(pipelineId, TimeSpan.FromSeconds(60));

        var jobs = await installation.WorkflowJobsAsync(pipelineId);
        Assert.Equal("canceled", jobs.Single(j => j!["name"]!.GetValue<string>() == "long")!["status"]!.GetValue<string>());
        Assert.Equal("canceled", jobs.Single(j => j!["name"]!.GetValue<string>() == "after")!["status"]!.GetValue<string>());
        Assert.Equal("canceled", (await installation.GetAsync($"/api/v2/workflow/{workflow["id"]}"))["status"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Conflict, await PostAsync(installation, $"/api/v2/workflow/{workflow["id"]}/cancel"));
        Assert.Empty(Containers(installation.AgentName));
    }

    private const string ParameterConfig = """
        version: 2.1
        parameters:
          target:
            type: enum
            enum: [staging, production]
            default: staging
          verbose:
            type: boolean
            default: false
        jobs:
          deploy:
            docker: [{ image: circleactors/busybox:latest }]
            steps:
              - run: echo "deploying to << pipeline.parameters.target >> verbose=<< pipeline.parameters.verbose >>"
        workflows:
          release:
            jobs: [deploy]
        """;

    [Fact]
    public async Task Pipeline_parameters_given_with_a_trigger_reach_the_config_and_bad_ones_are_refused_with_the_reason()
    {
        using var repository = new GitRepository();
        repository.CommitConfig(ParameterConfig);
        await using var installation = await Installation.StartAsync(output, Journals.Sqlite);
        await installation.AddProjectAsync(Slug, repository.Path, "secret");

        async Task<(HttpStatusCode Status, JsonNode Body)> Trigger(string json)
        {
            using var response = await installation.Http.PostAsync($"/api/v2/project/{Slug}/pipeline", new StringContent(json, Encoding.UTF8, "application/json"));
            return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
        }

        var badEnum = await Trigger("""{"branch":"main","parameters":{"target":"qa"}}""");
        var unknown = await Trigger("""{"branch":"main","parameters":{"region":"eu"}}""");
        var wrongType = await Trigger("""{"branch":"main","parameters":{"verbose":"very"}}""");
        var notScalar = await Trigger("""{"branch":"main","parameters":{"target":["a"]}}""");
        Assert.All(new[] { badEnum, unknown, wrongType, notScalar }, r => Assert.Equal(HttpStatusCode.BadRequest, r.Status));
        Assert.Contains("target for the pipeline must be one of staging, production", badEnum.Body["message"]!.GetValue<string>());
        Assert.Contains("region", unknown.Body["message"]!.GetValue<string>());
        Assert.Contains("verbose", wrongType.Body["message"]!.GetValue<string>());
        Assert.Contains("target", notScalar.Body["message"]!.GetValue<string>());
        Assert.Empty((await installation.GetAsync($"/api/v2/project/{Slug}/pipeline"))["items"]!.AsArray());

        var good = await Trigger("""{"branch":"main","parameters":{"target":"production","verbose":true}}""");
        Assert.Equal(HttpStatusCode.Created, good.Status);
        var pipelineId = good.Body["id"]!.GetValue<string>();
        await installation.WaitForPipelineAsync(pipelineId, TimeSpan.FromMinutes(2));
        var job = Assert.Single(await installation.WorkflowJobsAsync(pipelineId))!;
        Assert.Contains("deploying to production verbose=true",
            await installation.GetTextAsync($"/api/v2/project/{Slug}/job/{job["job_number"]}/output"));
    }

    [Fact]
    public async Task Rerunning_from_failed_reuses_the_jobs_that_succeeded_and_runs_the_failed_one_again()
    {
        using var repository = new GitRepository();
        repository.CommitConfig("""
            version: 2.1
            jobs:
              build:
                docker: [{ image: circleactors/busybox:latest }]
                steps: [{ run: echo built }]
              test:
                docker: [{ image: circleactors/busybox:latest }]
                steps: [{ run: echo "test run"; exit 1 }]
            workflows:
              ci:
                jobs:
                  - build
                  - test: { requires: [build] }
            """);
        await using var installation = await Installation.StartAsync(output, Journals.Sqlite);
        await installation.AddProjectAsync(Slug, repository.Path, "secret");
        var pipelineId = await installation.TriggerAsync(Slug);
        var first = await WaitForWorkflowAsync(installation, pipelineId, "failed");
        await installation.WaitForPipelineAsync(pipelineId, TimeSpan.FromMinutes(2));

        using var response = await installation.Http.PostAsync($"/api/v2/workflow/{first["id"]}/rerun",
            new StringContent("""{"from_failed":true}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var rerunId = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["workflow_id"]!.GetValue<string>();

        JsonNode rerun = new JsonObject();
        for (var i = 0; i < 300; i++)
        {
            rerun = await installation.GetAsync($"/api/v2/workflow/{rerunId}");
            if (rerun["status"]!.GetValue<string>() == "failed") break;
            await Task.Delay(200);
        }
        Assert.Equal("failed", rerun["status"]!.GetValue<string>());
        Assert.Equal(pipelineId, rerun["pipeline_id"]!.GetValue<string>());
        var workflows = (await installation.GetAsync($"/api/v2/pipeline/{pipelineId}/workflow"))["items"]!.AsArray();
        Assert.Equal(2, workflows.Count);

        var jobs = (await installation.GetAsync($"/api/v2/workflow/{rerunId}/job"))["items"]!.AsArray();
        var build = jobs.Single(j => j!["name"]!.GetValue<string>() == "build")!;
        var test = jobs.Single(j => j!["name"]!.GetValue<string>() == "test")!;
        Assert.Equal("success", build["status"]!.GetValue<string>());
        Assert.Null(build["job_number"]); // reused: it did not run again
        Assert.Equal(3, test["job_number"]!.GetValue<long>());
        var rerunOutput = await installation.GetTextAsync($"/api/v2/project/{Slug}/job/3/output");
        Assert.True(rerunOutput.Contains("test run", StringComparison.Ordinal), rerunOutput);
        var audit = await PushToGreenSpecs.WaitForAuditAsync(installation, rows => rows.Any(r => r.Action == "workflow.retry"));
        Assert.Equal(2, audit.Count(r => r.Action == "workflow.start"));
        Assert.Single(audit, r => r.Action == "workflow.retry");
    }

    [Fact]
    public async Task With_auto_cancel_on_a_new_pipeline_on_a_branch_cancels_the_branchs_running_workflow()
    {
        using var repository = new GitRepository();
        repository.CommitConfig(LongConfig);
        repository.Branch("feature");
        await using var installation = await Installation.StartAsync(output, Journals.Sqlite);
        await installation.AddProjectAsync(Slug, repository.Path, "secret");
        using (var settings = await installation.Http.PatchAsync($"/api/v2/project/{Slug}/settings",
                   new StringContent("""{"advanced":{"autocancel_builds":true}}""", Encoding.UTF8, "application/json")))
            Assert.Equal(HttpStatusCode.OK, settings.StatusCode);
        Assert.True((await installation.GetAsync($"/api/v2/project/{Slug}/settings"))["advanced"]!["autocancel_builds"]!.GetValue<bool>());

        var first = await installation.TriggerAsync(Slug, "feature");
        var firstWorkflow = await WaitForWorkflowAsync(installation, first, "running");
        var second = await installation.TriggerAsync(Slug, "feature");

        await installation.WaitForPipelineAsync(first, TimeSpan.FromSeconds(60));
        Assert.Equal("canceled", (await installation.GetAsync($"/api/v2/workflow/{firstWorkflow["id"]}"))["status"]!.GetValue<string>());
        var secondWorkflow = await WaitForWorkflowAsync(installation, second, "running");
        Assert.Equal("running", secondWorkflow["status"]!.GetValue<string>());
        var audit = await PushToGreenSpecs.WaitForAuditAsync(installation, rows => rows.Any(r => r.Action == "workflow.cancel"));
        Assert.Contains("\"\"type\"\":\"\"system\"\"", audit.Single(r => r.Action == "workflow.cancel").Line);
        Assert.Single(audit, r => r.Action == "project.settings.update");
    }

    /// <summary>The ids of the containers an agent has on the local engine, by the label it puts on them.</summary>
    private static IReadOnlyList<string> Containers(string agent)
    {
        var start = new ProcessStartInfo("docker", ["ps", "-q", "--filter", $"label=circleactors.agent={agent}"]) { RedirectStandardOutput = true };
        using var process = Process.Start(start)!;
        var text = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }
}
