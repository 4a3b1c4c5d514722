using CircleActors.Domain.Common;

namespace CircleActors.Domain.Jobs.Messages;

public interface IJobEvent : IWithJobId
{
    DateTimeOffset At { get; }
}

public static class JobEvents
{
    public sealed record JobScheduled(JobId JobId, JobTaskSpec Template, DateTimeOffset At) : IJobEvent;

    /// <summary>Someone canceled the job; tasks still running end canceled once their agents stop them.</summary>
    public sealed record JobCancelRequested(JobId JobId, ProjectSlug Project, long JobNumber, string JobName, Actor Actor, DateTimeOffset At) : IJobEvent;

    public sealed record TaskAssigned(JobId JobId, int TaskIndex, int Attempt, NodeId Node, DateTimeOffset At) : IJobEvent;

    /// <summary>The job's first task began running.</summary>
    public sealed record JobStarted(JobId JobId, ProjectSlug Project, long JobNumber, string JobName, DateTimeOffset At) : IJobEvent;

    public sealed record TaskStepStarted(JobId JobId, int TaskIndex, int Attempt, int StepIndex, string Name, DateTimeOffset At) : IJobEvent;

    public sealed record TaskStepFinished(JobId JobId, int TaskIndex, int Attempt, int StepIndex, int? ExitCode, StepStatus Status, DateTimeOffset At)
        : IJobEvent;

    public sealed record TaskFinished(JobId JobId, int TaskIndex, int Attempt, JobStatus Status, string? Reason, DateTimeOffset At) : IJobEvent;

    /// <summary>The task runs again as a new attempt after an infrastructure failure.</summary>
    public sealed record TaskRequeued(JobId JobId, int TaskIndex, int Attempt, DateTimeOffset At) : IJobEvent;

    public sealed record JobFinished(JobId JobId, ProjectSlug Project, long JobNumber, string JobName, JobStatus Status, DateTimeOffset At)
        : IJobEvent;
}
