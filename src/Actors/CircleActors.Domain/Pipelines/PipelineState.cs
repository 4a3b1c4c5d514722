using System.Text.Json.Serialization;
using CircleActors.Domain.Common;
using CircleActors.Domain.Pipelines.Messages;
using static CircleActors.Domain.Pipelines.Messages.PipelineEvents;

namespace CircleActors.Domain.Pipelines;

/// <summary>CircleCI's pipeline states: pending until its config is read, then created or errored.</summary>
public enum PipelineStage { None, Pending, Created, Errored }

public sealed record PipelineState(
    PipelineId Id,
    PipelineStage Stage,
    PipelineCreated? Created,
    string? Revision,
    IReadOnlyList<PlannedWorkflow> Workflows,
    IReadOnlyList<PipelineError> Errors,
    bool WorkflowsCreated,
    IReadOnlyList<Config.WorkflowSchedule>? Schedules = null,
    string? ConfigSource = null,
    PipelineDeleted? Deleted = null)
{
    public static PipelineState Empty(PipelineId id) => new(id, PipelineStage.None, null, null, [], [], false);

    [JsonIgnore]
    public bool Exists => Stage != PipelineStage.None;

    [JsonIgnore]
    public bool IsDeleted => Deleted is not null;

    /// <summary>Work remains for the entity: reading its config, or starting its workflows; none once it is deleted.</summary>
    [JsonIgnore]
    public bool HasUnfinishedWork => !IsDeleted && (Stage == PipelineStage.Pending || (Stage == PipelineStage.Created && !WorkflowsCreated));

    public PipelineState Apply(IPipelineEvent @event) => @event switch
    {
        PipelineCreated e when Stage == PipelineStage.None => this with { Stage = PipelineStage.Pending, Created = e, Revision = e.Revision },
        PipelineConfigCompiled e when Stage == PipelineStage.Pending && !IsDeleted => this with
        {
            Stage = PipelineStage.Created, Revision = e.Revision, Workflows = e.Workflows, Schedules = e.Schedules, ConfigSource = e.ConfigSource,
        },
        PipelineErrored e when Stage == PipelineStage.Pending && !IsDeleted => this with
        {
            Stage = PipelineStage.Errored, Revision = e.Revision ?? Revision, Errors = e.Errors,
        },
        PipelineWorkflowsCreated when Stage == PipelineStage.Created && !WorkflowsCreated && !IsDeleted => this with { WorkflowsCreated = true },
        PipelineDeleted e when Exists && !IsDeleted => this with { Deleted = e },
        _ => throw new InvalidOperationException($"{@event.GetType().Name} does not apply to pipeline {Id} at stage {Stage}"),
    };
}
