using System.Globalization;
using System.Text.RegularExpressions;

namespace CircleActors.Cli.Ops;

/// <summary>Durations the way Nomad's flags take them: <c>90s</c>, <c>5m</c>, <c>1h30m</c>.</summary>
public static partial class Durations
{
    [GeneratedRegex(@"^(?:(\d+(?:\.\d+)?)(h|m|s))+$")]
    private static partial Regex Shape();

    [GeneratedRegex(@"(\d+(?:\.\d+)?)(h|m|s)")]
    private static partial Regex Part();

    public static TimeSpan Parse(string text)
    {
        if (!Shape().IsMatch(text)) throw new ArgumentException($"'{text}' is not a duration such as 90s, 5m or 1h30m");
        var total = TimeSpan.Zero;
        foreach (Match part in Part().Matches(text))
        {
            var amount = double.Parse(part.Groups[1].Value, CultureInfo.InvariantCulture);
            total += part.Groups[2].Value switch { "h" => TimeSpan.FromHours(amount), "m" => TimeSpan.FromMinutes(amount), _ => TimeSpan.FromSeconds(amount) };
        }
        return total > TimeSpan.Zero ? total : throw new ArgumentException("a deadline must be longer than zero");
    }
}
