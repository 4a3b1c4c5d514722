using CircleActors.Domain.Common;
using CircleActors.Domain.Config;

namespace CircleActors.Domain.Schedules.Messages;

public interface IWithScheduleId
{
    ScheduleId ScheduleId { get; }
}

public interface IScheduleCommand : IWithScheduleId;

/// <summary>A pipeline started on a branch for one scheduled time; <c>PipelineId</c> is null when it could not be started.</summary>
public sealed record ScheduledRun(string Branch, PipelineId? PipelineId, string? Error = null);

public static class ScheduleCommands
{
    /// <summary>
    /// The workflow's <c>triggers:</c> as the project's default branch declares them at a
    /// pipeline; no triggers disables the schedule. A declaration from an older pipeline than the
    /// one the schedule last heard from changes nothing, so declarations may arrive in any order.
    /// </summary>
    public sealed record ConfigureSchedule(
        ScheduleId ScheduleId, ProjectSlug Project, string Workflow, IReadOnlyList<ScheduleTrigger> Triggers, long PipelineNumber)
        : IScheduleCommand;

    /// <summary>Sent by the schedule's own timer: fires the latest scheduled time that is due, if any.</summary>
    public sealed record FireDueTime(ScheduleId ScheduleId) : IScheduleCommand;

    /// <summary>The pipelines of a fired time have been started (or could not be).</summary>
    public sealed record RecordScheduledRuns(ScheduleId ScheduleId, DateTimeOffset ScheduledAt, IReadOnlyList<ScheduledRun> Runs)
        : IScheduleCommand;
}

public static class ScheduleQueries
{
    public sealed record GetSchedule(ScheduleId ScheduleId) : IScheduleCommand;
}
