using CircleActors.Actors.Blobs;
using CircleActors.Agent.Steps;
using CircleActors.Domain.Common;
using CircleActors.Domain.Config;
using CircleActors.Domain.Jobs;
using static CircleActors.Agent.Tests.Tasks;
using DockerExecutor = CircleActors.Agent.Executors.Docker.DockerExecutor;

namespace CircleActors.Agent.Tests;

/// <summary>
/// Caches, workspaces and artifacts on the real Docker engine (busybox), moved through a real
/// blob service on another actor system over remoting.
/// </summary>
[Collection(DockerEngineCollection.Name)]
public sealed class BlobStepsSpecs : IAsyncLifetime
{
    private const string Busybox = DockerEngineFixture.BusyboxImage;
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(90);

    private readonly string agentName = $"test-{Guid.NewGuid():N}";
    private readonly DockerExecutor executor;
    private readonly ProjectSlug project = ProjectSlug.Parse($"gh/acme/app-{Guid.NewGuid():N}");
    private BlobServiceNodes nodes = null!;

    public BlobStepsSpecs(DockerEngineFixture engine)
    {
        _ = engine;
        executor = new DockerExecutor(new Executors.Docker.DockerExecutorOptions(agentName));
    }

    public async Task InitializeAsync() => nodes = await BlobServiceNodes.StartAsync();

    public async Task DisposeAsync()
    {
        await executor.RemoveLeftoversAsync(agentName, CancellationToken.None);
        executor.Dispose();
        await nodes.DisposeAsync();
    }

    private async Task<(TaskResult Result, RecordingReporter Reporter)> Run(JobTaskSpec spec)
    {
        var reporter = new RecordingReporter();
        var result = await new TaskRunner(executor, blobs: nodes.Transfer).RunAsync(spec, reporter, CancellationToken.None).WaitAsync(TestTimeout);
        Assert.True(result.Outcome == TaskOutcome.Success, reporter.AllOutput);
        return (result, reporter);
    }

    private JobTaskSpec Job(params Step[] steps) => Spec(DockerJob(Busybox, steps)) with { Project = project };

    [Fact]
    public async Task A_cache_is_restored_by_key_prefix_newest_first_and_a_saved_key_is_never_replaced()
    {
        await Run(Job(
            new RunStep("mkdir -p deps && echo old > deps/version && echo 1 > lock.txt"),
            new SaveCacheStep("deps-{{ .Branch }}-{{ checksum \"lock.txt\" }}", ["deps"])));
        var (_, newer) = await Run(Job(
            new RunStep("mkdir -p deps && echo new > deps/version && echo 2 > lock.txt"),
            new SaveCacheStep("deps-{{ .Branch }}-{{ checksum \"lock.txt\" }}", ["deps"]),
            new RunStep("echo changed > deps/version"),
            new SaveCacheStep("deps-{{ .Branch }}-{{ checksum \"lock.txt\" }}", ["deps"])));
        var twoKey = "deps-main-" + Domain.Caches.CacheKeyTemplate.ChecksumOf(System.Security.Cryptography.SHA256.HashData("2\n"u8.ToArray()));
        Assert.Contains($"Stored cache {twoKey} (", newer.OutputOf(2));
        Assert.Matches(@"Uploading cache archive: \d+(\.\d)? (B|KiB)", newer.OutputOf(2));
        Assert.Contains($"Skipping cache generation, cache already exists for key: {twoKey}", newer.OutputOf(4));

        var (_, restore) = await Run(Job(
            new RestoreCacheStep(["nothing-{{ .Branch }}", "deps-{{ .Branch }}-", "deps-"]),
            new RunStep("cat deps/version")));

        Assert.Contains($"Found a cache from key {twoKey}", restore.OutputOf(1));
        Assert.Contains("Restored cache", restore.OutputOf(1));
        Assert.EndsWith("\nnew\n", restore.OutputOf(2));
    }

    [Fact]
    public async Task A_corrupt_cache_is_reported_and_the_job_goes_on_without_it()
    {
        await Run(Job(new RunStep("mkdir -p deps && echo cached > deps/version"), new SaveCacheStep("corrupt-me", ["deps"])));
        var stored = nodes.Store.Describe(BlobKey.Cache(project, "corrupt-me"));
        Assert.NotNull(stored);
        var (path, _) = nodes.Store.PathOf(stored.Key);
        var bytes = await File.ReadAllBytesAsync(path!);
        bytes[bytes.Length / 2] ^= 0xFF;
        await File.WriteAllBytesAsync(path!, bytes);

        var (result, reporter) = await Run(Job(
            new RestoreCacheStep(["corrupt-"]),
            new RunStep("test -e deps/version && echo restored || echo no-cache")));

        Assert.Equal(TaskOutcome.Success, result.Outcome);
        Assert.Equal(StepOutcome.Success, reporter.OutcomeOf(1));
        Assert.Contains("Error: the cache corrupt-me is corrupt", reporter.OutputOf(1));
        Assert.Contains("continuing without it", reporter.OutputOf(1));
        Assert.EndsWith("\nno-cache\n", reporter.OutputOf(2));
    }

    [Fact]
    public async Task Attaching_a_workspace_applies_every_upstream_layer_in_order()
    {
        var first = Job(
            new RunStep("mkdir -p out/a && echo from-a > out/a/x.txt && echo a > out/shared.txt"),
            new PersistToWorkspaceStep("out", ["a", "shared.txt"]));
        var second = Job(
            new RunStep("mkdir -p out/b && echo from-b > out/b/y.txt && echo b > out/shared.txt"),
            new PersistToWorkspaceStep("out", ["."]));
        await Run(first);
        var (_, persisted) = await Run(second);
        Assert.Matches(@"Persisted to the workspace from /root/project/out \(\d+(\.\d)? (B|KiB)\)", persisted.OutputOf(2));

        var fanIn = Job(
            new AttachWorkspaceStep("/tmp/ws"),
            new RunStep("cat /tmp/ws/a/x.txt /tmp/ws/b/y.txt /tmp/ws/shared.txt")) with { UpstreamJobs = [first.JobId, second.JobId] };
        var (_, attached) = await Run(fanIn);

        Assert.Contains("Attached the workspace at /tmp/ws (2 layers)", attached.OutputOf(1));
        Assert.EndsWith("\nfrom-a\nfrom-b\nb\n", attached.OutputOf(2));
    }

    [Fact]
    public async Task Stored_artifacts_land_in_the_blob_store_under_their_destination()
    {
        var spec = Job(
            new RunStep("mkdir -p reports/html && echo '{\"ok\":true}' > reports/result.json && echo '<p>hi</p>' > reports/html/index.html && echo log > build.log"),
            new StoreArtifactsStep("reports", "test-reports"),
            new StoreArtifactsStep("build.log"),
            new StoreArtifactsStep("missing"));

        var (_, reporter) = await Run(spec);

        Assert.Equal(
            [(0, "build.log"), (0, "test-reports/html/index.html"), (0, "test-reports/result.json")],
            nodes.Store.Artifacts(spec.JobId));
        var (json, _) = nodes.Store.PathOf(BlobKey.Artifact(spec.JobId, 0, "test-reports/result.json"));
        Assert.Equal("{\"ok\":true}\n", await File.ReadAllTextAsync(json!));
        Assert.Contains("Uploaded 2 artifacts from /root/project/reports", reporter.OutputOf(2));
        Assert.Contains("Uploaded test-reports/result.json (12 B)", reporter.OutputOf(2));
        Assert.Contains("/root/project/missing does not exist: no artifacts uploaded", reporter.OutputOf(4));
    }
}
