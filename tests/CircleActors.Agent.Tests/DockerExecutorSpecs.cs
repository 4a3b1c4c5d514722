using CircleActors.Agent.Executors.Docker;
using CircleActors.Agent.Steps;
using CircleActors.Domain.Config;
using static CircleActors.Agent.Tests.Tasks;
using ConfigDockerExecutor = CircleActors.Domain.Config.DockerExecutor;
using DockerExecutor = CircleActors.Agent.Executors.Docker.DockerExecutor;

namespace CircleActors.Agent.Tests;

/// <summary>Executor specs on the real Docker engine, in the busybox image the scripts build.</summary>
[Collection(DockerEngineCollection.Name)]
public sealed class DockerExecutorSpecs : IDisposable
{
    private const string Busybox = DockerEngineFixture.BusyboxImage;
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(60);

    // A name per test, so each test sees only its own containers.
    private readonly string agentName = $"test-{Guid.NewGuid():N}";
    private readonly DockerExecutor executor;

    public DockerExecutorSpecs(DockerEngineFixture engine)
    {
        _ = engine;
        executor = new DockerExecutor(new DockerExecutorOptions(agentName));
    }

    public void Dispose()
    {
        executor.RemoveLeftoversAsync(agentName, CancellationToken.None).GetAwaiter().GetResult();
        executor.Dispose();
    }

    private async Task<(TaskResult Result, RecordingReporter Reporter)> Run(Domain.Jobs.JobTaskSpec spec, CancellationToken cancellationToken = default)
    {
        var reporter = new RecordingReporter();
        var result = await new TaskRunner(executor).RunAsync(spec, reporter, cancellationToken).WaitAsync(TestTimeout);
        return (result, reporter);
    }

    [Fact]
    public async Task A_docker_task_checks_out_the_repository_and_runs_steps_with_the_builtin_variables()
    {
        using var repository = new TestRepository();
        var job = DockerJob(Busybox,
            new CheckoutStep(),
            new RunStep("cat hello.txt && test -d .git && echo \"pwd=$(pwd)\"", Name: "Show the file"),
            new RunStep("echo \"ci=$CI circleci=$CIRCLECI sha=$CIRCLE_SHA1 branch=$CIRCLE_BRANCH tag=${CIRCLE_TAG-unset} num=$CIRCLE_BUILD_NUM job=$CIRCLE_JOB\"\n" +
                        "echo \"node=$CIRCLE_NODE_INDEX/$CIRCLE_NODE_TOTAL user=$CIRCLE_PROJECT_USERNAME repo=$CIRCLE_PROJECT_REPONAME url=$CIRCLE_REPOSITORY_URL\"\n" +
                        "echo \"workflow=$CIRCLE_WORKFLOW_ID pipeline=$CIRCLE_PIPELINE_ID wd=$CIRCLE_WORKING_DIRECTORY\"\n" +
                        "echo \"job_env=$FROM_JOB step_env=$FROM_STEP overridden=$OVERRIDDEN\"",
                Environment: new Dictionary<string, string> { ["FROM_STEP"] = "s", ["OVERRIDDEN"] = "by-step" })) with
        {
            Environment = new Dictionary<string, string> { ["FROM_JOB"] = "j", ["OVERRIDDEN"] = "by-job" },
        };
        var spec = Spec(job, repository.Directory, repository.Revision);

        var (result, reporter) = await Run(spec);

        Assert.True(result.Outcome == TaskOutcome.Success, reporter.AllOutput);
        Assert.Equal([TaskRunner.SpinUpStepName, TaskRunner.CheckoutStepName, "Show the file", "echo \"ci=$CI circleci=$CIRCLECI sha=$CIRCLE_SHA1 branch=$CIRCLE_BRANCH tag=${CIRCLE_TAG-unset} num=$CIRCLE_BUILD_NUM job=$CIRCLE_JOB\""], reporter.StepNames);
        Assert.Contains($"Using image {Busybox}", reporter.OutputOf(0));
        Assert.Contains("hello from the repository\n", reporter.OutputOf(2));
        Assert.Contains("pwd=/root/project\n", reporter.OutputOf(2));
        var variables = reporter.OutputOf(3);
        Assert.Contains($"ci=true circleci=true sha={repository.Revision} branch=main tag=unset num=42 job=build\n", variables);
        Assert.Contains($"node=0/1 user=acme repo=app url={repository.Directory}\n", variables);
        Assert.Contains($"workflow={spec.WorkflowId} pipeline={spec.PipelineId} wd=~/project\n", variables);
        Assert.Contains("job_env=j step_env=s overridden=by-step\n", variables);
        Assert.Empty(await executor.ListContainersAsync(agentName, CancellationToken.None));
    }

    [Fact]
    public async Task A_failing_step_fails_the_task_skips_the_next_on_success_step_and_runs_an_always_step()
    {
        var job = DockerJob(Busybox,
            new RunStep("echo before; exit 3", Name: "Fail"),
            new RunStep("echo should-not-run", Name: "On success"),
            new RunStep("echo cleanup", Name: "Always", When: StepWhen.Always),
            new RunStep("echo reacting", Name: "On fail", When: StepWhen.OnFail));

        var (result, reporter) = await Run(Spec(job));

        Assert.Equal(TaskOutcome.Failed, result.Outcome);
        Assert.Equal("failed", result.Status);
        Assert.Contains("exit code 3", result.Reason);
        Assert.Equal(3, reporter.Finished(1).ExitCode);
        Assert.Equal(StepOutcome.Failed, reporter.OutcomeOf(1));
        Assert.Equal(StepOutcome.Skipped, reporter.OutcomeOf(2));
        Assert.DoesNotContain("should-not-run", reporter.AllOutput);
        Assert.Equal(StepOutcome.Success, reporter.OutcomeOf(3));
        Assert.Contains("cleanup\n", reporter.OutputOf(3));
        Assert.Equal(StepOutcome.Success, reporter.OutcomeOf(4));
        Assert.Contains("reacting\n", reporter.OutputOf(4));
    }

    [Fact]
    public async Task Output_reaches_the_reporter_before_the_step_finishes()
    {
        var job = DockerJob(Busybox, new RunStep("echo first; sleep 2; echo second", Name: "Slow"));

        var (result, reporter) = await Run(Spec(job));

        Assert.Equal(TaskOutcome.Success, result.Outcome);
        var first = reporter.Events.First(e => e.Kind == "output" && e.Step == 1 && e.Text.Contains("first"));
        var second = reporter.Events.First(e => e.Kind == "output" && e.Step == 1 && e.Text.Contains("second"));
        var finished = reporter.Finished(1);
        Assert.DoesNotContain("second", first.Text);
        Assert.True(finished.At - first.At > TimeSpan.FromSeconds(1.5), string.Join("\n", reporter.Events));
        Assert.True(second.At > first.At);
    }

    [Fact]
    public async Task A_missing_image_ends_the_task_as_an_infrastructure_failure_that_names_the_image()
    {
        var job = DockerJob("circleactors/not-here:1.0", new RunStep("echo never"));

        var (result, reporter) = await Run(Spec(job));

        Assert.Equal(TaskOutcome.InfrastructureFail, result.Outcome);
        Assert.Equal("infrastructure_fail", result.Status);
        Assert.Contains("image \"circleactors/not-here:1.0\" is not available on this agent's Docker engine and could not be pulled", result.Reason);
        Assert.Contains("circleactors/not-here:1.0", reporter.OutputOf(0));
        Assert.Equal(StepOutcome.Failed, reporter.OutcomeOf(0));
        Assert.Equal([TaskRunner.SpinUpStepName], reporter.StepNames);
    }

    [Fact]
    public async Task Cancelling_stops_the_running_step_within_two_seconds_and_removes_the_container()
    {
        var job = DockerJob(Busybox, new RunStep("echo started; sleep 60; echo too-late", Name: "Long"), new RunStep("echo next", When: StepWhen.Always));
        var reporter = new RecordingReporter();
        using var cancellation = new CancellationTokenSource();
        var running = new TaskRunner(executor).RunAsync(Spec(job), reporter, cancellation.Token);

        await reporter.OutputContaining("started").WaitAsync(TestTimeout);
        Assert.NotEmpty(await executor.ListContainersAsync(agentName, CancellationToken.None));
        var cancelAt = reporter.Now;
        cancellation.Cancel();
        var result = await running.WaitAsync(TestTimeout);

        Assert.Equal(TaskOutcome.Canceled, result.Outcome);
        Assert.Equal(StepOutcome.Canceled, reporter.OutcomeOf(1));
        var stoppedAfter = reporter.Finished(1).At - cancelAt;
        Assert.True(stoppedAfter < TimeSpan.FromSeconds(2), $"the step ended {stoppedAfter} after the cancel");
        Assert.DoesNotContain("too-late", reporter.AllOutput);
        Assert.Equal(2, reporter.StepNames.Count);
        Assert.Empty(await executor.ListContainersAsync(agentName, CancellationToken.None));
    }

    [Fact]
    public async Task Without_bash_in_the_image_steps_run_with_sh_and_the_output_says_so()
    {
        var job = DockerJob(Busybox, new RunStep("echo \"shell=$0\""));

        var (result, reporter) = await Run(Spec(job));

        Assert.Equal(TaskOutcome.Success, result.Outcome);
        Assert.Contains("/bin/bash is not in this environment: running with /bin/sh -e instead\n", reporter.OutputOf(1));
        Assert.Contains("shell=/bin/sh\n", reporter.OutputOf(1));
    }

    [Fact]
    public async Task A_shell_set_on_the_job_is_used_as_written()
    {
        var job = DockerJob(Busybox, new RunStep("echo \"shell=$0\"; false; echo survived")) with { Shell = "/bin/sh" };

        var (result, reporter) = await Run(Spec(job));

        Assert.Equal(TaskOutcome.Success, result.Outcome);
        Assert.DoesNotContain("is not in this environment", reporter.OutputOf(1));
        Assert.Contains("survived\n", reporter.OutputOf(1));
    }

    [Fact]
    public async Task Containers_left_by_an_agent_are_removed_when_it_restarts()
    {
        var environment = await executor.PrepareAsync(Spec(DockerJob(Busybox)), _ => { }, CancellationToken.None);
        Assert.Single(await executor.ListContainersAsync(agentName, CancellationToken.None));

        var removed = await executor.RemoveLeftoversAsync(agentName, CancellationToken.None);

        Assert.Equal(1, removed);
        Assert.Empty(await executor.ListContainersAsync(agentName, CancellationToken.None));
        await environment.DisposeAsync();
    }

    [Fact]
    public async Task Stdout_and_stderr_both_reach_the_output_and_a_last_line_without_newline_is_completed()
    {
        var job = DockerJob(Busybox, new RunStep("echo out; echo err >&2; printf 'tail'", Shell: "/bin/sh -e"));

        var (_, reporter) = await Run(Spec(job));

        var output = reporter.OutputOf(1);
        Assert.Contains("out\n", output);
        Assert.Contains("err\n", output);
        Assert.Contains("tail\n", output);
    }

    [Fact]
    public async Task A_step_working_directory_is_relative_to_the_job_one_and_created_when_missing()
    {
        var job = DockerJob(Busybox, new RunStep("pwd", WorkingDirectory: "sub/dir"), new RunStep("pwd", WorkingDirectory: "/tmp")) with { WorkingDirectory = "~/app" };

        var (result, reporter) = await Run(Spec(job));

        Assert.True(result.Outcome == TaskOutcome.Success, reporter.AllOutput);
        Assert.Contains("/root/app/sub/dir\n", reporter.OutputOf(1));
        Assert.Contains("/tmp\n", reporter.OutputOf(2));
    }
}
