using Akka.Configuration;
using CircleActors.Domain.Common;

namespace CircleActors.Actors.Schedules;

/// <summary>
/// A clock that runs <c>scale</c> times faster than its source from <c>origin</c> on, for
/// rehearsing schedules: the same origin gives the same time in every process, so a restart
/// neither rewinds nor skips it.
/// </summary>
public sealed class ScaledClock(IClock source, DateTimeOffset origin, double scale) : IClock
{
    public DateTimeOffset UtcNow => origin + (source.UtcNow - origin) * scale;

    /// <summary>The clock schedules read: <paramref name="source"/> itself unless <c>circleactors.schedules.time-scale</c> says otherwise.</summary>
    public static IClock ForSchedules(Config config, IClock source)
    {
        var scale = config.GetDouble("circleactors.schedules.time-scale", 1);
        if (scale == 1) return source;
        var origin = config.GetString("circleactors.schedules.time-scale-origin", "");
        if (scale <= 0 || !DateTimeOffset.TryParse(origin, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var start))
            throw new ConfigurationException("circleactors.schedules.time-scale must be positive and time-scale-origin an ISO 8601 instant");
        return new ScaledClock(source, start, scale);
    }
}
