using CircleActors.Agent.Executors.Machine;
using CircleActors.Agent.Steps;
using CircleActors.Domain.Common;
using CircleActors.Domain.Config;
using CircleActors.Domain.Jobs;
using static CircleActors.Agent.Tests.Tasks;
using MachineExecutor = CircleActors.Agent.Executors.Machine.MachineExecutor;

namespace CircleActors.Agent.Tests;

/// <summary>
/// Caches and workspaces in machine environments, where every task has a new home directory:
/// what was saved under one task's home comes back under the next one's.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class MachineBlobStepsSpecs : IAsyncLifetime
{
    private readonly DirectoryInfo root = WorkspaceRoots.Create("circleactors-machine-blobs-");
    private readonly ProjectSlug project = ProjectSlug.Parse($"gh/acme/machine-{Guid.NewGuid():N}");
    private MachineExecutor executor = null!;
    private BlobServiceNodes nodes = null!;

    public async Task InitializeAsync()
    {
        executor = new MachineExecutor(new MachineExecutorOptions("machine-agent", root.FullName));
        nodes = await BlobServiceNodes.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await nodes.DisposeAsync();
        root.Delete(recursive: true);
    }

    private async Task<RecordingReporter> Run(JobTaskSpec spec)
    {
        var reporter = new RecordingReporter();
        var result = await new TaskRunner(executor, blobs: nodes.Transfer).RunAsync(spec, reporter, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(result.Outcome == TaskOutcome.Success, reporter.AllOutput);
        return reporter;
    }

    [Fact]
    public async Task A_cache_saved_under_one_tasks_home_is_restored_under_the_next_ones_and_a_workspace_follows_its_job()
    {
        var first = Spec(MachineJob(
            new RunStep("mkdir -p ~/.tool deps && echo tool > ~/.tool/v && echo dep > deps/v && echo ws > deps/ws.txt"),
            new SaveCacheStep("machine-{{ arch }}", ["~/.tool", "deps"]),
            new PersistToWorkspaceStep("deps", ["ws.txt"]))) with { Project = project };
        var saved = await Run(first);
        Assert.Contains("/.tool\n", saved.OutputOf(2));
        Assert.Contains("Stored cache machine-arch1-linux-", saved.OutputOf(2));

        var second = Spec(MachineJob(
            new RestoreCacheStep(["machine-"]),
            new AttachWorkspaceStep("attached"),
            new RunStep("cat ~/.tool/v deps/v attached/ws.txt"))) with { Project = project, UpstreamJobs = [first.JobId] };
        var restored = await Run(second);

        Assert.Contains("Found a cache from key machine-arch1-linux-", restored.OutputOf(1));
        Assert.Equal("tool\ndep\nws\n", restored.OutputOf(3));
    }
}
