using CircleActors.Domain.Common;
using CircleActors.Domain.Jobs.Messages;
using static CircleActors.Domain.Jobs.Messages.JobCommands;
using static CircleActors.Domain.Jobs.Messages.JobEvents;

namespace CircleActors.Domain.Jobs;

/// <summary>
/// Decides a job's life: tasks wait, are assigned to a node, run their steps and end. Reports
/// from an attempt that is no longer current (an agent presumed dead that came back) change nothing.
/// </summary>
public static class JobDecider
{
    public static Decision<IJobEvent> Decide(JobState state, IJobCommand command, DateTimeOffset now)
    {
        if (command is ScheduleJob schedule)
        {
            if (state.Exists) return Decision<IJobEvent>.Ignore(Accepted.Instance);
            if (schedule.Template.TaskIndex != 0 || schedule.Template.Attempt != 1)
                return Decision<IJobEvent>.Reject(RejectionKind.Invalid, "a job template is task 0, attempt 1");
            return new([new JobScheduled(schedule.JobId, schedule.Template, now)], Accepted.Instance);
        }

        if (!state.Exists) return Decision<IJobEvent>.Reject(RejectionKind.NotFound, $"job {state.Id} not found");
        if (command is JobQueries.GetJob) return Decision<IJobEvent>.Ignore(state);
        if (command is CancelJob cancel) return Cancel(state, cancel, now);
        var report = (ITaskCommand)command;
        if (report.TaskIndex < 0 || report.TaskIndex >= state.Tasks.Length)
            return Decision<IJobEvent>.Reject(RejectionKind.Invalid, $"job {state.Id} has no task {report.TaskIndex}");
        var task = state.Tasks[report.TaskIndex];
        // The agent repeats a task's end (alone or after the reports queued with it) until it hears
        // back: the repeat of the end that was recorded is answered as accepted, so the agent can stop repeating.
        if (command is ReportTaskFinished or ReportSteps { End: not null } && task.Attempt == report.Attempt && task.Status.IsTerminal())
            return Decision<IJobEvent>.Ignore(Accepted.Instance);
        if (state.IsFinished) return Decision<IJobEvent>.Reject(RejectionKind.Conflict, $"job {state.Id} has finished");
        if (task.Attempt != report.Attempt || task.Status.IsTerminal())
            return Decision<IJobEvent>.Reject(RejectionKind.Conflict, $"task {report.TaskIndex} attempt {report.Attempt} of job {state.Id} is not current");

        var spec = state.Template!;
        switch (command)
        {
            case AssignTask assign:
                if (task.Status != JobStatus.NotRunning)
                    return task.Node == assign.Node
                        ? Decision<IJobEvent>.Ignore(new JobReplies.TaskAssignmentAccepted(state.SpecFor(task)))
                        : Decision<IJobEvent>.Reject(RejectionKind.Conflict, $"task {task.Index} of job {state.Id} is already assigned");
                return new([new TaskAssigned(state.Id, task.Index, task.Attempt, assign.Node, now)],
                    new JobReplies.TaskAssignmentAccepted(state.SpecFor(task)));

            case ReportStepStarted started:
                if (!task.IsAssigned)
                    return Decision<IJobEvent>.Reject(RejectionKind.Conflict, $"task {task.Index} of job {state.Id} is not assigned");
                if (task.Steps.Any(s => s.Index == started.StepIndex))
                    return Decision<IJobEvent>.Ignore(Accepted.Instance);
                var stepStarted = new TaskStepStarted(state.Id, task.Index, task.Attempt, started.StepIndex, started.Name, now);
                return new(state.StartedAt is null
                        ? [new JobStarted(state.Id, spec.Project, spec.JobNumber, spec.JobName, now), stepStarted]
                        : [stepStarted],
                    Accepted.Instance);

            case ReportStepFinished finished:
                if (!task.Steps.Any(s => s.Index == finished.StepIndex && s.Status == StepStatus.Running))
                    return Decision<IJobEvent>.Ignore(Accepted.Instance);
                return new([new TaskStepFinished(state.Id, task.Index, task.Attempt, finished.StepIndex, finished.ExitCode, finished.Status, now)],
                    Accepted.Instance);

            case ReportSteps batch:
                if ((batch.Reports.Count == 0 && batch.End is null) || batch.Reports.Any(r => r.StartedName is null && r.Status is null))
                    return Decision<IJobEvent>.Reject(RejectionKind.Invalid, "a batch of step reports is empty or holds one that is neither a start nor an end");
                var batchEvents = new List<IJobEvent>();
                var afterBatch = state;
                foreach (var single in batch.Commands())
                {
                    var decided = Decide(afterBatch, single, now);
                    if (decided.Reply is Rejected) return decided;
                    batchEvents.AddRange(decided.Events);
                    afterBatch = decided.Events.Aggregate(afterBatch, (s, e) => s.Apply(e));
                }
                return new(batchEvents, Accepted.Instance);

            case ReportTaskFinished taskFinished:
                if (!taskFinished.Status.IsTerminal())
                    return Decision<IJobEvent>.Reject(RejectionKind.Invalid, $"{taskFinished.Status.ToWire()} is not a final status");
                return new(EndTask(state, task, taskFinished.Status, taskFinished.Reason, now), Accepted.Instance);

            case ExpireLease expire:
                if (!task.IsAssigned || (expire.Node is { } node && task.Node != node)) return Decision<IJobEvent>.Ignore(Accepted.Instance);
                return new(EndTask(state, task, JobStatus.InfrastructureFail, $"the agent on {task.Node} stopped reporting", now), Accepted.Instance);

            default:
                throw new ArgumentOutOfRangeException(nameof(command), command.GetType().Name, "unknown job command");
        }
    }

    private static Decision<IJobEvent> Cancel(JobState state, CancelJob cancel, DateTimeOffset now)
    {
        if (state.IsFinished) return Decision<IJobEvent>.Reject(RejectionKind.Conflict, $"job {state.Template!.JobName} has finished ({state.Status.ToWire()})");
        if (state.CancelRequested) return Decision<IJobEvent>.Ignore(Accepted.Instance);
        var spec = state.Template!;
        var events = new List<IJobEvent> { new JobCancelRequested(state.Id, spec.Project, spec.JobNumber, spec.JobName, cancel.Actor, now) };
        var next = state.Apply(events[0]);
        // Tasks no agent has taken end now; running ones end when their agents confirm (or their leases lapse).
        foreach (var task in state.Tasks.Where(t => t.Status == JobStatus.NotRunning))
        {
            var ended = EndTask(next, next.Tasks[task.Index], JobStatus.Canceled, "canceled before it started", now);
            events.AddRange(ended);
            next = ended.Aggregate(next, (s, e) => s.Apply(e));
        }
        return new(events, Accepted.Instance);
    }

    /// <summary>
    /// Ends a task; an infrastructure failure requeues it once (unless the job was canceled: then
    /// it is simply canceled); the last task to end ends the job.
    /// </summary>
    private static List<IJobEvent> EndTask(JobState state, TaskState task, JobStatus status, string? reason, DateTimeOffset now)
    {
        if (state.CancelRequested && status == JobStatus.InfrastructureFail) (status, reason) = (JobStatus.Canceled, "canceled");
        var events = new List<IJobEvent> { new TaskFinished(state.Id, task.Index, task.Attempt, status, reason, now) };
        if (status == JobStatus.InfrastructureFail && task.Attempt < JobState.MaxAttempts)
        {
            events.Add(new TaskRequeued(state.Id, task.Index, task.Attempt + 1, now));
            return events;
        }

        var after = events.Aggregate(state, (s, e) => s.Apply(e));
        if (after.Tasks.All(t => t.Status.IsTerminal()))
        {
            var spec = state.Template!;
            events.Add(new JobFinished(state.Id, spec.Project, spec.JobNumber, spec.JobName, JobStatuses.Combine(after.Tasks.Select(t => t.Status)), now));
        }
        return events;
    }
}
