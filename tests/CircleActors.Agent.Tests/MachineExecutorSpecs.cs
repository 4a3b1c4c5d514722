using System.Diagnostics;
using CircleActors.Agent.Executors.Machine;
using CircleActors.Agent.Steps;
using CircleActors.Domain.Config;
using MachineExecutor = CircleActors.Agent.Executors.Machine.MachineExecutor;
using static CircleActors.Agent.Tests.Tasks;

namespace CircleActors.Agent.Tests;

public sealed class MachineExecutorSpecs : IDisposable
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(60);

    private readonly DirectoryInfo root = Directory.CreateTempSubdirectory("circleactors-machine-");
    private readonly MachineExecutor executor;

    public MachineExecutorSpecs() => executor = new MachineExecutor(new MachineExecutorOptions("machine-agent", root.FullName));

    public void Dispose() => root.Delete(recursive: true);

    private bool NoWorkspaceLeft =>
        !Directory.Exists(executor.AgentDirectory("machine-agent")) || !Directory.EnumerateFileSystemEntries(executor.AgentDirectory("machine-agent")).Any();

    [Fact]
    public async Task A_machine_task_checks_out_and_runs_steps_in_a_workspace_that_is_home_and_removes_it_afterwards()
    {
        using var repository = new TestRepository();
        var job = MachineJob(
            new CheckoutStep(),
            new RunStep("cat hello.txt; test -d .git; echo \"home=$HOME\"; echo \"pwd=$(pwd)\"; echo \"job=$CIRCLE_JOB shell=$0\"; set -o | grep pipefail"));
        var reporter = new RecordingReporter();

        var result = await new TaskRunner(executor).RunAsync(Spec(job, repository.Directory, repository.Revision), reporter, CancellationToken.None).WaitAsync(TestTimeout);

        Assert.True(result.Outcome == TaskOutcome.Success, reporter.AllOutput);
        var output = reporter.OutputOf(2);
        var home = output.Split('\n').Single(l => l.StartsWith("home=", StringComparison.Ordinal))[5..];
        Assert.StartsWith(executor.AgentDirectory("machine-agent"), home);
        Assert.Contains("hello from the repository\n", output);
        Assert.Contains($"pwd={home}/project\n", output);
        Assert.Contains("job=build shell=/bin/bash\n", output);
        Assert.Matches(@"pipefail\s+on", output);
        Assert.False(Directory.Exists(home));
        Assert.True(NoWorkspaceLeft);
    }

    [Fact]
    public async Task Cancelling_a_machine_step_kills_its_processes_within_two_seconds()
    {
        var job = MachineJob(new RunStep("echo started; sleep 60 & wait; echo too-late"));
        var reporter = new RecordingReporter();
        using var cancellation = new CancellationTokenSource();
        var running = new TaskRunner(executor).RunAsync(Spec(job), reporter, cancellation.Token);
        await reporter.OutputContaining("started").WaitAsync(TestTimeout);

        var clock = Stopwatch.StartNew();
        cancellation.Cancel();
        var result = await running.WaitAsync(TestTimeout);

        Assert.Equal(TaskOutcome.Canceled, result.Outcome);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");
        Assert.Equal(StepOutcome.Canceled, reporter.OutcomeOf(1));
        Assert.DoesNotContain("too-late", reporter.AllOutput);
        Assert.True(NoWorkspaceLeft);
    }

    [Fact]
    public async Task A_checkout_of_a_repository_that_does_not_exist_fails_the_step_and_the_task()
    {
        var job = MachineJob(new CheckoutStep(), new RunStep("echo never"));
        var reporter = new RecordingReporter();

        var result = await new TaskRunner(executor).RunAsync(Spec(job, repositoryUrl: Path.Combine(root.FullName, "no-such-repo")), reporter, CancellationToken.None)
            .WaitAsync(TestTimeout);

        Assert.Equal(TaskOutcome.Failed, result.Outcome);
        Assert.Equal(StepOutcome.Failed, reporter.OutcomeOf(1));
        Assert.Contains("git clone failed", reporter.OutputOf(1));
        Assert.Equal(StepOutcome.Skipped, reporter.OutcomeOf(2));
    }

    [Fact]
    public async Task Workspaces_left_by_an_agent_are_removed_when_it_restarts()
    {
        var environment = await executor.PrepareAsync(Spec(MachineJob()), _ => { }, CancellationToken.None);
        File.WriteAllText(Path.Combine(environment.HomeDirectory, "left.txt"), "x");

        var removed = await executor.RemoveLeftoversAsync("machine-agent", CancellationToken.None);

        Assert.Equal(1, removed);
        Assert.True(NoWorkspaceLeft);
        await environment.DisposeAsync();
    }

    [Fact]
    public async Task The_agent_environment_does_not_leak_into_steps()
    {
        Environment.SetEnvironmentVariable("CIRCLEACTORS_AGENT_SECRET", "hunter2");
        var job = MachineJob(new RunStep("echo \"secret=${CIRCLEACTORS_AGENT_SECRET:-none}\""));
        var reporter = new RecordingReporter();

        await new TaskRunner(executor).RunAsync(Spec(job), reporter, CancellationToken.None).WaitAsync(TestTimeout);

        Assert.Contains("secret=none\n", reporter.OutputOf(1));
    }
}
