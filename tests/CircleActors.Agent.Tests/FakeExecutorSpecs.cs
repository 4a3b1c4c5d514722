using System.Diagnostics;
using CircleActors.Agent.Executors;
using CircleActors.Agent.Executors.Fake;
using CircleActors.Agent.Steps;
using CircleActors.Domain.Config;
using CircleActors.Domain.Jobs;
using static CircleActors.Agent.Tests.Tasks;

namespace CircleActors.Agent.Tests;

public sealed class FakeExecutorSpecs
{
    private static JobDefinition FakeJob(params Step[] steps) => DockerJob("fake:latest", steps);

    /// <summary>A checkout that fetches nothing, so fake tasks need no repository.</summary>
    private sealed class NoSource : ISourceCheckout
    {
        public Task CheckoutAsync(JobTaskSpec task, Actors.Projects.ProjectEnvironmentProtocol.CheckoutCredentials credentials, string directory, Action<string> output, CancellationToken cancellationToken) => Task.CompletedTask;
    }

    [Fact]
    public async Task The_fake_executor_understands_echo_sleep_and_exit()
    {
        var executor = new FakeExecutor(new FakeExecutorOptions(TimeScale: 0));
        var job = FakeJob(
            new RunStep("echo \"hello $CIRCLE_JOB\"\nsleep 100\necho ${CIRCLE_NODE_TOTAL} tasks", Name: "Talk"),
            new RunStep("# a comment\ntrue\nexit 4\necho unreachable", Name: "Fail"));
        var reporter = new RecordingReporter();
        var clock = Stopwatch.StartNew();

        var result = await new TaskRunner(executor).RunAsync(Spec(job), reporter, CancellationToken.None);

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), "a time scale of 0 makes sleeps free");
        Assert.Equal(TaskOutcome.Failed, result.Outcome);
        Assert.Equal("hello build\n1 tasks\n", reporter.OutputOf(1));
        Assert.Equal(4, reporter.Finished(2).ExitCode);
        Assert.DoesNotContain("unreachable", reporter.AllOutput);
        Assert.Equal(0, executor.ActiveEnvironments);
        Assert.Equal(1, executor.PreparedEnvironments);
        Assert.Equal(["/bin/bash", "-eo", "pipefail"], executor.Commands.First().Shell);
    }

    [Fact]
    public async Task The_runner_keeps_an_agent_log_of_the_task_apart_from_its_steps_output()
    {
        var executor = new FakeExecutor(new FakeExecutorOptions(TimeScale: 0));
        var reporter = new RecordingReporter();

        await new TaskRunner(executor).RunAsync(Spec(FakeJob(new RunStep("echo step output", Name: "Talk"))), reporter, CancellationToken.None);

        var agentLog = reporter.OutputOf(Actors.Logs.LogProtocol.AgentLogStep).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, agentLog.Length);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z environment prepared in \d+\.\ds: FakeEnvironment$", agentLog[0]);
        Assert.EndsWith(" environment removed: FakeEnvironment", agentLog[1]);
        Assert.DoesNotContain("environment prepared", reporter.OutputOf(0) + reporter.OutputOf(1));
        Assert.Equal("step output\n", reporter.OutputOf(1));
    }

    [Fact]
    public async Task An_unknown_fake_command_fails_with_exit_code_127()
    {
        var reporter = new RecordingReporter();

        var result = await new TaskRunner(new FakeExecutor()).RunAsync(Spec(FakeJob(new RunStep("make all"))), reporter, CancellationToken.None);

        Assert.Equal(TaskOutcome.Failed, result.Outcome);
        Assert.Equal(127, reporter.Finished(1).ExitCode);
        Assert.Contains("fake executor: unknown command: make all", reporter.OutputOf(1));
    }

    [Fact]
    public async Task A_failing_prepare_is_an_infrastructure_failure_and_no_step_runs()
    {
        var executor = new FakeExecutor(new FakeExecutorOptions(PrepareFailure: "no capacity"));
        var reporter = new RecordingReporter();

        var result = await new TaskRunner(executor).RunAsync(Spec(FakeJob(new RunStep("echo hi"))), reporter, CancellationToken.None);

        Assert.Equal(new TaskResult(TaskOutcome.InfrastructureFail, "no capacity"), result);
        Assert.Equal(StepOutcome.Failed, reporter.OutcomeOf(0));
        Assert.Contains("no capacity\n", reporter.OutputOf(0));
        Assert.Single(reporter.StepNames);
    }

    [Fact]
    public async Task On_fail_steps_run_only_after_a_failure()
    {
        var executor = new FakeExecutor();
        var job = FakeJob(
            new RunStep("echo ok"),
            new RunStep("echo not-yet", When: StepWhen.OnFail),
            new RunStep("false"),
            new RunStep("echo now", When: StepWhen.OnFail));
        var reporter = new RecordingReporter();

        await new TaskRunner(executor).RunAsync(Spec(job), reporter, CancellationToken.None);

        Assert.Equal(StepOutcome.Skipped, reporter.OutcomeOf(2));
        Assert.Equal(StepOutcome.Failed, reporter.OutcomeOf(3));
        Assert.Equal(StepOutcome.Success, reporter.OutcomeOf(4));
        Assert.Equal("now\n", reporter.OutputOf(4));
    }

    [Fact]
    public async Task An_unsupported_step_is_reported_and_skipped_without_failing_the_task()
    {
        var reporter = new RecordingReporter();

        var result = await new TaskRunner(new FakeExecutor()).RunAsync(Spec(FakeJob(new UnsupportedStep("save_cache"), new RunStep("echo after"))), reporter, CancellationToken.None);

        Assert.Equal(TaskOutcome.Success, result.Outcome);
        Assert.Equal("save_cache", reporter.StepNames[1]);
        Assert.Equal("step type save_cache is not supported yet\n", reporter.OutputOf(1));
        Assert.Equal(StepOutcome.Skipped, reporter.OutcomeOf(1));
        Assert.Equal(TaskRunner.NoExitCode, reporter.Finished(1).ExitCode);
        Assert.Equal(StepOutcome.Success, reporter.OutcomeOf(2));
    }

    [Fact]
    public async Task A_checkout_lands_in_the_working_directory_or_its_path()
    {
        var executor = new FakeExecutor();
        var job = FakeJob(new CheckoutStep(), new CheckoutStep("src")) with { WorkingDirectory = "/work" };

        var result = await new TaskRunner(executor, new NoSource()).RunAsync(Spec(job), new RecordingReporter(), CancellationToken.None);

        Assert.Equal(TaskOutcome.Success, result.Outcome);
        Assert.Equal(["/work", "/work/src"], executor.Copies.Select(c => c.Path));
    }

    [Fact]
    public async Task Cancelling_a_fake_sleep_cancels_the_task_and_disposes_the_environment()
    {
        var executor = new FakeExecutor();
        var reporter = new RecordingReporter();
        using var cancellation = new CancellationTokenSource();
        var running = new TaskRunner(executor).RunAsync(Spec(FakeJob(new RunStep("echo started\nsleep 60"), new RunStep("echo after", When: StepWhen.Always))), reporter, cancellation.Token);
        await reporter.OutputContaining("started").WaitAsync(TimeSpan.FromSeconds(10));

        cancellation.Cancel();
        var result = await running.WaitAsync(TimeSpan.FromSeconds(2));

        Assert.Equal(TaskOutcome.Canceled, result.Outcome);
        Assert.Equal(StepOutcome.Canceled, reporter.OutcomeOf(1));
        Assert.Equal(2, reporter.StepNames.Count);
        Assert.Equal(0, executor.ActiveEnvironments);
    }

    [Fact]
    public async Task Step_environment_overrides_job_environment_which_overrides_builtin_variables()
    {
        var executor = new FakeExecutor();
        var job = FakeJob(new RunStep("echo $CI $A $B", Environment: new Dictionary<string, string> { ["B"] = "step" })) with
        {
            Environment = new Dictionary<string, string> { ["CI"] = "job", ["A"] = "job", ["B"] = "job" },
        };
        var reporter = new RecordingReporter();

        await new TaskRunner(executor).RunAsync(Spec(job, branch: null, tag: "v1.0"), reporter, CancellationToken.None);

        Assert.Equal("job job step\n", reporter.OutputOf(1));
        var variables = executor.Commands.Single().Environment;
        Assert.False(variables.ContainsKey("CIRCLE_BRANCH"));
        Assert.Equal("v1.0", variables["CIRCLE_TAG"]);
    }

    [Fact]
    public async Task The_router_sends_a_task_to_the_executor_of_its_kind_and_refuses_a_kind_it_lacks()
    {
        var docker = new FakeExecutor();
        var router = new ExecutorRouter(docker, machine: null);

        var dockerResult = await new TaskRunner(router).RunAsync(Spec(FakeJob(new RunStep("echo hi"))), new RecordingReporter(), CancellationToken.None);
        var machineResult = await new TaskRunner(router).RunAsync(Spec(MachineJob(new RunStep("echo hi"))), new RecordingReporter(), CancellationToken.None);

        Assert.Equal(TaskOutcome.Success, dockerResult.Outcome);
        Assert.Equal(1, docker.PreparedEnvironments);
        Assert.Equal(new TaskResult(TaskOutcome.InfrastructureFail, "this agent cannot run machine executors"), machineResult);
    }
}
