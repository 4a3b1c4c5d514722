namespace CircleActors.Domain.Jobs;

/// <summary>A job's (or one task's) status, CircleCI's vocabulary.</summary>
public enum JobStatus
{
    /// <summary>Waiting for an agent with capacity (pending).</summary>
    NotRunning,
    /// <summary>Assigned to an agent that has not reported its start yet.</summary>
    Queued,
    Running,
    Success,
    Failed,
    Canceled,
    InfrastructureFail,
    TimedOut,
    OnHold,
    /// <summary>Waiting on upstream jobs, or never run because one of them failed.</summary>
    Blocked,
    Unauthorized,
}

public static class JobStatuses
{
    public static bool IsTerminal(this JobStatus status) => status is JobStatus.Success or JobStatus.Failed
        or JobStatus.Canceled or JobStatus.InfrastructureFail or JobStatus.TimedOut or JobStatus.Unauthorized;

    public static bool IsSuccessful(this JobStatus status) => status == JobStatus.Success;

    /// <summary>The API's spelling: <c>not_running</c>, <c>infrastructure_fail</c>, <c>timedout</c>, ...</summary>
    public static string ToWire(this JobStatus status) => status switch
    {
        JobStatus.NotRunning => "not_running",
        JobStatus.InfrastructureFail => "infrastructure_fail",
        JobStatus.TimedOut => "timedout",
        JobStatus.OnHold => "on_hold",
        _ => status.ToString().ToLowerInvariant(),
    };

    /// <summary>
    /// A job's status from its tasks': running while any runs; once all have ended, the worst
    /// outcome wins (a failed task fails the job even if the others passed).
    /// </summary>
    public static JobStatus Combine(IEnumerable<JobStatus> taskStatuses)
    {
        var all = taskStatuses.ToList();
        if (all.Count == 0) return JobStatus.NotRunning;
        if (all.Any(s => s == JobStatus.Running)) return JobStatus.Running;
        if (!all.All(IsTerminal))
        {
            // Some tasks ended while others wait: the job as a whole has started.
            if (all.Any(IsTerminal)) return JobStatus.Running;
            return all.Any(s => s == JobStatus.Queued) ? JobStatus.Queued : JobStatus.NotRunning;
        }
        foreach (var worst in new[] { JobStatus.Canceled, JobStatus.InfrastructureFail, JobStatus.TimedOut, JobStatus.Failed, JobStatus.Unauthorized })
            if (all.Contains(worst)) return worst;
        return JobStatus.Success;
    }
}
