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
                var started = new WorkflowStarted(start.WorkflowId, start.Name, start.Context, start.Jobs, start.Actor, now);
                return new(Advance(state, [started], now), Accepted.Instance);

            case WorkflowQueries.GetWorkflow:
                return state.Exists
                    ? Decision<IWorkflowEvent>.Ignore(state)
                    : Decision<IWorkflowEvent>.Reject(RejectionKind.NotFound, $"workflow {state.Id} not found");

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
    private static List<IWorkflowEvent> Advance(WorkflowState state, List<IWorkflowEvent> events, DateTimeOffset now)
    {
        var next = events.Aggregate(state, (s, e) => s.Apply(e));
        var context = next.Started!.Context;
        foreach (var job in next.Jobs)
        {
            if (job.IsApproval || next.Scheduled.Contains(job.Name)) continue;
            if (job.Requires.All(r => next.JobStatuses.TryGetValue(r, out var s) && s.IsSuccessful()))
            {
                var scheduled = new WorkflowJobScheduled(next.Id, context.Project, job.Name, job.JobId, job.JobNumber, now);
                events.Add(scheduled);
                next = next.Apply(scheduled);
            }
        }

        var outcome = Outcome(next);
        if (outcome is { } status)
            events.Add(new WorkflowFinished(next.Id, context.Project, next.Started!.Name, status, now));
        return events;
    }

    /// <summary>The workflow's final status, or null while a job is still running or schedulable.</summary>
    private static WorkflowStatus? Outcome(WorkflowState state)
    {
        if (state.RunningJobs.Any()) return null;
        var statuses = state.JobStatuses.Values.ToList();
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
        var statuses = state.JobStatuses.Values.ToList();
        if (statuses.Any(IsFailure)) return WorkflowStatus.Failing;
        if (!state.RunningJobs.Any() && statuses.Any(s => s == JobStatus.OnHold)) return WorkflowStatus.OnHold;
        return WorkflowStatus.Running;
    }
}
