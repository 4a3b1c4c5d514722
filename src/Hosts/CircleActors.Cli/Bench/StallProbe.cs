using System.Diagnostics;

namespace CircleActors.Cli.Bench;

/// <summary>
/// Measures how late a 10 ms timer's continuation runs on the thread pool while a phase is
/// measured, and the garbage collections and JIT compilation in it: a process whose threads are
/// blocked (or paused by the collector) shows it here first, whatever the CPU use says, and a
/// phase the JIT was still busy in measured code that was not yet fully optimised.
/// </summary>
public sealed class StallProbe : IAsyncDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(10);

    private readonly CancellationTokenSource _stop = new();
    private readonly List<TimeSpan> _lateness = new();
    private readonly (int Gen0, int Gen1, int Gen2, TimeSpan Pause) _gcBefore = Collections();
    private readonly JitWork _jitBefore = JitWork.Now();
    private readonly Task _loop;

    public sealed record Result(Latency Lateness, int Gen0, int Gen1, int Gen2, TimeSpan GcPause, JitWork Jit);

    /// <summary>Methods the JIT compiled (tier-up recompiles included) and the time it spent, on all threads.</summary>
    public sealed record JitWork(long Methods, TimeSpan Time)
    {
        public static JitWork Now() =>
            new(System.Runtime.JitInfo.GetCompiledMethodCount(currentThread: false), System.Runtime.JitInfo.GetCompilationTime(currentThread: false));

        public JitWork Since(JitWork earlier) => new(Methods - earlier.Methods, Time - earlier.Time);

        public override string ToString() => $"{Methods:N0} methods, {Time.TotalMilliseconds:N0} ms";
    }

    public StallProbe() => _loop = Task.Run(LoopAsync);

    private async Task LoopAsync()
    {
        var clock = Stopwatch.StartNew();
        while (!_stop.IsCancellationRequested)
        {
            var before = clock.Elapsed;
            await Task.Delay(Interval).ConfigureAwait(false);
            _lateness.Add(clock.Elapsed - before - Interval);
        }
    }

    public async Task<Result> StopAsync()
    {
        _stop.Cancel();
        await _loop;
        var gc = Collections();
        return new Result(Latency.Of(_lateness), gc.Gen0 - _gcBefore.Gen0, gc.Gen1 - _gcBefore.Gen1, gc.Gen2 - _gcBefore.Gen2, gc.Pause - _gcBefore.Pause,
            JitWork.Now().Since(_jitBefore));
    }

    private static (int Gen0, int Gen1, int Gen2, TimeSpan Pause) Collections() =>
        (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration());

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested) await StopAsync();
        _stop.Dispose();
    }
}
