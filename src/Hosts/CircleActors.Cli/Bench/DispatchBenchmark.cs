using System.Diagnostics;
using System.Globalization;
using System.Text;
using CircleActors.Actors.Common;
using CircleActors.Actors.Persistence;
using CircleActors.Actors.Projections;
using CircleActors.Agent.Runtime;
using CircleActors.Cli.Commands;
using CircleActors.Domain.Common;
using CircleActors.Domain.Jobs;
using CircleActors.Server.Hosting;

namespace CircleActors.Cli.Bench;

public sealed record DispatchBenchmarkOptions
{
    public JournalProvider Journal { get; init; } = JournalProvider.Sqlite;
    /// <summary>Required for PostgreSQL (use a database of its own); SQLite uses a file in the temp data directory.</summary>
    public string? ConnectionString { get; init; }
    /// <summary>Independent jobs in each pipeline's one workflow.</summary>
    public int Jobs { get; init; } = 200;
    /// <summary>Pipelines triggered at once for the throughput phase.</summary>
    public int Workflows { get; init; } = 5;
    /// <summary>
    /// Times the throughput phase runs, one after the other, each on a project of its own; jobs/s
    /// is the median round's. One round lasts a second or two, so one stall of the machine moves it by a tenth.
    /// </summary>
    public int Rounds { get; init; } = 3;
    /// <summary>Single-job pipelines run one after the other for the idle-agent phase.</summary>
    public int IdleJobs { get; init; } = 50;
    /// <summary>
    /// Services nodes in the cluster: the first runs the API and the agent; the others (PostgreSQL
    /// only) join it, share its data directory and host their share of the entities.
    /// </summary>
    public int ServicesNodes { get; init; } = 1;
    public int BaselineRows { get; init; } = 20_000;
    /// <summary>Leave the temporary data directory (SQLite journal, read store, logs) behind and name it, to study a run.</summary>
    public bool KeepData { get; init; }
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(10);
}

/// <summary>Percentiles of a set of latencies (nearest rank).</summary>
public sealed record Latency(int Count, TimeSpan P50, TimeSpan P99, TimeSpan Max)
{
    public static Latency Of(IEnumerable<TimeSpan> samples)
    {
        var sorted = samples.Order().ToList();
        if (sorted.Count == 0) return new Latency(0, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero);
        TimeSpan Rank(double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
        return new Latency(sorted.Count, Rank(0.50), Rank(0.99), sorted[^1]);
    }
}

/// <summary>One run of the throughput phase: its pipelines triggered at once, timed to their last job's end.</summary>
public sealed record ThroughputRound(
    int Jobs,
    TimeSpan WallTime,
    TimeSpan ScheduledToEnd,
    TimeSpan ReadSideLag,
    TimeSpan Cpu,
    StallProbe.Result Stalls,
    long JournalEvents,
    long JobEvents,
    long ShardingEvents)
{
    public double JobsPerSecond => Jobs / WallTime.TotalSeconds;
    /// <summary>The share of all cores the process used from the first trigger until the read side was done.</summary>
    public double CpuUse => Cpu / (WallTime + ReadSideLag) / Environment.ProcessorCount;
    /// <summary>
    /// The process's CPU time per job, read side included: a stall lengthens the wall time but
    /// not this, so it tells a slower build from a slower minute of the machine better than jobs/s.
    /// </summary>
    public TimeSpan CpuPerJob => Jobs == 0 ? TimeSpan.Zero : Cpu / Jobs;
}

public sealed record DispatchBenchmarkResult(
    DispatchBenchmarkOptions Options,
    string Database,
    InsertBaseline.Result Baseline,
    IReadOnlyList<ThroughputRound> Rounds,
    IReadOnlyDictionary<string, int> JobStatuses,
    string LoadAverage,
    Latency RunnableToFirstStep,
    Latency IdleRunnableToFirstStep,
    DateTimeOffset StartedAt)
{
    /// <summary>Jobs ended in all rounds.</summary>
    public int Jobs => Rounds.Sum(r => r.Jobs);
    /// <summary>The round whose jobs/s is the median (the lower middle one of an even count).</summary>
    public ThroughputRound MedianRound => Rounds.OrderBy(r => r.JobsPerSecond).ElementAt((Rounds.Count - 1) / 2);
    public double JobsPerSecond => MedianRound.JobsPerSecond;
    public double EventsPerSecond => Rounds.Sum(r => r.JournalEvents) / Rounds.Sum(r => r.WallTime.TotalSeconds);
    public double EventsPerJob => Jobs == 0 ? 0 : (double)Rounds.Sum(r => r.JobEvents) / Jobs;
    /// <summary>Jobs per second over the baseline's rows per second.</summary>
    public double JobsRatio => JobsPerSecond / Baseline.RowsPerSecond;
    public double EventsRatio => EventsPerSecond / Baseline.RowsPerSecond;
    public bool AllSucceeded => JobStatuses.Count == 1 && JobStatuses.ContainsKey(JobStatus.Success.ToWire());
}

/// <summary>
/// <c>circleactors bench dispatch</c>: a whole services node with an in-process agent on the
/// fake executor (no processes), driven through its HTTP API. Measures how many jobs per second
/// go from trigger to end, how long a runnable job waits for its first step (under that load
/// and on an idle agent), and, in the same run and database, the raw insert rate the journal's
/// figures are compared with.
/// </summary>
public static class DispatchBenchmark
{
    private const string BatchBranch = "main";
    private const string IdleBranch = "single";
    private const int WarmupJobs = 5;
    private const int MaxWarmupBatches = 10;
    /// <summary>The warm-up ends once the JIT took less than this share of a warm-up batch's wall time.</summary>
    private const double QuietJitShare = 0.02;
    private const int BaselineBatch = 100;
    /// <summary>About the size of a serialized job event in the journal (a JobScheduled is larger, a step report smaller).</summary>
    private const int BaselinePayloadBytes = 400;

    private static readonly string[] Terminal = Enum.GetValues<JobStatus>().Where(s => s.IsTerminal()).Select(s => s.ToWire()).ToArray();

    public static async Task<DispatchBenchmarkResult> RunAsync(DispatchBenchmarkOptions options, TextWriter progress, CancellationToken ct = default)
    {
        if (options.Jobs < 1 || options.Workflows < 1 || options.Rounds < 1 || options.IdleJobs < 1 || options.ServicesNodes < 1)
            throw new ArgumentException("--jobs, --workflows, --rounds, --idle-jobs and --services-nodes must be at least 1");
        if (options.ServicesNodes > 1 && options.Journal != JournalProvider.PostgreSql)
            throw new ArgumentException("--services-nodes: the services nodes of a cluster share one journal; give --journal postgresql");
        var startedAt = DateTimeOffset.UtcNow;
        var dataDirectory = Directory.CreateTempSubdirectory("circleactors-bench-").FullName;
        var serverDirectory = Path.Combine(dataDirectory, "server");
        Directory.CreateDirectory(serverDirectory);
        try
        {
            var journal = options.Journal switch
            {
                JournalProvider.PostgreSql => new JournalSettings(JournalProvider.PostgreSql,
                    options.ConnectionString ?? throw new ArgumentException("--journal postgresql needs --connection-string")),
                _ => JournalSettings.SqliteIn(serverDirectory),
            };
            var repository = await MakeRepositoryAsync(Path.Combine(dataDirectory, "repo"), options.Jobs, ct);
            var run = Guid.NewGuid().ToString("N")[..8];
            var batchProjects = Enumerable.Range(1, options.Rounds).Select(round => $"gh/bench-{run}/batch-{round}").ToList();
            var idleProject = $"gh/bench-{run}/idle";
            var warmupProject = $"gh/bench-{run}/warm-up";

            var httpPort = ServerHost.FreeTcpPort();
            var clusterPort = ServerHost.FreeTcpPort();
            var first = new ServerOptions
            {
                DataDirectory = serverDirectory,
                HttpUrl = $"http://127.0.0.1:{httpPort}",
                Journal = journal,
                ClusterPort = clusterPort,
                RunAgent = true,
                // Capacity and slots far beyond what the benchmark asks: it measures dispatch, not packing.
                Agent = new AgentSettings(new NodeId("bench"), "bench", 1000, 1_000_000, 512),
                Executor = ExecutorKind.Fake,
                // Two info lines per task on the console would be measured too; a benchmark wants warnings only.
                ExtraHocon = "akka.loglevel = WARNING",
            };
            var app = ServerHost.Build(first, announce: _ => { });
            await app.StartAsync(ct);
            // In this process too: the figures are the cluster's, on the same cores either way.
            var others = new List<WebApplication>();
            for (var node = 1; node < options.ServicesNodes; node++)
            {
                var other = ServerHost.Build(first with
                {
                    HttpUrl = $"http://127.0.0.1:{ServerHost.FreeTcpPort()}",
                    ClusterPort = ServerHost.FreeTcpPort(),
                    Seeds = [$"akka.tcp://{ServerHost.ActorSystemName}@{first.ClusterHost}:{clusterPort}"],
                    RunAgent = false,
                }, announce: _ => { });
                await other.StartAsync(ct);
                others.Add(other);
            }
            Measured measured;
            try
            {
                var token = await File.ReadAllTextAsync(Path.Combine(serverDirectory, "admin.token"), ct);
                using var client = new ApiClient(new Uri($"http://127.0.0.1:{httpPort}"), token.Trim());
                var reads = app.Services.GetRequiredService<ReadStore>();
                var documents = app.Services.GetRequiredService<ReadDocuments>();
                foreach (var batchProject in batchProjects)
                    await client.SendAsync(HttpMethod.Post, "/api/v2/project", new { Slug = batchProject, RepoUrl = repository, DefaultBranch = BatchBranch }, ct);
                await client.SendAsync(HttpMethod.Post, "/api/v2/project", new { Slug = idleProject, RepoUrl = repository, DefaultBranch = IdleBranch }, ct);
                await client.SendAsync(HttpMethod.Post, "/api/v2/project", new { Slug = warmupProject, RepoUrl = repository, DefaultBranch = BatchBranch }, ct);

                // Warm-up: the agent registers, shards are allocated and the code is compiled before anything is timed.
                progress.WriteLine($"warm-up: {WarmupJobs} single-job pipelines");
                var deadline = DateTimeOffset.UtcNow + options.Timeout;
                for (var i = 1; i <= WarmupJobs; i++)
                    await RunOneAsync(client, reads, idleProject, i, deadline, ct);
                // Before the warm-up batches: the idle phase reaches code paths of its own, and run
                // after them it left the JIT promoting methods through the timed phase.
                progress.WriteLine($"idle agent: {options.IdleJobs} single-job pipelines, one at a time");
                for (var i = 1; i <= options.IdleJobs; i++)
                    await RunOneAsync(client, reads, idleProject, WarmupJobs + i, deadline, ct);
                var idleJobs = await documents.RecentAsync<JobState>(DocumentProjection.JobKind, idleProject, options.IdleJobs, ct);
                var idleLatency = Latency.Of(idleJobs.Select(RunnableToFirstStep).OfType<TimeSpan>());

                var total = options.Jobs * options.Workflows;
                // Untimed batches shaped like the timed one until the JIT has little left to do, so the
                // throughput phase runs code the runtime has finished optimising: a running server pays
                // for that once, but in a 5 x 400 run it was a fifth of the CPU of the timed phase.
                // Tiered compilation keeps promoting methods for six or so such batches on two cores.
                for (var batch = 1; batch <= MaxWarmupBatches; batch++)
                {
                    var jitBefore = StallProbe.JitWork.Now();
                    var cpuAtStart = Process.GetCurrentProcess().TotalProcessorTime;
                    var clock = Stopwatch.StartNew();
                    var warmups = await Task.WhenAll(Enumerable.Range(0, options.Workflows).Select(_ =>
                        client.SendAsync(HttpMethod.Post, $"/api/v2/project/{warmupProject}/pipeline", new { Branch = BatchBranch }, ct)));
                    await WaitForTerminalJobsAsync(client, reads, warmupProject, batch * total, warmups.Select(p => p["id"]!.GetValue<string>()).ToList(),
                        progress, deadline, ct);
                    var jit = StallProbe.JitWork.Now().Since(jitBefore);
                    var cpuPerJob = (Process.GetCurrentProcess().TotalProcessorTime - cpuAtStart) / total;
                    progress.WriteLine($"warm-up: batch {batch}, {total} jobs in {clock.Elapsed.TotalSeconds:0.0} s, CPU {cpuPerJob.TotalMilliseconds:0.00} ms/job, " +
                        $"heap {GC.GetTotalMemory(false) / 1_000_000:N0} MB, JIT {jit}");
                    if (jit.Time < clock.Elapsed * QuietJitShare) break;
                }

                var loadBefore = MachineInfo.LoadAverage();
                var rounds = new List<(ThroughputRound Round, IReadOnlyList<JobState> Jobs)>();
                foreach (var batchProject in batchProjects)
                {
                    progress.WriteLine($"throughput, round {rounds.Count + 1} of {options.Rounds}: {options.Workflows} pipelines of {options.Jobs} jobs ({total} jobs) at once");
                    rounds.Add(await RunRoundAsync(client, reads, documents, journal, batchProject, options.Workflows, total, progress, deadline, ct));
                    progress.WriteLine($"  {rounds[^1].Round.JobsPerSecond:N1} jobs/s");
                }
                measured = new Measured(rounds, idleLatency, $"{loadBefore ?? "?"} before, {MachineInfo.LoadAverage() ?? "?"} after");
            }
            finally
            {
                foreach (var node in others.Prepend(app).Reverse())
                {
                    await node.StopAsync(CancellationToken.None);
                    await node.DisposeAsync();
                }
            }

            // The baseline runs on the same database once the server has stopped: nothing competes
            // with it, and it sees the database as the journal left it (SQLite's journal mode included).
            var database = await InsertBaseline.ServerVersionAsync(journal, ct);
            progress.WriteLine($"baseline: {options.BaselineRows} INSERTs in transactions of {BaselineBatch} on {database}");
            var baseline = await InsertBaseline.MeasureAsync(journal, options.BaselineRows, BaselineBatch, BaselinePayloadBytes, ct);
            progress.WriteLine($"baseline: {baseline.RowsPerSecond:N0} rows/s");
            var jobStates = measured.Rounds.SelectMany(r => r.Jobs).ToList();
            return new DispatchBenchmarkResult(options, database, baseline, measured.Rounds.Select(r => r.Round).ToList(),
                jobStates.GroupBy(j => j.Status.ToWire()).ToDictionary(g => g.Key, g => g.Count()), measured.LoadAverage,
                Latency.Of(jobStates.Select(RunnableToFirstStep).OfType<TimeSpan>()), measured.Idle, startedAt);
        }
        finally
        {
            if (options.KeepData) progress.WriteLine($"data directory kept: {dataDirectory}");
            else TryDelete(dataDirectory);
        }
    }

    private sealed record Measured(IReadOnlyList<(ThroughputRound Round, IReadOnlyList<JobState> Jobs)> Rounds, Latency Idle, string LoadAverage);

    /// <summary>
    /// One throughput round: <paramref name="workflows"/> pipelines triggered at once on a project
    /// of the round's own, timed from the first trigger to the last job's end; CPU and journal
    /// rows are counted until the read side has seen every job end.
    /// </summary>
    private static async Task<(ThroughputRound Round, IReadOnlyList<JobState> Jobs)> RunRoundAsync(ApiClient client, ReadStore reads, ReadDocuments documents,
        JournalSettings journal, string project, int workflows, int total, TextWriter progress, DateTimeOffset deadline, CancellationToken ct)
    {
        var before = await JournalCounts.ReadAsync(journal, ct);
        await using var probe = new StallProbe();
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var firstTrigger = DateTimeOffset.UtcNow;
        var pipelines = await Task.WhenAll(Enumerable.Range(0, workflows).Select(_ =>
            client.SendAsync(HttpMethod.Post, $"/api/v2/project/{project}/pipeline", new { Branch = BatchBranch }, ct)));
        await WaitForTerminalJobsAsync(client, reads, project, total, pipelines.Select(p => p["id"]!.GetValue<string>()).ToList(), progress, deadline, ct);
        var readSideDone = DateTimeOffset.UtcNow;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        var after = await JournalCounts.ReadAsync(journal, ct);
        var stalls = await probe.StopAsync();
        var jobs = await documents.RecentAsync<JobState>(DocumentProjection.JobKind, project, total, ct);
        var lastEnd = jobs.Max(j => j.StoppedAt ?? DateTimeOffset.MinValue);
        var firstScheduled = jobs.Min(j => j.QueuedAt ?? DateTimeOffset.MaxValue);
        var round = new ThroughputRound(jobs.Count, lastEnd - firstTrigger, lastEnd - firstScheduled, readSideDone - lastEnd,
            cpu, stalls,
            after.Domain - before.Domain, after.Jobs - before.Jobs, after.Sharding - before.Sharding);
        return (round, jobs);
    }

    /// <summary>From the job becoming runnable (its JobScheduled event) to its first step ("Spin up environment") starting.</summary>
    public static TimeSpan? RunnableToFirstStep(JobState job) =>
        job is { QueuedAt: { } queued, Tasks.Length: > 0 } && job.Tasks[0].Steps.FirstOrDefault(s => s.Index == 0) is { } first
            ? first.StartedAt - queued
            : null;

    private static async Task RunOneAsync(ApiClient client, ReadStore reads, string project, int expected, DateTimeOffset deadline, CancellationToken ct)
    {
        var pipeline = await client.SendAsync(HttpMethod.Post, $"/api/v2/project/{project}/pipeline", new { Branch = IdleBranch }, ct);
        while ((await CountByStatusAsync(reads, project, ct)).Where(s => Terminal.Contains(s.Key)).Sum(s => s.Value) < expected)
        {
            await CheckNotStuckAsync(client, [pipeline["id"]!.GetValue<string>()], deadline, ct);
            await Task.Delay(5, ct);
        }
    }

    private static async Task WaitForTerminalJobsAsync(ApiClient client, ReadStore reads, string project, int total, IReadOnlyList<string> pipelines,
        TextWriter progress, DateTimeOffset deadline, CancellationToken ct)
    {
        var lastReport = Stopwatch.StartNew();
        while (true)
        {
            var counts = await CountByStatusAsync(reads, project, ct);
            var terminal = counts.Where(s => Terminal.Contains(s.Key)).Sum(s => s.Value);
            if (terminal >= total) return;
            if (lastReport.Elapsed > TimeSpan.FromSeconds(5))
            {
                progress.WriteLine($"  {terminal}/{total} jobs ended ({string.Join(", ", counts.Select(c => $"{c.Key} {c.Value}"))})");
                lastReport.Restart();
            }
            await CheckNotStuckAsync(client, pipelines, deadline, ct);
            await Task.Delay(50, ct);
        }
    }

    /// <summary>Fails the run rather than waiting forever for a pipeline that errored or jobs that never end.</summary>
    private static async Task CheckNotStuckAsync(ApiClient client, IReadOnlyList<string> pipelines, DateTimeOffset deadline, CancellationToken ct)
    {
        if (DateTimeOffset.UtcNow < deadline) return;
        foreach (var id in pipelines)
        {
            var pipeline = await client.SendAsync(HttpMethod.Get, $"/api/v2/pipeline/{id}", ct: ct);
            if (pipeline["state"]?.GetValue<string>() == "errored")
                throw new InvalidOperationException($"pipeline {id} errored: {pipeline["errors"]?.ToJsonString()}");
        }
        throw new TimeoutException("the benchmark's jobs did not all end before the timeout");
    }

    private static async Task<Dictionary<string, int>> CountByStatusAsync(ReadStore reads, string project, CancellationToken ct)
    {
        await using var connection = await reads.OpenAsync(ct);
        await using var command = ReadStore.Command(connection, null,
            "SELECT status, COUNT(*) FROM read_documents WHERE kind = @k AND project = @p GROUP BY status", ("k", DocumentProjection.JobKind), ("p", project));
        await using var reader = await command.ExecuteReaderAsync(ct);
        var counts = new Dictionary<string, int>();
        while (await reader.ReadAsync(ct)) counts[reader.GetString(0)] = Convert.ToInt32(reader.GetValue(1), CultureInfo.InvariantCulture);
        return counts;
    }

    /// <summary>A repository whose main branch has one workflow of <paramref name="jobs"/> independent jobs, and a branch with one job.</summary>
    private static async Task<string> MakeRepositoryAsync(string directory, int jobs, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.Combine(directory, ".circleci"));
        var configPath = Path.Combine(directory, ".circleci", "config.yml");
        await Git(directory, ct, "init", "--quiet", "--initial-branch", BatchBranch);
        await File.WriteAllTextAsync(configPath, Config(jobs), ct);
        await Git(directory, ct, "add", ".");
        await Git(directory, ct, "commit", "--quiet", "-m", $"{jobs} independent jobs");
        await Git(directory, ct, "checkout", "--quiet", "-b", IdleBranch);
        await File.WriteAllTextAsync(configPath, Config(1), ct);
        await Git(directory, ct, "commit", "--quiet", "-am", "one job");
        return directory;
    }

    public static string Config(int jobs)
    {
        var names = Enumerable.Range(1, jobs).Select(i => $"job-{i:D5}").ToList();
        var config = new StringBuilder("version: 2.1\njobs:\n");
        foreach (var name in names)
            config.Append($"  {name}:\n    docker:\n      - image: circleactors/busybox:latest\n    resource_class: small\n    steps:\n      - run: echo hi\n");
        config.Append("workflows:\n  bench:\n    jobs:\n");
        foreach (var name in names) config.Append($"      - {name}\n");
        return config.ToString();
    }

    private static async Task Git(string directory, CancellationToken ct, params string[] args)
    {
        var result = await GitCli.RunAsync(directory, ct, ["-c", "user.name=bench", "-c", "user.email=bench@localhost", "-c", "commit.gpgsign=false", .. args]);
        if (!result.Succeeded) throw new InvalidOperationException($"git {string.Join(' ', args)} failed: {result.StdErr}");
    }

    private static void TryDelete(string directory)
    {
        try { Directory.Delete(directory, recursive: true); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { }
    }

    /// <summary>Every figure of a run, named once for both the console table and the markdown record.</summary>
    private static IEnumerable<(string Name, string Value)> Figures(DispatchBenchmarkResult r)
    {
        string ByRound(Func<ThroughputRound, string> figure) => string.Join(", ", r.Rounds.Select(figure));
        return
        [
            ($"Baseline: INSERTs in transactions of {r.Baseline.BatchSize} ({r.Baseline.Rows} rows of {r.Baseline.PayloadBytes} B)",
                $"{r.Baseline.RowsPerSecond:N0} rows/s ({r.Baseline.Elapsed.TotalSeconds:0.00} s)"),
            ("Jobs ended", $"{r.Jobs} in {r.Rounds.Count} round(s) ({string.Join(", ", r.JobStatuses.Select(p => $"{p.Key} {p.Value}"))})"),
            ("Jobs/s, the median round", $"{r.JobsPerSecond:N1}"),
            ("Jobs/s by round", ByRound(x => $"{x.JobsPerSecond:N1}")),
            ("Wall time by round, first trigger to last job end (first scheduled to last end)",
                ByRound(x => $"{x.WallTime.TotalSeconds:0.00} s ({x.ScheduledToEnd.TotalSeconds:0.00} s)")),
            ("Read side (projections) behind at the last job end, by round", ByRound(x => $"{x.ReadSideLag.TotalSeconds:0.00} s")),
            ("Process CPU use, all cores, first trigger to read side done, by round", ByRound(x => $"{x.CpuUse:P0}")),
            ("Process CPU time per job, same span, by round", ByRound(x => $"{x.CpuPerJob.TotalMilliseconds:0.00} ms")),
            ("Machine load average (1/5/15 min) around the throughput phase", r.LoadAverage),
            ("A 10 ms timer ran late by (thread-pool stalls), p99 by round", ByRound(x => $"{x.Stalls.Lateness.P99.TotalMilliseconds:0.0} ms")),
            ("Garbage collections gen0/gen1/gen2 by round", ByRound(x => $"{x.Stalls.Gen0}/{x.Stalls.Gen1}/{x.Stalls.Gen2} ({x.Stalls.GcPause.TotalMilliseconds:N0} ms paused)")),
            ("JIT compilation during the throughput phase, by round", ByRound(x => x.Stalls.Jit.ToString())),
            ("Domain journal events/s, all rounds", $"{r.EventsPerSecond:N0} ({r.Rounds.Sum(x => x.JournalEvents)} events, {r.EventsPerJob:0.0} job events per job; " +
                                                    $"sharding journal: {r.Rounds.Sum(x => x.ShardingEvents)} more)"),
            ("Jobs/s ÷ baseline rows/s", $"{r.JobsRatio:0.0000}"),
            ("Events/s ÷ baseline rows/s", $"{r.EventsRatio:0.000}"),
            ("Runnable → first step, under load, all rounds", Format(r.RunnableToFirstStep)),
            ("Runnable → first step, idle agent", Format(r.IdleRunnableToFirstStep)),
        ];
    }

    public static string Table(DispatchBenchmarkResult r)
    {
        var s = new StringBuilder();
        s.AppendLine($"dispatch benchmark on {r.Database}, {r.Options.ServicesNodes} services node(s) ({r.Options.Rounds} round(s) of {r.Options.Workflows} pipelines x {r.Options.Jobs} jobs; {r.Options.IdleJobs} idle-agent jobs)");
        var figures = Figures(r).ToList();
        var width = figures.Max(f => f.Name.Length);
        foreach (var (name, value) in figures) s.AppendLine($"  {name.PadRight(width)} {value}");
        return s.ToString();
    }

    public static string Format(Latency l) =>
        $"p50 {l.P50.TotalMilliseconds:0.0} ms, p99 {l.P99.TotalMilliseconds:0.0} ms, max {l.Max.TotalMilliseconds:0.0} ms (n={l.Count})";

    public static string Markdown(DispatchBenchmarkResult r, MachineInfo machine)
    {
        var s = new StringBuilder();
        s.AppendLine($"#### {r.StartedAt:yyyy-MM-dd HH:mm} UTC, {r.Database}, {r.Options.ServicesNodes} services node(s)");
        s.AppendLine();
        s.AppendLine($"Machine: {machine}. Command: `circleactors bench dispatch --journal {(r.Options.Journal == JournalProvider.Sqlite ? "sqlite" : "postgresql")} " +
                     $"--jobs {r.Options.Jobs} --workflows {r.Options.Workflows} --rounds {r.Options.Rounds} --idle-jobs {r.Options.IdleJobs} --services-nodes {r.Options.ServicesNodes}`.");
        s.AppendLine();
        s.AppendLine("| Figure | Value |");
        s.AppendLine("|---|---|");
        foreach (var (name, value) in Figures(r)) s.AppendLine($"| {name} | {value} |");
        s.AppendLine();
        return s.ToString();
    }
}
