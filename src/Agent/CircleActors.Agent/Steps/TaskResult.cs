namespace CircleActors.Agent.Steps;

/// <summary>How a task ended, in the job status vocabulary's terms.</summary>
public enum TaskOutcome { Success, Failed, Canceled, InfrastructureFail }

/// <param name="Reason">Why it did not succeed, for the job's page (null on success).</param>
public sealed record TaskResult(TaskOutcome Outcome, string? Reason = null)
{
    /// <summary>The status name CircleCI uses: success, failed, canceled, infrastructure_fail.</summary>
    public string Status => Outcome switch
    {
        TaskOutcome.Success => "success",
        TaskOutcome.Failed => "failed",
        TaskOutcome.Canceled => "canceled",
        TaskOutcome.InfrastructureFail => "infrastructure_fail",
        _ => throw new InvalidOperationException($"unknown outcome {Outcome}"),
    };
}
