using CircleActors.Agent.Executors.Machine;
using CircleActors.Agent.Steps;
using CircleActors.Domain.Config;
using CircleActors.Domain.Jobs;
using static CircleActors.Agent.Tests.Tasks;
using MachineExecutor = CircleActors.Agent.Executors.Machine.MachineExecutor;

namespace CircleActors.Agent.Tests;

/// <summary>Project variables in real processes on the machine executor: precedence, masking, the run-time limit.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ProjectEnvironmentAndMaskingSpecs : IDisposable
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(60);

    private readonly DirectoryInfo root = WorkspaceRoots.Create("circleactors-masking-");
    private readonly MachineExecutor executor;

    public ProjectEnvironmentAndMaskingSpecs() => executor = new MachineExecutor(new MachineExecutorOptions("masking-agent", root.FullName));

    public void Dispose() => root.Delete(recursive: true);

    private sealed class Refusing : IProjectEnvironment
    {
        public Task<ProjectSecrets> LoadAsync(JobTaskSpec task, CancellationToken cancellationToken) =>
            throw new ProjectEnvironmentException("project gh/acme/app did not send its environment variables");
    }

    [Fact]
    public async Task Project_variables_reach_the_steps_below_job_and_step_environment_and_their_values_are_masked()
    {
        var project = new StaticProjectEnvironment(new()
        {
            ["API_TOKEN"] = "tok-3f9a77c1",
            ["MULTI_LINE"] = "first-half\nsecond-half",
            ["SHORT"] = "abc",
            ["FROM_JOB"] = "project-value",
            ["FROM_STEP"] = "project-value",
            ["CIRCLE_JOB"] = "project-value",
        });
        var job = MachineJob(new RunStep(
            "echo \"token=$API_TOKEN\"; printf '%s\\n' \"$MULTI_LINE\"; printf 'tok-3f'; sleep 0.3; printf '9a77c1 split\\n'; " +
            "echo \"short=$SHORT job=$FROM_JOB step=$FROM_STEP builtin=$CIRCLE_JOB\"",
            Environment: new Dictionary<string, string> { ["FROM_STEP"] = "step-value" })) with
        {
            Environment = new Dictionary<string, string> { ["FROM_JOB"] = "job-value" },
        };
        var reporter = new RecordingReporter();

        var result = await new TaskRunner(executor, projectEnvironment: project).RunAsync(Spec(job), reporter, CancellationToken.None).WaitAsync(TestTimeout);

        Assert.Equal(TaskOutcome.Success, result.Outcome);
        var output = reporter.OutputOf(1);
        Assert.Contains("token=********\n", output);
        Assert.Contains("********\n", output);
        Assert.Contains("******** split\n", output);
        Assert.DoesNotContain("tok-3f9a77c1", reporter.AllOutput);
        Assert.DoesNotContain("first-half", reporter.AllOutput);
        Assert.DoesNotContain("second-half", reporter.AllOutput);
        // Under four characters a value is not masked; config and built-in variables win over the project's.
        Assert.Contains("short=abc job=job-value step=step-value builtin=build\n", output);
    }

    [Fact]
    public async Task A_project_environment_that_cannot_be_loaded_is_an_infrastructure_failure_before_any_step()
    {
        var reporter = new RecordingReporter();

        var result = await new TaskRunner(executor, projectEnvironment: new Refusing()).RunAsync(Spec(MachineJob(new RunStep("echo never"))), reporter, CancellationToken.None);

        Assert.Equal(TaskOutcome.InfrastructureFail, result.Outcome);
        Assert.Contains("did not send its environment variables", result.Reason);
        Assert.Equal(["Spin up environment"], reporter.StepNames);
    }

    [Fact]
    public async Task A_task_past_its_maximum_run_time_is_stopped_and_fails_with_the_reason()
    {
        var limits = TaskLimits.Default with { MaxRunTime = TimeSpan.FromSeconds(2) };
        var job = MachineJob(new RunStep("echo started; sleep 30", Name: "Forever"), new RunStep("echo never"));
        var reporter = new RecordingReporter();

        var result = await new TaskRunner(executor, limits: limits).RunAsync(Spec(job), reporter, CancellationToken.None).WaitAsync(TestTimeout);

        Assert.Equal(TaskOutcome.Failed, result.Outcome);
        Assert.Equal("the job exceeded the maximum run time of 2s and was stopped", result.Reason);
        Assert.Equal(StepOutcome.TimedOut, reporter.OutcomeOf(1));
        Assert.Contains("the job exceeded the maximum run time of 2s", reporter.OutputOf(1));
        Assert.Equal(["Spin up environment", "Forever"], reporter.StepNames);
        Assert.True(reporter.Finished(1).At < TimeSpan.FromSeconds(6), $"stopped at {reporter.Finished(1).At}");
    }

    [Fact]
    public async Task A_background_step_that_fails_on_its_own_fails_the_job_and_one_still_running_is_stopped_at_the_end()
    {
        var job = MachineJob(
            new RunStep("echo crashing; exit 3", Name: "Crashes", Background: true),
            new RunStep("while :; do sleep 0.1; done", Name: "Runs on", Background: true),
            new RunStep("sleep 1; echo foreground done", Name: "Foreground"));
        var reporter = new RecordingReporter();

        var result = await new TaskRunner(executor).RunAsync(Spec(job), reporter, CancellationToken.None).WaitAsync(TestTimeout);

        Assert.Equal(TaskOutcome.Failed, result.Outcome);
        Assert.True(result.Reason == "step 1 (Crashes) failed with exit code 3", result.Reason + "\n" + reporter.AllOutput);
        Assert.Equal(StepOutcome.Failed, reporter.OutcomeOf(1));
        Assert.Equal(StepOutcome.Canceled, reporter.OutcomeOf(2));
        Assert.Equal(StepOutcome.Success, reporter.OutcomeOf(3));
        Assert.True(reporter.Finished(1).At < reporter.Finished(3).At, "the failing background step is reported when it ends");
    }

    [Fact]
    public async Task A_step_that_keeps_printing_is_not_stopped_by_its_no_output_timeout()
    {
        // Three seconds of output, a line every quarter of a second, under a two-second timeout:
        // the step outlives its timeout, and a gap between lines has 1.75 s to spare on a busy machine.
        var job = MachineJob(new RunStep("for i in 1 2 3 4 5 6 7 8 9 10 11 12; do echo tick $i; sleep 0.25; done", NoOutputTimeout: "2s"));
        var reporter = new RecordingReporter();

        var result = await new TaskRunner(executor).RunAsync(Spec(job), reporter, CancellationToken.None).WaitAsync(TestTimeout);

        Assert.True(result.Outcome == TaskOutcome.Success, $"{result.Outcome}: {result.Reason}\n{reporter.AllOutput}");
        Assert.Contains("tick 12\n", reporter.OutputOf(1));
    }
}
