using CircleActors.Domain.Common;
using CircleActors.Domain.Config;
using CircleActors.Domain.Schedules.Messages;
using static CircleActors.Domain.Schedules.Messages.ScheduleCommands;
using static CircleActors.Domain.Schedules.Messages.ScheduleEvents;

namespace CircleActors.Domain.Schedules;

public static class ScheduleDecider
{
    public static Decision<IScheduleEvent> Decide(ScheduleState state, IScheduleCommand command, DateTimeOffset now)
    {
        switch (command)
        {
            case ScheduleQueries.GetSchedule:
                return Decision<IScheduleEvent>.Ignore(state);

            case ConfigureSchedule configure:
                return Configure(state, configure, now);

            case FireDueTime:
                // One fired time at a time: the next waits until this one's pipelines are recorded.
                if (!state.Enabled || state.Pending is not null) return Decision<IScheduleEvent>.Ignore(Accepted.Instance);
                if (ScheduledTimes.Between(state.Triggers, state.FiredThrough ?? now, now) is not { } due)
                    return Decision<IScheduleEvent>.Ignore(Accepted.Instance);
                return new([new ScheduleFired(state.Id, due.Latest, due.Filters, due.Count - 1, now)], Accepted.Instance);

            case RecordScheduledRuns record:
                if (state.Pending?.ScheduledAt != record.ScheduledAt) return Decision<IScheduleEvent>.Ignore(Accepted.Instance);
                return new([new ScheduledRunsRecorded(state.Id, record.ScheduledAt, record.Runs, now)], Accepted.Instance);

            default:
                throw new ArgumentOutOfRangeException(nameof(command), command.GetType().Name, "unknown schedule command");
        }
    }

    private static Decision<IScheduleEvent> Configure(ScheduleState state, ConfigureSchedule configure, DateTimeOffset now)
    {
        if (state.Exists && configure.PipelineNumber < state.DeclaredByPipeline)
            return Decision<IScheduleEvent>.Ignore(Accepted.Instance);
        if (configure.Triggers.Count == 0)
            return state.Enabled
                ? new([new ScheduleDisabled(state.Id, configure.PipelineNumber, now)], Accepted.Instance)
                : Decision<IScheduleEvent>.Ignore(Accepted.Instance);
        if (state.Enabled && SameTriggers(state.Triggers, configure.Triggers))
            return Decision<IScheduleEvent>.Ignore(Accepted.Instance);
        return new([new ScheduleConfigured(state.Id, configure.Project, configure.Workflow, configure.Triggers, configure.PipelineNumber, now)],
            Accepted.Instance);
    }

    /// <summary>Triggers compare by value: the records hold lists, which compare by reference.</summary>
    private static bool SameTriggers(IReadOnlyList<ScheduleTrigger> a, IReadOnlyList<ScheduleTrigger> b) =>
        a.Count == b.Count && a.Zip(b).All(pair => pair.First.Cron == pair.Second.Cron && SameFilters(pair.First.Filters, pair.Second.Filters));

    private static bool SameFilters(Filters? a, Filters? b) =>
        SameRefFilter(a?.Branches, b?.Branches) && SameRefFilter(a?.Tags, b?.Tags);

    private static bool SameRefFilter(RefFilter? a, RefFilter? b) =>
        (a?.Only ?? []).SequenceEqual(b?.Only ?? []) && (a?.Ignore ?? []).SequenceEqual(b?.Ignore ?? []);

    /// <summary>What a run that fired late says about it, or null when it fired on time.</summary>
    public static string? LatenessNote(ScheduleFired fired, TimeSpan tolerance)
    {
        var late = fired.At - fired.ScheduledAt;
        if (fired.MissedTimes == 0 && late <= tolerance) return null;
        var missed = fired.MissedTimes == 0 ? "" : $"; {fired.MissedTimes} earlier scheduled time(s) in the same gap were skipped";
        return $"fired late: scheduled for {fired.ScheduledAt:yyyy-MM-dd HH:mm} UTC, run once at {fired.At:yyyy-MM-dd HH:mm:ss} UTC after the server was down{missed}";
    }
}
