using System.Diagnostics;
using CircleActors.Actors.Blobs;
using CircleActors.Actors.Logs;
using CircleActors.Actors.Common;
using CircleActors.Actors.Projections;
using CircleActors.Agent.Runtime;
using CircleActors.Cli.Commands;
using CircleActors.Domain.Common;
using CircleActors.Domain.Jobs;
using CircleActors.Server.Hosting;

namespace CircleActors.Cli.Bench;

/// <param name="Engine">The same output read straight from <c>docker run</c> by this process: what the engine alone gives.</param>
/// <param name="StoredBytes">The step's log as the blob store holds it at the end: all of it (after the shell notice busybox earns), or the run lost output.</param>
/// <param name="HeapAtStart">Managed heap when the step started; <paramref name="HeapPeak"/> the most seen while it printed.</param>
public sealed record LogThroughputResult(
    DateTimeOffset StartedAt, long Bytes, TimeSpan Step, TimeSpan Engine, long StoredBytes, long HeapAtStart, long HeapPeak,
    long WorkingSetAtStart, long WorkingSetPeak)
{
    public double MegabytesPerSecond => Bytes / 1e6 / Step.TotalSeconds;
    public double EngineMegabytesPerSecond => Bytes / 1e6 / Engine.TotalSeconds;
    public double Ratio => MegabytesPerSecond / EngineMegabytesPerSecond;
}

/// <summary>
/// Issue 4's log throughput: a docker step printing <c>--megabytes</c> of output through a whole
/// server (in-process agent, log chunks to the job log entity, the blob store), timed from the
/// step's start to its end as the job records them, with the process's memory sampled meanwhile;
/// then the same output read straight from the engine, as the baseline of the same run.
/// </summary>
public static class LogThroughputBenchmark
{
    private const string Image = "circleactors/busybox:latest";
    private const string Project = "gh/bench/log-throughput";
    /// <summary>Lines of 100 bytes, as a build prints them.</summary>
    private const string Line = "0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmn";

    private static string Printer(long bytes) => $"yes {Line} | head -c {bytes}";

    public static async Task<LogThroughputResult> RunAsync(int megabytes, TextWriter progress, CancellationToken ct)
    {
        var bytes = megabytes * 1_000_000L;
        var startedAt = DateTimeOffset.UtcNow;
        var work = Directory.CreateTempSubdirectory("circleactors-bench-logs-").FullName;
        try
        {
            var repository = Path.Combine(work, "repo");
            await BenchRepository.CommitConfigAsync(repository, $"""
                version: 2.1
                jobs:
                  print:
                    docker: [{"{"}image: {Image}{"}"}]
                    steps:
                      - run: {Printer(bytes)}
                workflows:
                  logs:
                    jobs: [print]
                """, ct);
            var data = Path.Combine(work, "server");
            var httpPort = ServerHost.FreeTcpPort();
            var app = ServerHost.Build(new ServerOptions
            {
                DataDirectory = data,
                HttpUrl = $"http://127.0.0.1:{httpPort}",
                ClusterPort = 0,
                Agent = new AgentSettings(new NodeId("bench-logs"), $"bench-logs-{Guid.NewGuid():N}"[..24], 4, 8192, 4),
                ExtraHocon = "akka.loglevel = WARNING",
            }, announce: _ => { });
            await app.StartAsync(ct);
            LogThroughputResult ours;
            try
            {
                using var client = new ApiClient(new Uri($"http://127.0.0.1:{httpPort}"), (await File.ReadAllTextAsync(Path.Combine(data, "admin.token"), ct)).Trim());
                await client.SendAsync(HttpMethod.Post, "/api/v2/project", new { Slug = Project, RepoUrl = repository, DefaultBranch = "main" }, ct);
                progress.WriteLine($"a step printing {megabytes} MB through the server");
                await client.SendAsync(HttpMethod.Post, $"/api/v2/project/{Project}/pipeline", new { Branch = "main" }, ct);
                var documents = app.Services.GetRequiredService<ReadDocuments>();
                var blobs = app.Services.GetRequiredService<BlobStore>();
                using var memory = new MemorySampler();
                var (job, stored, storedAt) = await WaitForJobAsync(documents, blobs, bytes, ct);
                var step = job.Tasks[0].Steps.Single(s => s.Index == 1);
                ours = new LogThroughputResult(startedAt, bytes, storedAt - step.StartedAt, TimeSpan.Zero, stored,
                    memory.HeapAt(step.StartedAt), memory.HeapPeak, memory.WorkingSetAt(step.StartedAt), memory.WorkingSetPeak);
            }
            finally
            {
                await app.StopAsync(CancellationToken.None);
                await app.DisposeAsync();
            }
            progress.WriteLine("the same output read straight from the engine");
            return ours with { Engine = await EngineAloneAsync(bytes, ct) };
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>
    /// Waits for the job to end, watching its step's log in the blob store: the time the last
    /// byte was stored ends the measurement (the step's own end is reported before its output
    /// has all arrived).
    /// </summary>
    private static async Task<(JobState Job, long Stored, DateTimeOffset StoredAt)> WaitForJobAsync(
        ReadDocuments documents, BlobStore blobs, long bytes, CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        DateTimeOffset? storedAt = null;
        while (deadline.Elapsed < TimeSpan.FromMinutes(10))
        {
            var jobs = await documents.RecentAsync<JobState>(DocumentProjection.JobKind, Project, 1, ct);
            if (jobs is [var job])
            {
                var step = new JobLogFile.Stream(0, job.Tasks[0].Attempt, 1);
                var stored = JobLogFile.ReadAll(blobs.JobLogPath(job.Id)).FirstOrDefault(s => s.Stream == step).Data?.Length ?? 0;
                if (stored >= bytes) storedAt ??= DateTimeOffset.UtcNow;
                if (job.Status.IsTerminal())
                    return job.Status == JobStatus.Success
                        ? (job, stored, storedAt ?? DateTimeOffset.UtcNow)
                        : throw new InvalidOperationException($"the printing job ended {job.Status.ToWire()}");
            }
            await Task.Delay(20, ct);
        }
        throw new TimeoutException("the printing job did not end within 10 minutes");
    }

    /// <summary>The engine alone: <c>docker run</c> of the same command, its output read and dropped by this process.</summary>
    private static async Task<TimeSpan> EngineAloneAsync(long bytes, CancellationToken ct)
    {
        var start = new ProcessStartInfo("docker") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "run", "--rm", Image, "sh", "-c", Printer(bytes) }) start.ArgumentList.Add(argument);
        var watch = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync(ct);
        var buffer = new byte[81920];
        long read = 0;
        int n;
        while ((n = await process.StandardOutput.BaseStream.ReadAsync(buffer, ct)) > 0) read += n;
        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0 || read != bytes)
            throw new InvalidOperationException($"docker run gave {read} of {bytes} bytes, exit {process.ExitCode}: {await stderr}");
        return watch.Elapsed;
    }

    public static string Table(LogThroughputResult r) => BenchReport.Table(Figures(r));

    public static string Markdown(LogThroughputResult r, MachineInfo machine) =>
        BenchReport.Markdown(r.StartedAt, "log throughput", $"circleactors bench log-throughput --megabytes {r.Bytes / 1_000_000}", Figures(r), machine);

    private static IEnumerable<(string Name, string Value)> Figures(LogThroughputResult r)
    {
        const double MiB = 1024 * 1024;
        yield return ("Output printed by the step", $"{r.Bytes / 1e6:0} MB in lines of 100 bytes");
        yield return ("Through the server: step start to end", $"{r.Step.TotalSeconds:0.00} s, {r.MegabytesPerSecond:0.0} MB/s (target 20 or more)");
        yield return ("Engine alone: docker run, output read and dropped", $"{r.Engine.TotalSeconds:0.00} s, {r.EngineMegabytesPerSecond:0.0} MB/s");
        yield return ("Ratio, server ÷ engine alone", $"{r.Ratio:0.00}");
        yield return ("Stored in the blob store", $"{r.StoredBytes:N0} of {r.Bytes:N0} bytes");
        yield return ("Managed heap: at the step's start, peak", $"{r.HeapAtStart / MiB:0} MiB, {r.HeapPeak / MiB:0} MiB");
        yield return ("Working set: at the step's start, peak", $"{r.WorkingSetAtStart / MiB:0} MiB, {r.WorkingSetPeak / MiB:0} MiB");
    }
}
