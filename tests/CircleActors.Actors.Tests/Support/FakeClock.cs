using CircleActors.Domain.Common;

namespace CircleActors.Actors.Tests.Support;

/// <summary>A clock that moves only when a spec moves it, so times in events are known in advance.</summary>
public sealed class FakeClock(DateTimeOffset start) : IClock
{
    private long _ticks = start.UtcTicks;

    public static readonly DateTimeOffset DefaultStart = new(2025, 3, 14, 9, 26, 53, TimeSpan.Zero);

    public FakeClock() : this(DefaultStart)
    {
    }

    public DateTimeOffset UtcNow => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}
