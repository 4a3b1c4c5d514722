using Cronos;
using CircleActors.Domain.Config;

namespace CircleActors.Domain.Schedules;

/// <summary>
/// The times a workflow's triggers name, in UTC as CircleCI reads them (five-field cron).
/// The config engine has already rejected expressions Cronos cannot parse.
/// </summary>
public static class ScheduledTimes
{
    /// <summary>
    /// How far back a gap is searched. A server down for longer still fires once; only the count
    /// of missed times in its note stops growing, which keeps the search bounded.
    /// </summary>
    public static readonly TimeSpan LongestGap = TimeSpan.FromDays(31);

    /// <summary>The latest time in a gap, the triggers that name it, and how many times the gap held in all.</summary>
    public sealed record Due(DateTimeOffset Latest, IReadOnlyList<Filters?> Filters, int Count);

    /// <summary>The times after <paramref name="after"/> up to and including <paramref name="through"/>, or null when none fell due.</summary>
    public static Due? Between(IReadOnlyList<ScheduleTrigger> triggers, DateTimeOffset after, DateTimeOffset through)
    {
        if (through <= after) return null;
        var from = after < through - LongestGap ? through - LongestGap : after;
        var count = 0;
        DateTimeOffset? latest = null;
        var filters = new List<Filters?>();
        foreach (var trigger in triggers)
        {
            var expression = CronExpression.Parse(trigger.Cron, CronFormat.Standard);
            DateTimeOffset? last = null;
            foreach (var time in expression.GetOccurrences(from, through, TimeZoneInfo.Utc, fromInclusive: false, toInclusive: true))
            {
                count++;
                last = time;
            }
            if (last is not { } mine) continue;
            if (latest is null || mine > latest)
            {
                latest = mine;
                filters.Clear();
            }
            if (mine == latest) filters.Add(trigger.Filters);
        }
        return latest is { } at ? new Due(at, filters, count) : null;
    }
}
