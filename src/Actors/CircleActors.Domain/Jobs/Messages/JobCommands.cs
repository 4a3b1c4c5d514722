using CircleActors.Domain.Common;

namespace CircleActors.Domain.Jobs.Messages;

public interface IWithJobId
{
    JobId JobId { get; }
}

public interface IJobCommand : IWithJobId;

/// <summary>A command about one attempt of one task (an assignment or a report from its agent).</summary>
public interface ITaskCommand : IJobCommand
{
    int TaskIndex { get; }
    int Attempt { get; }
}

public static class JobCommands
{
    /// <summary>Creates the job with its task template (task 0, attempt 1). Idempotent.</summary>
    public sealed record ScheduleJob(JobId JobId, JobTaskSpec Template) : IJobCommand;

    /// <summary>Stops the job: waiting tasks end canceled, running ones are stopped by their agents.</summary>
    public sealed record CancelJob(JobId JobId, Actor Actor) : IJobCommand;

    /// <summary>The scheduler gives a waiting task to a node. Replies with the task's spec, or rejects.</summary>
    public sealed record AssignTask(JobId JobId, int TaskIndex, int Attempt, NodeId Node) : ITaskCommand;

    public sealed record ReportStepStarted(JobId JobId, int TaskIndex, int Attempt, int StepIndex, string Name) : ITaskCommand;

    public sealed record ReportStepFinished(JobId JobId, int TaskIndex, int Attempt, int StepIndex, int? ExitCode, StepStatus Status)
        : ITaskCommand;

    /// <summary>
    /// Reports of one task that queued up while the one before them was being recorded, sent
    /// together in the order they happened (a step's end and the next step's start, typically),
    /// and last, when it came too, the task's end: the job decides them one after the other and
    /// journals their events in one write. Either all of them take effect or, if one is refused,
    /// none does.
    /// </summary>
    public sealed record ReportSteps(JobId JobId, int TaskIndex, int Attempt, IReadOnlyList<StepReport> Reports, TaskEnd? End = null) : ITaskCommand
    {
        /// <summary>Each report as the single command it stands for, the task's end last.</summary>
        public IEnumerable<ITaskCommand> Commands()
        {
            foreach (var report in Reports) yield return report.ToCommand(JobId, TaskIndex, Attempt);
            if (End is { } end) yield return new ReportTaskFinished(JobId, TaskIndex, Attempt, end.Status, end.Reason);
        }
    }

    /// <summary>The task's end within <see cref="ReportSteps"/>, as <see cref="ReportTaskFinished"/> reports it alone.</summary>
    public sealed record TaskEnd(JobStatus Status, string? Reason = null);

    /// <summary>A step's start (<paramref name="StartedName"/> set) or end (<paramref name="Status"/> set) within <see cref="ReportSteps"/>.</summary>
    public sealed record StepReport(int StepIndex, string? StartedName, int? ExitCode, StepStatus? Status)
    {
        public static StepReport Started(int stepIndex, string name) => new(stepIndex, name, null, null);

        public static StepReport Finished(int stepIndex, int? exitCode, StepStatus status) => new(stepIndex, null, exitCode, status);

        public ITaskCommand ToCommand(JobId job, int taskIndex, int attempt) => Status is { } status
            ? new ReportStepFinished(job, taskIndex, attempt, StepIndex, ExitCode, status)
            : new ReportStepStarted(job, taskIndex, attempt, StepIndex, StartedName!);
    }

    public sealed record ReportTaskFinished(JobId JobId, int TaskIndex, int Attempt, JobStatus Status, string? Reason = null) : ITaskCommand;

    /// <summary>No heartbeat came for the task within its lease: its agent is presumed gone.</summary>
    /// <summary>
    /// Ends an assigned task as an infrastructure failure: its lease lapsed, or the scheduler
    /// saw <paramref name="Node"/>, the node it was assigned to, go down (then only if it still is).
    /// </summary>
    public sealed record ExpireLease(JobId JobId, int TaskIndex, int Attempt, NodeId? Node = null) : ITaskCommand;
}

public static class JobQueries
{
    public sealed record GetJob(JobId JobId) : IJobCommand;
}

public static class JobReplies
{
    /// <summary>The assignment is recorded: the node runs this spec.</summary>
    public sealed record TaskAssignmentAccepted(JobTaskSpec Spec);
}
