using System.Text.Json.Serialization;
using CircleActors.Domain.Common;
using CircleActors.Domain.Config;
using CircleActors.Domain.Schedules.Messages;
using static CircleActors.Domain.Schedules.Messages.ScheduleEvents;

namespace CircleActors.Domain.Schedules;

/// <summary>
/// The schedule of one workflow of one project. <see cref="FiredThrough"/> is the high-water
/// mark: every scheduled time up to it has fired or was before the schedule existed, so no time
/// fires twice, whatever restarts in between.
/// </summary>
public sealed record ScheduleState(
    ScheduleId Id,
    ProjectSlug? Project,
    string? Workflow,
    IReadOnlyList<ScheduleTrigger> Triggers,
    bool Enabled,
    long DeclaredByPipeline,
    DateTimeOffset? FiredThrough,
    ScheduleFired? Pending)
{
    public static ScheduleState Empty(ScheduleId id) => new(id, null, null, [], false, 0, null, null);

    [JsonIgnore]
    public bool Exists => Project is not null;

    /// <summary>An enabled schedule waits for its next time; a fired time waits for its pipelines.</summary>
    [JsonIgnore]
    public bool HasUnfinishedWork => Enabled || Pending is not null;

    public ScheduleState Apply(IScheduleEvent @event) => @event switch
    {
        ScheduleConfigured e => this with
        {
            Project = e.Project, Workflow = e.Workflow, Triggers = e.Triggers, DeclaredByPipeline = e.PipelineNumber,
            // Turned on (again): times before now are not owed, only the ones from now on.
            FiredThrough = Enabled ? FiredThrough : e.At,
            Enabled = true,
        },
        ScheduleDisabled e when Exists => this with { Enabled = false, DeclaredByPipeline = e.PipelineNumber },
        ScheduleFired e when Pending is null => this with { FiredThrough = e.ScheduledAt, Pending = e },
        ScheduledRunsRecorded e when Pending?.ScheduledAt == e.ScheduledAt => this with { Pending = null },
        _ => throw new InvalidOperationException($"{@event.GetType().Name} does not apply to schedule {Id} in its current state"),
    };
}
