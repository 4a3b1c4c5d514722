using System.Text.Json.Serialization;
using System.Collections.Immutable;
using CircleActors.Domain.Common;
using CircleActors.Domain.Jobs.Messages;
using static CircleActors.Domain.Jobs.Messages.JobEvents;

namespace CircleActors.Domain.Jobs;

public sealed record StepRecord(int Index, string Name, StepStatus Status, int? ExitCode, DateTimeOffset StartedAt, DateTimeOffset? StoppedAt);

/// <summary>An attempt of a task that ended and was run again (the infrastructure failed it).</summary>
public sealed record EndedAttempt(int Attempt, JobStatus Status, NodeId? Node, string? Reason, DateTimeOffset? StartedAt, DateTimeOffset? StoppedAt);

/// <summary>One task (one parallel run) of a job, in its current attempt; <paramref name="EarlierAttempts"/> null when it is the first.</summary>
public sealed record TaskState(
    int Index,
    int Attempt,
    JobStatus Status,
    NodeId? Node,
    DateTimeOffset? StartedAt,
    DateTimeOffset? StoppedAt,
    ImmutableList<StepRecord> Steps,
    string? Reason,
    ImmutableList<EndedAttempt>? EarlierAttempts = null)
{
    public static TaskState Waiting(int index, int attempt) =>
        new(index, attempt, JobStatus.NotRunning, null, null, null, ImmutableList<StepRecord>.Empty, null);

    /// <summary>The next attempt of this ended task, remembering how this one ended.</summary>
    public TaskState Retried(int attempt) => Waiting(Index, attempt) with
    {
        EarlierAttempts = (EarlierAttempts ?? ImmutableList<EndedAttempt>.Empty).Add(new EndedAttempt(Attempt, Status, Node, Reason, StartedAt, StoppedAt)),
    };

    [JsonIgnore]
    public bool IsAssigned => Status is JobStatus.Queued or JobStatus.Running;
}

public sealed record JobState(
    JobId Id,
    JobTaskSpec? Template,
    ImmutableArray<TaskState> Tasks,
    DateTimeOffset? QueuedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? StoppedAt,
    JobStatus? FinishedWith,
    bool CancelRequested = false)
{
    /// <summary>A task that fails for infrastructure reasons runs once more before the job gives up.</summary>
    public const int MaxAttempts = 2;

    public static JobState Empty(JobId id) => new(id, null, ImmutableArray<TaskState>.Empty, null, null, null, null);

    [JsonIgnore]
    public bool Exists => Template is not null;
    [JsonIgnore]
    public bool IsFinished => FinishedWith is not null;
    [JsonIgnore]
    public JobStatus Status => FinishedWith ?? (Exists ? JobStatuses.Combine(Tasks.Select(t => t.Status)) : JobStatus.NotRunning);

    public JobTaskSpec SpecFor(TaskState task) => Template! with { TaskIndex = task.Index, Attempt = task.Attempt };

    public JobState Apply(IJobEvent @event) => @event switch
    {
        JobScheduled e when !Exists => this with
        {
            Template = e.Template,
            Tasks = Enumerable.Range(0, e.Template.TaskCount).Select(i => TaskState.Waiting(i, 1)).ToImmutableArray(),
            QueuedAt = e.At,
        },
        TaskAssigned e => WithTask(e.TaskIndex, e.Attempt, t => t.Status == JobStatus.NotRunning,
            t => t with { Status = JobStatus.Queued, Node = e.Node }),
        JobStarted e when StartedAt is null => this with { StartedAt = e.At },
        JobCancelRequested when Exists && !IsFinished && !CancelRequested => this with { CancelRequested = true },
        TaskStepStarted e => WithTask(e.TaskIndex, e.Attempt, t => t.IsAssigned, t => t with
        {
            Status = JobStatus.Running,
            StartedAt = t.StartedAt ?? e.At,
            Steps = t.Steps.Add(new StepRecord(e.StepIndex, e.Name, StepStatus.Running, null, e.At, null)),
        }),
        TaskStepFinished e => WithTask(e.TaskIndex, e.Attempt, t => t.Steps.Any(s => s.Index == e.StepIndex && s.Status == StepStatus.Running),
            t => t with
            {
                Steps = t.Steps.Select(s => s.Index == e.StepIndex && s.Status == StepStatus.Running
                    ? s with { Status = e.Status, ExitCode = e.ExitCode, StoppedAt = e.At }
                    : s).ToImmutableList(),
            }),
        TaskFinished e => WithTask(e.TaskIndex, e.Attempt, t => !t.Status.IsTerminal(), t => t with
        {
            Status = e.Status,
            StoppedAt = e.At,
            Reason = e.Reason,
            // Steps still open when a task ends (agent lost, canceled) end with it.
            Steps = t.Steps.Select(s => s.Status == StepStatus.Running
                ? s with { Status = e.Status == JobStatus.Canceled ? StepStatus.Canceled : StepStatus.Failed, StoppedAt = e.At }
                : s).ToImmutableList(),
        }),
        TaskRequeued e => WithTask(e.TaskIndex, e.Attempt - 1, t => t.Status.IsTerminal(), t => t.Retried(e.Attempt)),
        JobFinished e when Exists && !IsFinished => this with { FinishedWith = e.Status, StoppedAt = e.At },
        _ => throw new InvalidOperationException($"{@event.GetType().Name} does not apply to job {Id} in its current state"),
    };

    private JobState WithTask(int index, int attempt, Func<TaskState, bool> precondition, Func<TaskState, TaskState> change)
    {
        if (!Exists || IsFinished || index < 0 || index >= Tasks.Length)
            throw new InvalidOperationException($"job {Id} has no open task {index}");
        var task = Tasks[index];
        if (task.Attempt != attempt || !precondition(task))
            throw new InvalidOperationException($"task {index} attempt {attempt} of job {Id} cannot change from {task.Status} (attempt {task.Attempt})");
        return this with { Tasks = Tasks.SetItem(index, change(task)) };
    }
}
