using System.Globalization;
using System.Text.RegularExpressions;

namespace CircleActors.Agent.Steps;

/// <summary>
/// How long a task may run in all (<c>circleactors.agent.max-run-time</c>) and how long a run
/// step may print nothing when its <c>no_output_timeout</c> is not set (CircleCI's 10 minutes).
/// </summary>
public sealed record TaskLimits(TimeSpan MaxRunTime, TimeSpan DefaultNoOutputTimeout)
{
    public static readonly TaskLimits Default = new(TimeSpan.FromHours(5), TimeSpan.FromMinutes(10));
}

/// <summary>Durations as CircleCI writes them (<c>10m</c>, <c>1h30m</c>, <c>45s</c>) and prints them (<c>10m0s</c>, Go's form).</summary>
public static partial class StepDurations
{
    /// <summary>A sequence of numbers with units h, m, s or ms; a bare number counts as seconds.</summary>
    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var trimmed = text.Trim();
        if (double.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
        {
            duration = TimeSpan.FromSeconds(seconds);
            return seconds > 0;
        }
        var parts = Part().Matches(trimmed);
        if (parts.Count == 0 || string.Concat(parts.Select(p => p.Value)) != trimmed) return false;
        foreach (Match part in parts)
        {
            var value = double.Parse(part.Groups[1].Value, CultureInfo.InvariantCulture);
            duration += part.Groups[2].Value switch
            {
                "h" => TimeSpan.FromHours(value),
                "m" => TimeSpan.FromMinutes(value),
                "s" => TimeSpan.FromSeconds(value),
                _ => TimeSpan.FromMilliseconds(value),
            };
        }
        return duration > TimeSpan.Zero;
    }

    /// <summary>Go's <c>time.Duration</c> text: <c>2s</c>, <c>10m0s</c>, <c>1h0m0s</c>.</summary>
    public static string Format(TimeSpan duration)
    {
        var hours = (long)duration.TotalHours;
        if (hours > 0) return $"{hours}h{duration.Minutes}m{SecondsText(duration)}s";
        if (duration.Minutes > 0) return $"{duration.Minutes}m{SecondsText(duration)}s";
        return $"{SecondsText(duration)}s";
    }

    private static string SecondsText(TimeSpan duration) =>
        (duration.Seconds + duration.Milliseconds / 1000.0).ToString("0.###", CultureInfo.InvariantCulture);

    [GeneratedRegex(@"([0-9]+(?:\.[0-9]+)?)(ms|h|m|s)", RegexOptions.CultureInvariant)]
    private static partial Regex Part();
}
