using CircleActors.Domain.Common;
using CircleActors.Domain.Config;

namespace CircleActors.Domain.Schedules.Messages;

public interface IScheduleEvent : IWithScheduleId
{
    DateTimeOffset At { get; }
}

public static class ScheduleEvents
{
    /// <summary>The schedule is on with these triggers (first declared, changed, or declared again after being disabled).</summary>
    public sealed record ScheduleConfigured(
        ScheduleId ScheduleId, ProjectSlug Project, string Workflow, IReadOnlyList<ScheduleTrigger> Triggers, long PipelineNumber,
        DateTimeOffset At) : IScheduleEvent;

    /// <summary>The default branch's config no longer has the workflow's triggers.</summary>
    public sealed record ScheduleDisabled(ScheduleId ScheduleId, long PipelineNumber, DateTimeOffset At) : IScheduleEvent;

    /// <summary>
    /// A scheduled time fired: its pipelines are to be started on <paramref name="Filters"/>'
    /// branches. <paramref name="MissedTimes"/> counts the earlier times that fell due in the same
    /// gap (the server was down) and were folded into this one; <paramref name="At"/> later than
    /// <paramref name="ScheduledAt"/> by more than a tick means it fired late.
    /// </summary>
    public sealed record ScheduleFired(
        ScheduleId ScheduleId, DateTimeOffset ScheduledAt, IReadOnlyList<Filters?> Filters, int MissedTimes, DateTimeOffset At)
        : IScheduleEvent;

    public sealed record ScheduledRunsRecorded(ScheduleId ScheduleId, DateTimeOffset ScheduledAt, IReadOnlyList<ScheduledRun> Runs, DateTimeOffset At)
        : IScheduleEvent;
}
