namespace CircleActors.Domain.Workflows;

public enum WorkflowStatus { Running, OnHold, Failing, Success, Failed, Error, Canceled, NotRun }

public static class WorkflowStatuses
{
    public static bool IsTerminal(this WorkflowStatus status) =>
        status is WorkflowStatus.Success or WorkflowStatus.Failed or WorkflowStatus.Error or WorkflowStatus.Canceled or WorkflowStatus.NotRun;

    public static string ToWire(this WorkflowStatus status) => status switch
    {
        WorkflowStatus.OnHold => "on_hold",
        WorkflowStatus.NotRun => "not_run",
        _ => status.ToString().ToLowerInvariant(),
    };
}
