using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using CircleActors.Actors.Blobs;
using CircleActors.Actors.Projections;
using CircleActors.Agent.Runtime;
using CircleActors.Cli.Commands;
using CircleActors.Domain.Common;
using CircleActors.Domain.Jobs;
using CircleActors.Server.Hosting;
using CircleActors.Server.Live;
using Microsoft.AspNetCore.SignalR.Client;

namespace CircleActors.Cli.Bench;

public sealed record LogLatencyOptions
{
    /// <summary>Watchers of the measured job; the baseline job has one.</summary>
    public int Watchers { get; init; } = 100;
    /// <summary>Timestamped lines the step prints, one every <see cref="Interval"/>.</summary>
    public int Lines { get; init; } = 600;
    public TimeSpan Interval { get; init; } = TimeSpan.FromMilliseconds(50);
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(10);
}

/// <summary>One phase: a job watched by <paramref name="Watchers"/> clients.</summary>
/// <param name="Expected">Lines printed after every watcher had subscribed, times watchers: what each should receive live.</param>
/// <param name="Received">Of those, how many arrived (each line once per watcher, or it counts as a duplicate).</param>
/// <param name="Skipped">Lines the hub dropped for watchers that fell behind.</param>
/// <param name="Stalls">How late a 10 ms timer ran in this process while the lines were printed: the share of the latency that is the machine's.</param>
public sealed record LogLatencyPhase(int Watchers, Latency Latency, long Expected, long Received, long Duplicates, long Skipped, TimeSpan SubscribeTime,
    StallProbe.Result Stalls);

/// <param name="HeapStart">Median managed heap over the first fifth of the watched phase (after subscribing), <paramref name="HeapEnd"/> over the last fifth.</param>
public sealed record LogLatencyResult(
    DateTimeOffset StartedAt, LogLatencyOptions Options, LogLatencyPhase Baseline, LogLatencyPhase Watched,
    long HeapStart, long HeapEnd, long HeapPeak, long WorkingSetStart, long WorkingSetEnd, long WorkingSetPeak)
{
    public double P99Ratio => Watched.Latency.P99.TotalMilliseconds / Math.Max(0.001, Baseline.Latency.P99.TotalMilliseconds);
    public double P50Ratio => Watched.Latency.P50.TotalMilliseconds / Math.Max(0.001, Baseline.Latency.P50.TotalMilliseconds);
    public double HeapRatio => (double)HeapEnd / HeapStart;
    public double WorkingSetRatio => (double)WorkingSetEnd / WorkingSetStart;
    public bool Complete => Baseline.Received == Baseline.Expected && Watched.Received == Watched.Expected &&
                            Baseline.Duplicates + Watched.Duplicates == 0;
}

/// <summary>
/// Issue 5's live-output figures: a machine-executor step prints a line with the host clock's
/// time in nanoseconds every <see cref="LogLatencyOptions.Interval"/>; SignalR .NET clients in
/// this process watch the job on <c>/hubs/events</c> and each line's latency is its receipt time
/// less its printed time (one clock). After a warm-up job, a job watched by one client is the baseline; then a job
/// watched by <see cref="LogLatencyOptions.Watchers"/> clients, with the process's memory sampled.
/// </summary>
public static class LogLatencyBenchmark
{
    private const string Project = "gh/bench/log-latency";
    private const string Marker = "latency";

    public static string Config(LogLatencyOptions options) => $"""
        version: 2.1
        jobs:
          print:
            machine: true
            steps:
              - run: i=1; while [ $i -le {options.Lines} ]; do echo "{Marker} $i $(date +%s%N)"; i=$((i+1)); sleep {options.Interval.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)}; done
        workflows:
          logs:
            jobs: [print]
        """;

    public static async Task<LogLatencyResult> RunAsync(LogLatencyOptions options, TextWriter progress, CancellationToken ct = default)
    {
        var startedAt = DateTimeOffset.UtcNow;
        var work = Directory.CreateTempSubdirectory("circleactors-bench-latency-").FullName;
        try
        {
            // The machine executor's build user must pass through to its workspace under the data directory.
            if (OperatingSystem.IsLinux()) File.SetUnixFileMode(work, File.GetUnixFileMode(work) | UnixFileMode.OtherExecute);
            var repository = Path.Combine(work, "repo");
            await BenchRepository.CommitConfigAsync(repository, Config(options), ct);
            var data = Path.Combine(work, "server");
            var httpPort = ServerHost.FreeTcpPort();
            var server = new Uri($"http://127.0.0.1:{httpPort}");
            var app = ServerHost.Build(new ServerOptions
            {
                DataDirectory = data,
                HttpUrl = server.ToString().TrimEnd('/'),
                ClusterPort = 0,
                Agent = new AgentSettings(new NodeId("bench-latency"), $"bench-latency-{Guid.NewGuid():N}"[..24], 8, 32768, 4),
                ExtraHocon = "akka.loglevel = WARNING",
            }, announce: _ => { });
            await app.StartAsync(ct);
            try
            {
                var token = (await File.ReadAllTextAsync(Path.Combine(data, "admin.token"), ct)).Trim();
                using var client = new ApiClient(server, token);
                await client.SendAsync(HttpMethod.Post, "/api/v2/project", new { Slug = Project, RepoUrl = repository, DefaultBranch = "main" }, ct);
                var documents = app.Services.GetRequiredService<ReadDocuments>();
                var deadline = DateTimeOffset.UtcNow + options.Timeout;

                // The first job pays for JIT compilation and first-use paths (collections paused it for 0.4 s in one run): measured, it was the baseline's whole tail.
                progress.WriteLine($"warm-up: one watcher of a job printing {options.Lines} lines, not measured");
                await RunPhaseAsync(app, client, documents, server, token, 1, options, deadline, null, progress, ct);
                progress.WriteLine($"baseline: one watcher of a job printing {options.Lines} lines");
                var baseline = await RunPhaseAsync(app, client, documents, server, token, 1, options, deadline, null, progress, ct);
                progress.WriteLine($"{options.Watchers} watchers of a job printing {options.Lines} lines");
                using var memory = new MemorySampler(TimeSpan.FromMilliseconds(100));
                var watchedFrom = DateTimeOffset.MaxValue;
                var watched = await RunPhaseAsync(app, client, documents, server, token, options.Watchers, options, deadline,
                    subscribed => watchedFrom = subscribed, progress, ct);
                var samples = memory.Samples.Where(s => s.At >= watchedFrom).ToList();
                if (samples.Count < 5) samples = memory.Samples.ToList();
                var fifth = Math.Max(1, samples.Count / 5);
                var first = samples.Take(fifth).ToList();
                var last = samples.TakeLast(fifth).ToList();
                return new LogLatencyResult(startedAt, options, baseline, watched,
                    Median(first.Select(s => s.Heap)), Median(last.Select(s => s.Heap)), samples.Max(s => s.Heap),
                    Median(first.Select(s => s.WorkingSet)), Median(last.Select(s => s.WorkingSet)), samples.Max(s => s.WorkingSet));
            }
            finally
            {
                await app.StopAsync(CancellationToken.None);
                await app.DisposeAsync();
            }
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private static long Median(IEnumerable<long> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    private static async Task<LogLatencyPhase> RunPhaseAsync(WebApplication app, ApiClient client, ReadDocuments documents, Uri server, string token, int count,
        LogLatencyOptions options, DateTimeOffset deadline, Action<DateTimeOffset>? onSubscribed, TextWriter progress, CancellationToken ct)
    {
        var known = (await documents.RecentAsync<JobState>(DocumentProjection.JobKind, Project, 100, ct)).Select(j => j.Id).ToHashSet();
        await client.SendAsync(HttpMethod.Post, $"/api/v2/project/{Project}/pipeline", new { Branch = "main" }, ct);
        var job = await PollAsync(async () => (await documents.RecentAsync<JobState>(DocumentProjection.JobKind, Project, 100, ct))
            .FirstOrDefault(j => !known.Contains(j.Id)), deadline, "the job to be scheduled", ct);

        var blobs = app.Services.GetRequiredService<BlobStore>();
        var watchers = new List<Watcher>();
        try
        {
            var subscribing = Stopwatch.StartNew();
            // Connected a few at a time: a hundred handshakes at once on a 2-CPU machine would measure the handshakes.
            foreach (var batch in Enumerable.Range(0, count).Chunk(10))
                watchers.AddRange(await Task.WhenAll(batch.Select(_ => Watcher.StartAsync(server, token, job.Id, ct))));
            var subscribedAt = DateTimeOffset.UtcNow;
            var subscribeTime = subscribing.Elapsed;
            onSubscribed?.Invoke(subscribedAt);
            progress.WriteLine($"  {count} subscribed in {subscribeTime.TotalSeconds:0.0} s");
            await using var probe = new StallProbe();

            var ended = await PollAsync(async () => await documents.GetAsync<JobState>(DocumentProjection.JobKind, job.Id.ToString(), ct) is
                { Exists: true } state && state.Status.IsTerminal() ? state : null, deadline, "the printing job to end", ct);
            var stalls = await probe.StopAsync();
            if (ended.Status != JobStatus.Success)
                throw new InvalidOperationException($"the printing job ended {ended.Status.ToWire()}: " +
                                                    string.Join(" | ", blobs.StepLogsOf(job.Id).Select(log => log.Text.Trim())));

            // Lines printed after the last subscription must reach every watcher live; the hub sends a step's output before the view that ends it.
            var subscribedNs = UnixNanoseconds(subscribedAt);
            var live = PrintedAfter(blobs, job.Id, subscribedNs);
            await PollAsync(() => Task.FromResult(watchers.All(w => w.LinesPrintedAfter(subscribedNs) >= live) ? (object?)true : null),
                DateTimeOffset.UtcNow + TimeSpan.FromSeconds(30) < deadline ? DateTimeOffset.UtcNow + TimeSpan.FromSeconds(30) : deadline,
                "every watcher to have every line", ct, throwOnTimeout: false);
            var latencies = watchers.SelectMany(w => w.LatenciesAfter(subscribedNs)).ToList();
            return new LogLatencyPhase(count, Latency.Of(latencies), (long)live * count, watchers.Sum(w => (long)w.LinesPrintedAfter(subscribedNs)),
                watchers.Sum(w => w.Duplicates), watchers.Sum(w => w.Skipped), subscribeTime, stalls);
        }
        finally
        {
            foreach (var watcher in watchers) await watcher.DisposeAsync();
        }
    }

    private static async Task<T> PollAsync<T>(Func<Task<T?>> probe, DateTimeOffset deadline, string what, CancellationToken ct, bool throwOnTimeout = true)
        where T : class
    {
        while (true)
        {
            if (await probe() is { } found) return found;
            if (DateTimeOffset.UtcNow > deadline)
                return throwOnTimeout ? throw new TimeoutException($"gave up waiting for {what}") : default!;
            await Task.Delay(20, ct);
        }
    }

    /// <summary>The timestamped lines the step printed from <paramref name="ns"/> on, as its stored log holds them.</summary>
    private static int PrintedAfter(BlobStore blobs, JobId job, long ns) =>
        blobs.StepLogsOf(job).SelectMany(log => log.Text.Split('\n')).Count(line => TimestampOf(line) is { } printed && printed.At >= ns);

    private static (long Number, long At)? TimestampOf(string line) =>
        line.Split(' ') is [Marker, var n, var at] && long.TryParse(n, out var number) && long.TryParse(at, out var printed) ? (number, printed) : null;

    private static long UnixNanoseconds(DateTimeOffset at) => (at - DateTimeOffset.UnixEpoch).Ticks * 100;

    /// <summary>
    /// One SignalR client watching the job: for every live line, the time from its printed
    /// timestamp to its receipt here, and whether it came twice.
    /// </summary>
    private sealed class Watcher : IAsyncDisposable
    {
        private readonly HubConnection _connection;
        // Line number → (printed at, received at), both Unix nanoseconds.
        private readonly ConcurrentDictionary<long, (long Printed, long Received)> _lines = new();
        private long _duplicates;
        private long _skipped;

        private Watcher(HubConnection connection) => _connection = connection;

        public long Duplicates => Interlocked.Read(ref _duplicates);
        public long Skipped => Interlocked.Read(ref _skipped);

        public static async Task<Watcher> StartAsync(Uri server, string token, JobId job, CancellationToken ct)
        {
            var connection = new HubConnectionBuilder()
                .WithUrl(new Uri(server, EventsHub.Path), http => http.Headers["Circle-Token"] = token)
                .AddJsonProtocol(json => json.PayloadSerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower)
                .Build();
            var watcher = new Watcher(connection);
            connection.On<JsonElement>(ClientOutbox.LogMethod, watcher.OnLog);
            await connection.StartAsync(ct);
            await connection.InvokeAsync("Subscribe", "job", job.ToString(), ct);
            return watcher;
        }

        private void OnLog(JsonElement message)
        {
            var received = UnixNanoseconds(DateTimeOffset.UtcNow);
            Interlocked.Add(ref _skipped, message.GetProperty("skipped").GetInt64());
            foreach (var line in message.GetProperty("lines").EnumerateArray())
            {
                // The executor's own notes are not timed.
                if (TimestampOf(line.GetString()!) is not { } printed) continue;
                if (!_lines.TryAdd(printed.Number, (printed.At, received))) Interlocked.Increment(ref _duplicates);
            }
        }

        public int LinesPrintedAfter(long ns) => _lines.Values.Count(l => l.Printed >= ns);

        public IEnumerable<TimeSpan> LatenciesAfter(long ns) =>
            _lines.Values.Where(l => l.Printed >= ns).Select(l => TimeSpan.FromTicks((l.Received - l.Printed) / 100));

        public ValueTask DisposeAsync() => _connection.DisposeAsync();
    }

    public static string Table(LogLatencyResult r) => BenchReport.Table(Figures(r));

    public static string Markdown(LogLatencyResult r, MachineInfo machine) =>
        BenchReport.Markdown(r.StartedAt, "log latency", $"circleactors bench log-latency --watchers {r.Options.Watchers} --lines {r.Options.Lines} " +
                                                         $"--interval-ms {r.Options.Interval.TotalMilliseconds:0}", Figures(r), machine);

    private static string Describe(Latency l) =>
        $"p50 {l.P50.TotalMilliseconds:0.0} ms, p99 {l.P99.TotalMilliseconds:0.0} ms, max {l.Max.TotalMilliseconds:0.0} ms (n={l.Count:N0})";

    private static IEnumerable<(string Name, string Value)> Figures(LogLatencyResult r)
    {
        const double MiB = 1024 * 1024;
        yield return ("Step output", $"{r.Options.Lines} timestamped lines, one every {r.Options.Interval.TotalMilliseconds:0} ms (machine executor)");
        yield return ("Baseline, 1 watcher: printed → received", Describe(r.Baseline.Latency));
        yield return ($"{r.Watched.Watchers} watchers: printed → received (target p99 ≤ 100 ms)", Describe(r.Watched.Latency));
        yield return ($"Ratio {r.Watched.Watchers} watchers ÷ 1 watcher, p50 / p99", $"{r.P50Ratio:0.00} / {r.P99Ratio:0.00}");
        yield return ("Live lines received of expected (1 / many watchers)",
            $"{r.Baseline.Received:N0} of {r.Baseline.Expected:N0} / {r.Watched.Received:N0} of {r.Watched.Expected:N0}; " +
            $"duplicates {r.Baseline.Duplicates + r.Watched.Duplicates}, skipped {r.Baseline.Skipped + r.Watched.Skipped}");
        foreach (var phase in new[] { r.Baseline, r.Watched })
            yield return ($"{phase.Watchers} watcher(s): a 10 ms timer ran late by; GCs gen0/1/2, paused",
                $"{Describe(phase.Stalls.Lateness)}; {phase.Stalls.Gen0}/{phase.Stalls.Gen1}/{phase.Stalls.Gen2}, {phase.Stalls.GcPause.TotalMilliseconds:N0} ms");
        yield return ($"Time to connect and subscribe {r.Watched.Watchers} watchers", $"{r.Watched.SubscribeTime.TotalSeconds:0.0} s");
        yield return ("Managed heap: first fifth, last fifth (median), peak", $"{r.HeapStart / MiB:0} MiB, {r.HeapEnd / MiB:0} MiB ({r.HeapRatio:0.00}×), {r.HeapPeak / MiB:0} MiB");
        yield return ("Working set: first fifth, last fifth (median), peak",
            $"{r.WorkingSetStart / MiB:0} MiB, {r.WorkingSetEnd / MiB:0} MiB ({r.WorkingSetRatio:0.00}×), {r.WorkingSetPeak / MiB:0} MiB");
    }
}
