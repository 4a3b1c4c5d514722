using CircleActors.Domain.Workflows;
using static CircleActors.Domain.Workflows.Messages.WorkflowEvents;

namespace CircleActors.Server.GitHub;

/// <summary>The commit status a workflow event sets on its revision; GitHub shows one per context.</summary>
public sealed record CommitStatus(string State, string Description, string Context);

/// <summary>Which workflow events change a workflow's commit status on GitHub, and to what.</summary>
public static class CommitStatuses
{
    public const string ContextPrefix = "ci/circleactors: ";

    public static string ContextOf(string workflowName) => ContextPrefix + workflowName;

    /// <summary>The status an event sets, or null for events that change nothing GitHub shows.</summary>
    public static CommitStatus? For(object @event, string workflowName) => @event switch
    {
        WorkflowStarted => new("pending", "Your workflow is running on CircleActors", ContextOf(workflowName)),
        WorkflowJobHeld held => new("pending", $"Waiting for approval of {held.JobName}", ContextOf(workflowName)),
        WorkflowFinished finished => finished.Status switch
        {
            WorkflowStatus.Success => new("success", "Your workflow passed on CircleActors", ContextOf(workflowName)),
            WorkflowStatus.Failed => new("failure", "Your workflow failed on CircleActors", ContextOf(workflowName)),
            WorkflowStatus.Canceled => new("error", "Your workflow was canceled", ContextOf(workflowName)),
            _ => new("error", $"Your workflow ended {finished.Status.ToWire()}", ContextOf(workflowName)),
        },
        _ => null,
    };
}
