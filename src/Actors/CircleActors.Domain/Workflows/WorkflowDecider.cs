using CircleActors.Domain.Common;
using CircleActors.Domain.Jobs;
using CircleActors.Domain.Pipelines.Messages;
using CircleActors.Domain.Workflows.Messages;
using static CircleActors.Domain.Workflows.Messages.WorkflowCommands;
using static CircleActors.Domain.Workflows.Messages.WorkflowEvents;

namespace CircleActors.Domain.Workflows;

/// <summary>
/// Runs a workflow's graph: a job is scheduled once every job it requires has succeeded; a
/// failed job blocks everything downstream; the workflow ends when nothing more can run.
/// </summary>
public static class WorkflowDecider
{
    public static Decision<IWorkflowEvent> Decide(WorkflowState state, IWorkflowCommand command, DateTimeOffset now)
    {
        switch (command)
        {
            case StartWorkflow start:
                if (state.Exists) return Decision<IWorkflowEvent>.Ignore(Accepted.Instance);
                if (start.Jobs.Count == 0)
                    return Decision<IWorkflowEvent>.Reject(RejectionKind.Invalid, $"workflow {start.Name} has no jobs");
                var started = new WorkflowStarted(start.WorkflowId, start.Name, start.Context, start.Jobs, start.Actor, now, start.RerunOf);
                return new(Advance(state, [started], now), Accepted.Instance);

            case WorkflowQueries.GetWorkflow:
                return state.Exists
                    ? Decision<IWorkflowEvent>.Ignore(state)
                    : Decision<IWorkflowEvent>.Reject(RejectionKind.NotFound, $"workflow {state.Id} not found");

            case ApproveJob approve:
            {
                if (!state.Exists)
                    return Decision<IWorkflowEvent>.Reject(RejectionKind.NotFound, $"workflow {state.Id} not found");
                var job = state.Jobs.FirstOrDefault(j => j.JobId == approve.ApprovalRequestId);
                if (job is null)
                    return Decision<IWorkflowEvent>.Reject(RejectionKind.NotFound, $"workflow {state.Id} has no approval request {approve.ApprovalRequestId}");
                if (!job.IsApproval)
                    return Decision<IWorkflowEvent>.Reject(RejectionKind.Invalid, $"job {job.Name} is not an approval job");
                if (state.IsFinished || state.CancelRequested)
                    return Decision<IWorkflowEvent>.Reject(RejectionKind.Conflict,
                        $"workflow {state.Started!.Name} has ended ({CurrentStatus(state).ToWire()}); nothing to approve");
                var status = state.JobStatuses[job.Name];
                if (status == JobStatus.Success)
                    return Decision<IWorkflowEvent>.Reject(RejectionKind.Conflict, $"job {job.Name} is already approved");
                if (status != JobStatus.OnHold)
                    return Decision<IWorkflowEvent>.Reject(RejectionKind.Conflict, $"job {job.Name} is not on hold yet: the jobs it requires have not all succeeded");
                var approved = new WorkflowJobApproved(state.Id, state.Started!.Context.Project, job.Name, job.JobId, approve.Actor, now);
                return new(Advance(state, [approved], now), Accepted.Instance);
            }

            case CancelWorkflow cancel:
                if (!state.Exists)
                    return Decision<IWorkflowEvent>.Reject(RejectionKind.NotFound, $"workflow {state.Id} not found");
                if (state.IsFinished)
                    return Decision<IWorkflowEvent>.Reject(RejectionKind.Conflict, $"workflow {state.Started!.Name} has ended ({state.FinishedWith!.Value.ToWire()})");
                if (state.CancelRequested) return Decision<IWorkflowEvent>.Ignore(Accepted.Instance);
                var canceled = new WorkflowCanceled(state.Id, state.Started!.Context.Project, state.Started.Name, cancel.Actor, now);
                return new(Advance(state, [canceled], now), Accepted.Instance);

            case RecordJobFinished finished:
                if (!state.Exists)
                    return Decision<IWorkflowEvent>.Reject(RejectionKind.NotFound, $"workflow {state.Id} not found");
                if (!state.JobStatuses.TryGetValue(finished.JobName, out var current))
                    return Decision<IWorkflowEvent>.Reject(RejectionKind.Invalid, $"workflow {state.Id} has no job {finished.JobName}");
                if (!finished.Status.IsTerminal())
                    return Decision<IWorkflowEvent>.Reject(RejectionKind.Invalid, $"{finished.Status.ToWire()} is not a final job status");
                if (current.IsTerminal() || !state.Scheduled.Contains(finished.JobName))
                    return Decision<IWorkflowEvent>.Ignore(Accepted.Instance);
                return new(Advance(state, [new WorkflowJobFinished(state.Id, finished.JobName, finished.Status, now)], now), Accepted.Instance);

            default:
                throw new ArgumentOutOfRangeException(nameof(command), command.GetType().Name, "unknown workflow command");
        }
    }

    /// <summary>Appends to <paramref name="events"/> the jobs that became runnable and, if nothing is left to run, the end.</summary>
    /// <remarks>
    /// Only a job one of whose requirements changed can become runnable: every job when the
    /// workflow starts, otherwise the jobs that require one the events moved. Looking at every
    /// job on every job's end made a 400-job workflow's run quadratic.
    /// </remarks>
    private static List<IWorkflowEvent> Advance(WorkflowState state, List<IWorkflowEvent> events, DateTimeOffset now)
    {
        var next = events.Aggregate(state, (s, e) => s.Apply(e));
        var context = next.Started!.Context;
        var graph = WorkflowGraph.Of(next.Jobs);
        var candidates = state.Exists ? graph.DependentsOf(events.Select(MovedJob).OfType<string>()) : graph.All;
        // Approving a job can make others runnable, and those may be approvals too: go on with
        // the dependents of what moved until nothing does.
        while (!next.CancelRequested && candidates.Count > 0)
        {
            var moved = new List<string>();
            foreach (var index in candidates)
            {
                var job = next.Jobs[index];
                if (next.Scheduled.Contains(job.Name) || next.JobStatuses[job.Name] != JobStatus.Blocked) continue;
                if (!RequirementsMet(next, job)) continue;
                IWorkflowEvent ready = job.IsApproval
                    ? new WorkflowJobHeld(next.Id, job.Name, now)
                    : new WorkflowJobScheduled(next.Id, context.Project, job.Name, job.JobId, job.JobNumber, now);
                events.Add(ready);
                next = next.Apply(ready);
                moved.Add(job.Name);
            }
            candidates = graph.DependentsOf(moved);
        }

        var outcome = Outcome(next);
        if (outcome is { } status)
            events.Add(new WorkflowFinished(next.Id, context.Project, next.Started!.Name, status, now));
        return events;
    }

    /// <summary>The job whose status an event changes, if it changes one job's.</summary>
    private static string? MovedJob(IWorkflowEvent @event) => @event switch
    {
        WorkflowJobFinished e => e.JobName,
        WorkflowJobApproved e => e.JobName,
        WorkflowJobHeld e => e.JobName,
        WorkflowJobScheduled e => e.JobName,
        _ => null,
    };

    /// <remarks>
    /// A loop rather than a lambda: this runs for every job of the workflow on every job's end,
    /// and a lambda capturing the job allocated a closure per job each time.
    /// </remarks>
    private static bool RequirementsMet(WorkflowState state, PlannedJob job)
    {
        foreach (var required in job.Requires)
            if (!RequirementMet(state, required, job.RequiredStatuses?.GetValueOrDefault(required))) return false;
        return true;
    }

    /// <summary>
    /// Whether a required job stands where the requirement asks: succeeded by default, or (2.1 map
    /// form) in one of the listed statuses; <c>not_run</c> is a job the workflow never started.
    /// </summary>
    private static bool RequirementMet(WorkflowState state, string required, IReadOnlyList<string>? allowed)
    {
        if (!state.JobStatuses.TryGetValue(required, out var status)) return false;
        if (allowed is null) return status.IsSuccessful();
        return allowed.Any(wanted => wanted switch
        {
            "success" => status == JobStatus.Success,
            "failed" => status is JobStatus.Failed or JobStatus.InfrastructureFail or JobStatus.TimedOut,
            "canceled" => status == JobStatus.Canceled && state.Scheduled.Contains(required),
            "unauthorized" => status == JobStatus.Unauthorized,
            "not_run" => status.IsTerminal() && !state.Scheduled.Contains(required),
            _ => false,
        });
    }

    /// <summary>The workflow's final status, or null while a job is still running or schedulable.</summary>
    private static WorkflowStatus? Outcome(WorkflowState state)
    {
        if (state.RunningCount > 0) return null;
        if (state.CancelRequested) return WorkflowStatus.Canceled;
        var statuses = state.JobStatuses.Values;
        if (statuses.Any(s => s == JobStatus.OnHold) && !statuses.Any(IsFailure)) return null; // held for approval
        if (statuses.Any(s => s == JobStatus.Canceled)) return WorkflowStatus.Canceled;
        if (statuses.Any(IsFailure)) return WorkflowStatus.Failed;
        return WorkflowStatus.Success;
    }

    private static bool IsFailure(JobStatus s) => s.IsTerminal() && !s.IsSuccessful() && s != JobStatus.Canceled;

    /// <summary>The status to show while the workflow runs.</summary>
    public static WorkflowStatus CurrentStatus(WorkflowState state)
    {
        if (state.FinishedWith is { } finished) return finished;
        if (state.CancelRequested) return WorkflowStatus.Canceled;
        var statuses = state.JobStatuses.Values;
        if (statuses.Any(IsFailure)) return WorkflowStatus.Failing;
        if (state.RunningCount == 0 && statuses.Any(s => s == JobStatus.OnHold)) return WorkflowStatus.OnHold;
        return WorkflowStatus.Running;
    }
}
