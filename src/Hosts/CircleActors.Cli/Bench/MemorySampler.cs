using System.Diagnostics;

namespace CircleActors.Cli.Bench;

/// <summary>The process's managed heap and working set, sampled on a timer while a benchmark runs.</summary>
public sealed class MemorySampler : IDisposable
{
    public readonly record struct Sample(DateTimeOffset At, long Heap, long WorkingSet);

    private readonly List<Sample> _samples = [];
    private readonly Timer _timer;

    public MemorySampler(TimeSpan? interval = null) =>
        _timer = new Timer(_ => Take(), null, TimeSpan.Zero, interval ?? TimeSpan.FromMilliseconds(50));

    public void Take()
    {
        using var process = Process.GetCurrentProcess();
        lock (_samples) _samples.Add(new Sample(DateTimeOffset.UtcNow, GC.GetTotalMemory(false), process.WorkingSet64));
    }

    public IReadOnlyList<Sample> Samples { get { lock (_samples) return _samples.ToList(); } }

    public long HeapPeak { get { lock (_samples) return _samples.Max(s => s.Heap); } }
    public long WorkingSetPeak { get { lock (_samples) return _samples.Max(s => s.WorkingSet); } }
    public long HeapAt(DateTimeOffset at) { lock (_samples) return Nearest(at).Heap; }
    public long WorkingSetAt(DateTimeOffset at) { lock (_samples) return Nearest(at).WorkingSet; }

    private Sample Nearest(DateTimeOffset at) => _samples.MinBy(s => Math.Abs((s.At - at).Ticks));

    public void Dispose() => _timer.Dispose();
}
