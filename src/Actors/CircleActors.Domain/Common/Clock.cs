namespace CircleActors.Domain.Common;

/// <summary>
/// The time source commands are decided with. Events carry the time they were decided at, so
/// replay never reads the clock.
/// </summary>
public interface IClock
{
    DateTimeOffset UtcNow { get; }
}

public sealed class SystemClock : IClock
{
    public static readonly SystemClock Instance = new();
    public DateTimeOffset UtcNow => DateTimeOffset.UtcNow;
}
