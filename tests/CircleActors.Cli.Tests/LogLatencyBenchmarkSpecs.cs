using CircleActors.Cli.Bench;

namespace CircleActors.Cli.Tests;

/// <summary>
/// The log latency benchmark run small: a real server, machine-executor step and SignalR
/// watchers. It must deliver every live line to every watcher once and report sane figures;
/// it asserts no speed (that is what the benchmark reports, in docs/performance.md).
/// </summary>
public sealed class LogLatencyBenchmarkSpecs
{
    [Fact]
    public async Task A_small_run_delivers_every_line_to_every_watcher_once_and_reports_sane_figures()
    {
        var options = new LogLatencyOptions { Watchers = 3, Lines = 40, Interval = TimeSpan.FromMilliseconds(20), Timeout = TimeSpan.FromMinutes(4) };

        var result = await LogLatencyBenchmark.RunAsync(options, TextWriter.Null);

        Assert.True(result.Complete, LogLatencyBenchmark.Table(result));
        Assert.Equal(1, result.Baseline.Watchers);
        Assert.Equal(3, result.Watched.Watchers);
        foreach (var phase in new[] { result.Baseline, result.Watched })
        {
            Assert.True(phase.Expected > 0, "lines printed after subscribing should be measured");
            Assert.Equal(0, phase.Duplicates);
            Assert.Equal(0, phase.Skipped);
            Assert.Equal(phase.Expected, phase.Latency.Count);
            // Received after printed on one clock; a negative latency would be a broken measurement.
            Assert.True(phase.Latency.P50 > TimeSpan.Zero);
            Assert.True(phase.Latency.P50 <= phase.Latency.P99 && phase.Latency.P99 <= phase.Latency.Max);
        }
        Assert.Equal(0, result.Watched.Expected % 3);
        Assert.True(result.HeapStart > 0 && result.WorkingSetEnd > 0);
        Assert.Contains("3 watchers: printed → received", LogLatencyBenchmark.Markdown(result, MachineInfo.OfThisMachine()));
    }

    [Fact]
    public void The_step_prints_numbered_lines_with_the_host_clock_in_nanoseconds()
    {
        var config = LogLatencyBenchmark.Config(new LogLatencyOptions { Lines = 7, Interval = TimeSpan.FromMilliseconds(25) });

        Assert.Contains("machine: true", config);
        Assert.Contains("while [ $i -le 7 ]", config);
        Assert.Contains("$(date +%s%N)", config);
        Assert.Contains("sleep 0.025", config);
    }
}
