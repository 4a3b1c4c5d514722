using System.CommandLine;
using CircleActors.Actors.Persistence;
using CircleActors.Cli.Bench;

namespace CircleActors.Cli.Commands;

/// <summary><c>circleactors bench ...</c>: benchmarks whose figures go to docs/performance.md.</summary>
public static class BenchCommands
{
    /// <summary>Where a run's figures are appended as a markdown entry, when asked.</summary>
    private static Option<string?> OutputOption() =>
        new("--output") { Description = "A markdown file to append the results to (e.g. docs/performance.md)" };

    /// <summary>Prints a run's figures and, with --output, appends its markdown entry to that file.</summary>
    private static async Task ReportAsync(string table, Func<MachineInfo, string> markdown, string? file, CancellationToken ct)
    {
        Console.WriteLine(table);
        if (file is null) return;
        await File.AppendAllTextAsync(file, markdown(MachineInfo.OfThisMachine()), ct);
        Console.WriteLine($"appended to {file}");
    }

    public static Command Bench() => new("bench", "Run a benchmark and print its figures") { Dispatch(), JobOverhead(), LogThroughput(), LogLatency() };

    public static Command LogThroughput()
    {
        var megabytes = new Option<int>("--megabytes") { Description = "How much the step prints", DefaultValueFactory = _ => 100 };
        var output = OutputOption();
        var command = new Command("log-throughput", "A docker step printing --megabytes of output through a whole server, against the engine alone, " +
                                                    "with the process's memory while it prints")
        {
            megabytes, output,
        };
        command.SetAction(async (parse, ct) =>
        {
            var result = await LogThroughputBenchmark.RunAsync(parse.GetValue(megabytes), Console.Error, ct);
            await ReportAsync(LogThroughputBenchmark.Table(result), machine => LogThroughputBenchmark.Markdown(result, machine), parse.GetValue(output), ct);
            return result.StoredBytes >= result.Bytes ? 0 : 1;
        });
        return command;
    }

    public static Command LogLatency()
    {
        var watchers = new Option<int>("--watchers") { Description = "SignalR clients watching the measured job", DefaultValueFactory = _ => 100 };
        var lines = new Option<int>("--lines") { Description = "Timestamped lines each job prints", DefaultValueFactory = _ => 600 };
        var interval = new Option<int>("--interval-ms") { Description = "Milliseconds between lines", DefaultValueFactory = _ => 50 };
        var output = OutputOption();
        var command = new Command("log-latency", "Step output latency from the agent to event hub watchers (one watcher, then --watchers), " +
                                                 "with the process's memory while they watch")
        {
            watchers, lines, interval, output,
        };
        command.SetAction(async (parse, ct) =>
        {
            var options = new LogLatencyOptions
            {
                Watchers = parse.GetValue(watchers),
                Lines = parse.GetValue(lines),
                Interval = TimeSpan.FromMilliseconds(parse.GetValue(interval)),
            };
            var result = await LogLatencyBenchmark.RunAsync(options, Console.Error, ct);
            await ReportAsync(LogLatencyBenchmark.Table(result), machine => LogLatencyBenchmark.Markdown(result, machine), parse.GetValue(output), ct);
            return result.Complete ? 0 : 1;
        });
        return command;
    }

    public static Command JobOverhead()
    {
        var runs = new Option<int>("--runs") { Description = "Runs of each kind, after one warm-up", DefaultValueFactory = _ => 10 };
        var output = OutputOption();
        var command = new Command("job-overhead", "A checkout + run + store_artifacts job on the Docker executor against the same work " +
                                                  "straight through the engine (a container, an exec, a copy out)")
        {
            runs, output,
        };
        command.SetAction(async (parse, ct) =>
        {
            var result = await JobOverheadBenchmark.RunAsync(parse.GetValue(runs), Console.Error, ct);
            await ReportAsync(JobOverheadBenchmark.Table(result), machine => JobOverheadBenchmark.Markdown(result, machine), parse.GetValue(output), ct);
            return 0;
        });
        return command;
    }

    public static Command Dispatch()
    {
        var journal = new Option<string>("--journal") { Description = "sqlite or postgresql", DefaultValueFactory = _ => "sqlite" };
        var connection = new Option<string?>("--connection-string") { Description = "Required with --journal postgresql; use a database of its own" };
        var jobs = new Option<int>("--jobs") { Description = "Independent jobs in each pipeline", DefaultValueFactory = _ => 200 };
        var workflows = new Option<int>("--workflows") { Description = "Pipelines (one workflow each) triggered at once", DefaultValueFactory = _ => 5 };
        var rounds = new Option<int>("--rounds")
        {
            Description = "Times the throughput phase runs, each on a project of its own; jobs/s is the median round's",
            DefaultValueFactory = _ => 3,
        };
        var idle = new Option<int>("--idle-jobs") { Description = "Single-job pipelines run one at a time on an idle agent", DefaultValueFactory = _ => 50 };
        var servicesNodes = new Option<int>("--services-nodes")
        {
            Description = "Services nodes in the cluster (more than one needs --journal postgresql); the first runs the API and the agent",
            DefaultValueFactory = _ => 1,
        };
        var keepData = new Option<bool>("--keep-data") { Description = "Keep the run's temporary data directory (journal, read store, logs) and print where it is" };
        var output = OutputOption();
        var command = new Command("dispatch", "Jobs per second and runnable-to-first-step latency of a whole node on the fake executor, " +
                                              "compared with the database's raw INSERT rate")
        {
            journal, connection, jobs, workflows, rounds, idle, servicesNodes, keepData, output,
        };
        command.SetAction(async (parse, ct) =>
        {
            var options = new DispatchBenchmarkOptions
            {
                Journal = JournalSettings.ParseProvider(parse.GetValue(journal)!),
                ConnectionString = parse.GetValue(connection),
                Jobs = parse.GetValue(jobs),
                Workflows = parse.GetValue(workflows),
                Rounds = parse.GetValue(rounds),
                IdleJobs = parse.GetValue(idle),
                ServicesNodes = parse.GetValue(servicesNodes),
                KeepData = parse.GetValue(keepData),
            };
            var result = await DispatchBenchmark.RunAsync(options, Console.Error, ct);
            await ReportAsync(DispatchBenchmark.Table(result), machine => DispatchBenchmark.Markdown(result, machine), parse.GetValue(output), ct);
            return result.AllSucceeded ? 0 : 1;
        });
        return command;
    }
}
