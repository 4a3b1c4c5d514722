using CircleActors.Domain.Common;
using CircleActors.Domain.Jobs;
using CircleActors.Domain.Pipelines.Messages;

namespace CircleActors.Domain.Workflows.Messages;

public interface IWithWorkflowId
{
    WorkflowId WorkflowId { get; }
}

public interface IWorkflowCommand : IWithWorkflowId;

/// <summary>The revision and pipeline a workflow's jobs run for.</summary>
public sealed record WorkflowContext(
    PipelineId PipelineId,
    long PipelineNumber,
    ProjectSlug Project,
    string RepositoryUrl,
    string Revision,
    string? Branch,
    string? Tag);

public static class WorkflowCommands
{
    /// <summary>Starts the workflow; idempotent, so the pipeline may send it again after a restart.</summary>
    /// <param name="RerunOf">For a rerun, the workflow it reruns (in the same pipeline).</param>
    public sealed record StartWorkflow(
        WorkflowId WorkflowId, string Name, WorkflowContext Context, IReadOnlyList<PlannedJob> Jobs, Actor Actor, WorkflowId? RerunOf = null)
        : IWorkflowCommand;

    /// <summary>Approves a held approval job; its dependants then run. The request id is the approval job's id.</summary>
    public sealed record ApproveJob(WorkflowId WorkflowId, JobId ApprovalRequestId, Actor Actor) : IWorkflowCommand;

    /// <summary>Stops the workflow: running jobs are canceled, the others never start.</summary>
    public sealed record CancelWorkflow(WorkflowId WorkflowId, Actor Actor) : IWorkflowCommand;

    /// <summary>A job of this workflow ended. Idempotent per job.</summary>
    public sealed record RecordJobFinished(WorkflowId WorkflowId, string JobName, JobStatus Status) : IWorkflowCommand;
}

public static class WorkflowQueries
{
    public sealed record GetWorkflow(WorkflowId WorkflowId) : IWorkflowCommand;
}
