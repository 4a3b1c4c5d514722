using CircleActors.Domain.Common;
using CircleActors.Domain.Jobs;
using CircleActors.Domain.Pipelines.Messages;

namespace CircleActors.Domain.Workflows.Messages;

public interface IWorkflowEvent : IWithWorkflowId
{
    DateTimeOffset At { get; }
}

public static class WorkflowEvents
{
    public sealed record WorkflowStarted(
        WorkflowId WorkflowId, string Name, WorkflowContext Context, IReadOnlyList<PlannedJob> Jobs, Actor Actor, DateTimeOffset At,
        WorkflowId? RerunOf = null)
        : IWorkflowEvent;

    /// <summary>A job's requirements are met: its job entity is told to run it.</summary>
    public sealed record WorkflowJobScheduled(WorkflowId WorkflowId, ProjectSlug Project, string JobName, JobId JobId, long? JobNumber, DateTimeOffset At)
        : IWorkflowEvent;

    /// <summary>An approval job's requirements succeeded: it waits for someone to approve it.</summary>
    public sealed record WorkflowJobHeld(WorkflowId WorkflowId, string JobName, DateTimeOffset At) : IWorkflowEvent;

    public sealed record WorkflowJobApproved(WorkflowId WorkflowId, ProjectSlug Project, string JobName, JobId JobId, Actor Actor, DateTimeOffset At)
        : IWorkflowEvent;

    public sealed record WorkflowCanceled(WorkflowId WorkflowId, ProjectSlug Project, string Name, Actor Actor, DateTimeOffset At) : IWorkflowEvent;

    public sealed record WorkflowJobFinished(WorkflowId WorkflowId, string JobName, JobStatus Status, DateTimeOffset At) : IWorkflowEvent;

    public sealed record WorkflowFinished(WorkflowId WorkflowId, ProjectSlug Project, string Name, WorkflowStatus Status, DateTimeOffset At)
        : IWorkflowEvent;
}
