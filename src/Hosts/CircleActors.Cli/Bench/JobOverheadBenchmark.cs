using System.Formats.Tar;
using System.Diagnostics;
using Akka.Actor;
using Akka.Configuration;
using CircleActors.Actors.Blobs;
using CircleActors.Actors.Hosting;
using CircleActors.Agent.Executors.Docker;
using CircleActors.Agent.Steps;
using CircleActors.Agent.Steps.Blobs;
using CircleActors.Domain.Common;
using CircleActors.Domain.Config;
using CircleActors.Domain.Jobs;
using Docker.DotNet;
using Docker.DotNet.Models;
using DockerExecutor = CircleActors.Agent.Executors.Docker.DockerExecutor;

namespace CircleActors.Cli.Bench;

/// <param name="Baseline">Each plain-engine job: clone, create and start a container, copy the clone in, one exec, copy one file out, remove.</param>
/// <param name="Ours">Each task run: checkout, one run step, store_artifacts of one file, through the blob service.</param>
public sealed record JobOverheadResult(DateTimeOffset StartedAt, string Image, IReadOnlyList<TimeSpan> Baseline, IReadOnlyList<TimeSpan> Ours)
{
    public static TimeSpan Median(IReadOnlyList<TimeSpan> times) => times.Order().ElementAt(times.Count / 2);
    public double Ratio => Median(Ours).TotalMilliseconds / Median(Baseline).TotalMilliseconds;
}

/// <summary>
/// Issue 4's per-job overhead: a job of checkout, one run step and store_artifacts run by the
/// agent's task runner (Docker executor, blob service over stream refs on a local actor
/// system), against the same three steps done straight through the engine: a clone copied into a
/// container, one exec, one file copied out. Runs alternate, after one warm-up of each, and the
/// medians are compared.
/// </summary>
public static class JobOverheadBenchmark
{
    public const string Image = "circleactors/busybox:latest";
    private const string Script = "echo built > /tmp/artifact.txt && echo done";

    public static async Task<JobOverheadResult> RunAsync(int runs, TextWriter progress, CancellationToken cancellationToken)
    {
        var startedAt = DateTimeOffset.UtcNow;
        var work = Directory.CreateTempSubdirectory("circleactors-bench-overhead-");
        var system = ActorSystem.Create("bench", ConfigurationFactory.ParseString("akka.actor.provider = local\nakka.loglevel = WARNING")
            .WithFallback(AkkaConfig.Compose(null)));
        var agentName = $"bench-{Guid.NewGuid():N}"[..20];
        using var executor = new DockerExecutor(new DockerExecutorOptions(agentName));
        using var client = new DockerClientConfiguration(executor.Endpoint).CreateClient();
        try
        {
            var repository = CreateRepository(Path.Combine(work.FullName, "repo"));
            var store = new BlobStore(Path.Combine(work.FullName, "blobs"));
            var runner = new TaskRunner(executor, blobs: new ClusterBlobTransfer(system, system.ActorOf(BlobServiceActor.PropsFor(store), "blobs")));
            var job = new JobDefinition("bench", new Domain.Config.DockerExecutor([new DockerImage(Image)]),
                [new CheckoutStep(), new RunStep(Script), new StoreArtifactsStep("/tmp/artifact.txt")]);

            async Task<TimeSpan> Ours()
            {
                var spec = new JobTaskSpec(new JobId(Guid.NewGuid()), 0, 1, ProjectSlug.Parse("gh/bench/overhead"), repository.Path, 1, "bench",
                    new WorkflowId(Guid.NewGuid()), "bench", new PipelineId(Guid.NewGuid()), 1, repository.Revision, "main", null, job);
                var watch = Stopwatch.StartNew();
                var steps = new StepClock(watch);
                var result = await runner.RunAsync(spec, steps, cancellationToken);
                watch.Stop();
                progress.WriteLine($"  steps: {steps}");
                if (result.Outcome != TaskOutcome.Success) throw new InvalidOperationException($"the benchmark job failed: {result.Reason}");
                return watch.Elapsed;
            }

            async Task<TimeSpan> Baseline()
            {
                var watch = Stopwatch.StartNew();
                await PlainEngineJobAsync(client, agentName, repository.Path, work.FullName, cancellationToken);
                return watch.Elapsed;
            }

            await Baseline();
            await Ours();
            var baseline = new List<TimeSpan>();
            var ours = new List<TimeSpan>();
            for (var i = 0; i < runs; i++)
            {
                baseline.Add(await Baseline());
                ours.Add(await Ours());
                progress.WriteLine($"run {i + 1}/{runs}: engine {baseline[^1].TotalMilliseconds:0} ms, circleactors {ours[^1].TotalMilliseconds:0} ms");
            }
            return new JobOverheadResult(startedAt, Image, baseline, ours);
        }
        finally
        {
            await executor.RemoveLeftoversAsync(agentName, CancellationToken.None);
            await system.Terminate();
            work.Delete(recursive: true);
        }
    }

    /// <summary>
    /// The same three steps straight through the engine's API, as a script around <c>docker run</c>
    /// and <c>docker exec</c> would do them (without paying for the CLI's processes): what any runner
    /// has to pay. Checkout is a <c>git clone</c> on the host copied into the container, as ours is.
    /// </summary>
    private static async Task PlainEngineJobAsync(DockerClient client, string agentName, string repository, string work, CancellationToken cancellationToken)
    {
        var clone = Path.Combine(work, "plain-" + Guid.NewGuid().ToString("N"), "project");
        Git(work, "clone", "--quiet", repository, clone);
        using var tree = new MemoryStream();
        await TarFile.CreateFromDirectoryAsync(clone, tree, includeBaseDirectory: true, cancellationToken);
        Directory.Delete(Path.GetDirectoryName(clone)!, recursive: true);
        tree.Position = 0;
        var created = await client.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Image = Image,
            Entrypoint = ["/bin/sh", "-c", "while :; do sleep 3600; done"],
            Labels = new Dictionary<string, string> { [DockerExecutor.AgentLabel] = agentName },
        }, cancellationToken);
        try
        {
            await client.Containers.StartContainerAsync(created.ID, new ContainerStartParameters(), cancellationToken);
            await client.Containers.ExtractArchiveToContainerAsync(created.ID, new ContainerPathStatParameters { Path = "/tmp" }, tree, cancellationToken);
            var exec = await client.Exec.ExecCreateContainerAsync(created.ID, new ContainerExecCreateParameters
            {
                Cmd = ["/bin/sh", "-c", Script], AttachStdout = true, AttachStderr = true,
            }, cancellationToken);
            using (var stream = await client.Exec.StartAndAttachContainerExecAsync(exec.ID, tty: false, cancellationToken))
                await stream.ReadOutputToEndAsync(cancellationToken);
            var archive = await client.Containers.GetArchiveFromContainerAsync(created.ID,
                new GetArchiveFromContainerParameters { Path = "/tmp/artifact.txt" }, statOnly: false, cancellationToken);
            await using (archive.Stream) await archive.Stream.CopyToAsync(Stream.Null, cancellationToken);
        }
        finally
        {
            await client.Containers.RemoveContainerAsync(created.ID, new ContainerRemoveParameters { Force = true }, CancellationToken.None);
        }
    }

    private static (string Path, string Revision) CreateRepository(string path)
    {
        Directory.CreateDirectory(path);
        File.WriteAllText(System.IO.Path.Combine(path, "README.md"), "benchmark\n");
        Git(path, "init", "-q", "-b", "main");
        Git(path, "add", "-A");
        Git(path, "-c", "user.name=bench", "-c", "user.email=bench@circleactors.invalid", "commit", "-q", "-m", "bench");
        return (path, Git(path, "rev-parse", "HEAD").Trim());
    }

    private static string Git(string directory, params string[] arguments)
    {
        var start = new ProcessStartInfo("git") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"git {arguments[0]} failed: {process.StandardError.ReadToEnd()}");
        return output;
    }

    public static string Table(JobOverheadResult r) => BenchReport.Table(Figures(r));

    public static string Markdown(JobOverheadResult r, MachineInfo machine) =>
        BenchReport.Markdown(r.StartedAt, "job overhead", $"circleactors bench job-overhead --runs {r.Baseline.Count}", Figures(r), machine);

    private static IEnumerable<(string Name, string Value)> Figures(JobOverheadResult r)
    {
        yield return ("Runs of each (after one warm-up)", $"{r.Baseline.Count}");
        yield return ("Engine alone: clone copied in, exec, copy out (median)", $"{JobOverheadResult.Median(r.Baseline).TotalMilliseconds:0} ms");
        yield return ("CircleActors: checkout, run, store_artifacts (median)", $"{JobOverheadResult.Median(r.Ours).TotalMilliseconds:0} ms");
        yield return ("Ratio (target 1.2 or less)", $"{r.Ratio:0.00}");
    }

    /// <summary>Keeps how long each step took, for the progress lines: where the overhead goes.</summary>
    private sealed class StepClock(Stopwatch watch) : ITaskReporter
    {
        private readonly List<(string Name, TimeSpan Took)> _steps = [];
        private readonly Dictionary<int, (string Name, TimeSpan At)> _open = new();

        public void StepStarted(int stepIndex, string name) => _open[stepIndex] = (name, watch.Elapsed);
        public void Output(int stepIndex, string text) { }
        public void StepFinished(int stepIndex, int exitCode, StepOutcome outcome) =>
            _steps.Add((_open[stepIndex].Name, watch.Elapsed - _open[stepIndex].At));

        public override string ToString() => string.Join(", ", _steps.Select(s => $"{s.Name} {s.Took.TotalMilliseconds:0} ms"));
    }
}
