using System.Text.RegularExpressions;
using CircleActors.Agent.Executors.Docker;
using CircleActors.Agent.Steps;
using CircleActors.Domain.Config;
using Docker.DotNet;
using Docker.DotNet.Models;
using static CircleActors.Agent.Tests.Tasks;
using DockerExecutor = CircleActors.Agent.Executors.Docker.DockerExecutor;

namespace CircleActors.Agent.Tests;

/// <summary>
/// <c>setup_remote_docker</c> on the real engine: the job's <c>docker</c> client reaches an engine
/// of the job's own, not the agent's, and that engine is gone when the task ends or is canceled.
/// </summary>
[Collection(DockerEngineCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed partial class RemoteDockerSpecs : IDisposable
{
    private const string DockerCli = DockerEngineFixture.DockerCliImage;
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(120);

    private readonly string agentName = $"test-{Guid.NewGuid():N}";
    private readonly DockerExecutor executor;

    public RemoteDockerSpecs(DockerEngineFixture engine)
    {
        _ = engine;
        executor = new DockerExecutor(new DockerExecutorOptions(agentName));
    }

    public void Dispose()
    {
        executor.RemoveLeftoversAsync(agentName, CancellationToken.None).GetAwaiter().GetResult();
        executor.Dispose();
    }

    private const string Report = """
        echo "host=$DOCKER_HOST"
        docker info --format 'root={{.DockerRootDir}} containers={{.Containers}}'
        docker ps -a --format 'name={{.Names}}'
        echo listed
        """;

    [Fact]
    public async Task A_job_reaches_an_engine_of_its_own_through_docker_host_and_it_is_gone_when_the_task_ends()
    {
        using var agentEngine = new DockerClientConfiguration(executor.Endpoint).CreateClient();
        var agentRoot = (await agentEngine.System.GetSystemInfoAsync()).DockerRootDir;
        var job = DockerJob(DockerCli, new SetupRemoteDockerStep(), new RunStep(Report));
        var reporter = new RecordingReporter();

        var running = new TaskRunner(executor).RunAsync(Spec(job), reporter, CancellationToken.None);
        // While the job runs, the agent's engine lists the job's own container.
        await reporter.OutputContaining("listed").WaitAsync(TestTimeout);
        var agentContainers = await executor.ListContainersAsync(agentName, CancellationToken.None);
        var result = await running.WaitAsync(TestTimeout);

        Assert.True(result.Outcome == TaskOutcome.Success, reporter.AllOutput);
        var output = reporter.OutputOf(2);
        Assert.Contains($"host=unix://{RemoteDockerEngine.ContainerDirectory}/docker.sock\n", output);
        var root = RootDirectory().Match(output).Groups[1].Value;
        Assert.NotEqual(agentRoot, root);
        Assert.Contains("containers=0\n", output);
        Assert.DoesNotContain("name=", output);
        Assert.NotEmpty(agentContainers);
        // The engine's data root went with the task.
        Assert.False(Directory.Exists(root), $"{root} is still there");
        Assert.Empty(await executor.ListContainersAsync(agentName, CancellationToken.None));
    }

    [Fact]
    public async Task Cancelling_the_task_stops_the_jobs_engine_and_removes_its_data()
    {
        var job = DockerJob(DockerCli, new SetupRemoteDockerStep(), new RunStep(Report + "\nsleep 60"));
        var reporter = new RecordingReporter();
        using var cancellation = new CancellationTokenSource();

        var running = new TaskRunner(executor).RunAsync(Spec(job), reporter, cancellation.Token);
        await reporter.OutputContaining("listed").WaitAsync(TestTimeout);
        var root = RootDirectory().Match(reporter.OutputOf(2)).Groups[1].Value;
        Assert.True(Directory.Exists(root));
        cancellation.Cancel();
        var result = await running.WaitAsync(TestTimeout);

        Assert.Equal(TaskOutcome.Canceled, result.Outcome);
        Assert.False(Directory.Exists(root), $"{root} is still there");
    }

    [Fact]
    public async Task An_engine_left_running_by_a_crashed_agent_is_stopped_and_removed_when_an_agent_of_that_name_starts()
    {
        // What a crash leaves: the engine started, never disposed.
        var leftover = new RemoteDockerEngine(agentName);
        leftover.Bind();
        await leftover.StartAsync(_ => { }, CancellationToken.None).WaitAsync(TestTimeout);
        var root = Path.GetDirectoryName(leftover.HostSocketDirectory)!;
        var daemon = System.Diagnostics.Process.GetProcessById(int.Parse(File.ReadAllText(Path.Combine(root, "dockerd.pid")).Trim()));
        using var otherAgent = new DockerExecutor(new DockerExecutorOptions($"other-{Guid.NewGuid():N}"));

        Assert.Equal(0, await otherAgent.RemoveLeftoversAsync($"other-{Guid.NewGuid():N}", CancellationToken.None));
        Assert.False(daemon.HasExited);
        var removed = await executor.RemoveLeftoversAsync(agentName, CancellationToken.None).WaitAsync(TestTimeout);

        Assert.Equal(1, removed);
        Assert.True(daemon.WaitForExit(TimeSpan.FromSeconds(30)), "the leftover dockerd still runs");
        Assert.False(Directory.Exists(root), $"{root} is still there");
    }

    [Fact]
    public async Task Setup_remote_docker_on_the_machine_executor_is_skipped_saying_why()
    {
        var root = WorkspaceRoots.Create("circleactors-remote-docker-");
        try
        {
            var machine = new Executors.Machine.MachineExecutor(new Executors.Machine.MachineExecutorOptions("remote-docker-agent", root.FullName));
            var reporter = new RecordingReporter();

            var result = await new TaskRunner(machine).RunAsync(Spec(MachineJob(new SetupRemoteDockerStep())), reporter, CancellationToken.None)
                .WaitAsync(TestTimeout);

            Assert.Equal(TaskOutcome.Success, result.Outcome);
            Assert.Equal(StepOutcome.Skipped, reporter.OutcomeOf(1));
            Assert.Contains("setup_remote_docker is for jobs on the docker executor", reporter.OutputOf(1));
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [GeneratedRegex(@"root=(\S+)/data ")]
    private static partial Regex RootDirectory();
}
