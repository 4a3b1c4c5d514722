using System.Diagnostics;
using CircleActors.Agent.Executors;
using CircleActors.Agent.Executors.Machine;
using CircleActors.Agent.Steps;
using CircleActors.Domain.Config;
using MachineExecutor = CircleActors.Agent.Executors.Machine.MachineExecutor;
using static CircleActors.Agent.Tests.Tasks;

namespace CircleActors.Agent.Tests;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class MachineExecutorSpecs : IDisposable
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(60);

    private readonly DirectoryInfo root = WorkspaceRoots.Create("circleactors-machine-");
    private readonly MachineExecutor executor;

    private readonly DirectoryInfo agentData = Directory.CreateTempSubdirectory("circleactors-agent-data-");

    public MachineExecutorSpecs()
    {
        File.WriteAllText(Path.Combine(agentData.FullName, "agent-secret.txt"), "agent secret");
        File.SetUnixFileMode(Path.Combine(agentData.FullName, "agent-secret.txt"), UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        executor = new MachineExecutor(new MachineExecutorOptions("machine-agent", root.FullName, HiddenDirectories: [agentData.FullName]));
    }

    public void Dispose()
    {
        root.Delete(recursive: true);
        agentData.Delete(recursive: true);
    }

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
    public async Task Steps_run_as_the_build_user_in_a_sandbox_that_sees_only_their_own_workspace_writable()
    {
        var other = await executor.PrepareAsync(Spec(MachineJob()), _ => { }, CancellationToken.None);
        await File.WriteAllTextAsync(Path.Combine(other.HomeDirectory, "other-task.txt"), "another task's file");
        var marker = Path.Combine(Path.GetTempPath(), $"circleactors-host-tmp-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(marker, "host");
        var job = MachineJob(new RunStep($$"""
            echo "user=$(id -un)"
            echo "home-owner=$(stat -c %U "$HOME")"
            mkdir -p deep/dir && echo built > deep/dir/out.txt && echo "wrote=$(cat deep/dir/out.txt)"
            touch /usr/circleactors-probe 2>/dev/null && echo "host=writable" || echo "host=read-only"
            test -e {{marker}} && echo "tmp=shared" || echo "tmp=private"
            test -e {{other.HomeDirectory}}/other-task.txt && echo "other=visible" || echo "other=hidden"
            test -e {{agentData.FullName}}/agent-secret.txt && echo "agent-data=visible" || echo "agent-data=hidden"
            echo "processes=$(ls /proc | grep -c '^[0-9]')"
            """));
        var reporter = new RecordingReporter();
        try
        {
            var result = await new TaskRunner(executor).RunAsync(Spec(job), reporter, CancellationToken.None).WaitAsync(TestTimeout);

            Assert.True(result.Outcome == TaskOutcome.Success, reporter.AllOutput);
            Assert.Contains($"steps run as {MachineExecutorOptions.DefaultBuildUser} in a bubblewrap sandbox", reporter.OutputOf(0));
            var output = reporter.OutputOf(1);
            foreach (var expected in new[]
                     {
                         $"user={MachineExecutorOptions.DefaultBuildUser}", $"home-owner={MachineExecutorOptions.DefaultBuildUser}", "wrote=built",
                         "host=read-only", "tmp=private", "other=hidden", "agent-data=hidden",
                     })
                Assert.Contains(expected + "\n", output);
            // Its own process namespace: the shell, ls and grep, not the host's processes.
            var processes = int.Parse(output.Split('\n').Single(l => l.StartsWith("processes=", StringComparison.Ordinal))[10..]);
            Assert.InRange(processes, 1, 6);
        }
        finally
        {
            File.Delete(marker);
            await other.DisposeAsync();
        }
    }

    [Fact]
    public async Task What_the_agent_puts_under_tmp_is_in_the_sandboxs_own_tmp_owned_by_the_build_user()
    {
        var given = Directory.CreateTempSubdirectory("circleactors-given-");
        await File.WriteAllTextAsync(Path.Combine(given.FullName, "layer.txt"), "from an upstream job\n");
        await using var environment = await executor.PrepareAsync(Spec(MachineJob()), _ => { }, CancellationToken.None);
        try
        {
            var workspace = $"/tmp/workspace-{Guid.NewGuid():N}";
            await environment.CopyDirectoryAsync(given.FullName, workspace + "/deep", CancellationToken.None);
            var output = new System.Text.StringBuilder();
            var exit = await environment.RunAsync(new CommandRequest(["/bin/sh", "-e"],
                $"cat {workspace}/deep/layer.txt; stat -c %U {workspace} {workspace}/deep/layer.txt; touch {workspace}/written",
                new Dictionary<string, string>(), "~"), text => output.Append(text), CancellationToken.None);

            Assert.True(exit == 0, output.ToString());
            Assert.Equal($"from an upstream job\n{MachineExecutorOptions.DefaultBuildUser}\n{MachineExecutorOptions.DefaultBuildUser}\n", output.ToString());
            Assert.False(Directory.Exists(workspace), "the host's /tmp was written");
            Assert.True(await environment.FileExistsAsync(workspace + "/written", CancellationToken.None));
        }
        finally
        {
            given.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_workspace_the_build_user_cannot_reach_is_an_infrastructure_failure_that_says_which_directory_to_open()
    {
        var closed = Directory.CreateTempSubdirectory("circleactors-closed-");
        try
        {
            var unreachable = new MachineExecutor(new MachineExecutorOptions("machine-agent", closed.FullName));
            var reporter = new RecordingReporter();

            var result = await new TaskRunner(unreachable).RunAsync(Spec(MachineJob(new RunStep("echo never"))), reporter, CancellationToken.None)
                .WaitAsync(TestTimeout);

            Assert.Equal(TaskOutcome.InfrastructureFail, result.Outcome);
            Assert.Contains($"{closed.FullName} is closed to other users", reporter.OutputOf(0));
        }
        finally
        {
            closed.Delete(recursive: true);
        }
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
