using System.Text.Json.Serialization;
using System.Collections.Immutable;
using CircleActors.Domain.Common;
using CircleActors.Domain.Jobs;
using CircleActors.Domain.Pipelines.Messages;
using CircleActors.Domain.Workflows.Messages;
using static CircleActors.Domain.Workflows.Messages.WorkflowEvents;

namespace CircleActors.Domain.Workflows;

/// <summary>
/// A workflow's job graph and where each job stands. Jobs not yet scheduled are
/// <see cref="JobStatus.Blocked"/>; once scheduled their status is what their job entity reported.
/// An approval job is blocked until its requirements succeed, then on hold until approved.
/// </summary>
public sealed record WorkflowState(
    WorkflowId Id,
    WorkflowStarted? Started,
    ImmutableDictionary<string, JobStatus> JobStatuses,
    ImmutableHashSet<string> Scheduled,
    WorkflowStatus? FinishedWith,
    bool CancelRequested = false)
{
    public static WorkflowState Empty(WorkflowId id) =>
        new(id, null, ImmutableDictionary<string, JobStatus>.Empty, ImmutableHashSet<string>.Empty, null);

    [JsonIgnore]
    public bool Exists => Started is not null;
    [JsonIgnore]
    public bool IsFinished => FinishedWith is not null;
    [JsonIgnore]
    public IReadOnlyList<PlannedJob> Jobs => Started?.Jobs ?? [];

    /// <summary>Jobs told to run that have not reported an end: the entity must see them through.</summary>
    [JsonIgnore]
    public IEnumerable<PlannedJob> RunningJobs => Jobs.Where(j => Scheduled.Contains(j.Name) && !JobStatuses[j.Name].IsTerminal());

    /// <summary>
    /// How many <see cref="RunningJobs"/> there are, kept as jobs are scheduled and end: whether
    /// any still runs is asked after every job's end, and counting them each time made a large
    /// workflow's run quadratic. Counted afresh whenever a state is built from its parts (a snapshot).
    /// </summary>
    [JsonIgnore]
    public int RunningCount { get; private init; } = Scheduled.Count(name => !JobStatuses[name].IsTerminal());

    /// <summary>Whether the job is one of this workflow's approval jobs, open and in the given status.</summary>
    private bool IsOpenApproval(string jobName, JobStatus status) =>
        Exists && !IsFinished && Jobs.Any(j => j.Name == jobName && j.IsApproval) && JobStatuses[jobName] == status;

    public WorkflowState Apply(IWorkflowEvent @event) => @event switch
    {
        WorkflowStarted e when !Exists => this with
        {
            Started = e,
            JobStatuses = e.Jobs.ToImmutableDictionary(j => j.Name, j => j.ReusedFrom is null ? JobStatus.Blocked : JobStatus.Success),
        },
        WorkflowJobHeld e when IsOpenApproval(e.JobName, JobStatus.Blocked) => this with
        {
            JobStatuses = JobStatuses.SetItem(e.JobName, JobStatus.OnHold),
        },
        WorkflowJobApproved e when IsOpenApproval(e.JobName, JobStatus.OnHold) => this with
        {
            JobStatuses = JobStatuses.SetItem(e.JobName, JobStatus.Success),
        },
        WorkflowCanceled when Exists && !IsFinished && !CancelRequested => this with
        {
            CancelRequested = true,
            // What never started never will; what runs ends when its job reports.
            JobStatuses = JobStatuses.SetItems(JobStatuses
                .Where(j => !Scheduled.Contains(j.Key) && !j.Value.IsTerminal())
                .Select(j => KeyValuePair.Create(j.Key, JobStatus.Canceled))),
        },
        WorkflowJobScheduled e when Exists && !IsFinished && JobStatuses.ContainsKey(e.JobName) && !Scheduled.Contains(e.JobName) => this with
        {
            Scheduled = Scheduled.Add(e.JobName), JobStatuses = JobStatuses.SetItem(e.JobName, JobStatus.NotRunning),
            RunningCount = RunningCount + 1,
        },
        WorkflowJobFinished e when Scheduled.Contains(e.JobName) && !JobStatuses[e.JobName].IsTerminal() => this with
        {
            JobStatuses = JobStatuses.SetItem(e.JobName, e.Status),
            RunningCount = RunningCount - (e.Status.IsTerminal() ? 1 : 0),
        },
        WorkflowFinished e when Exists && !IsFinished => this with { FinishedWith = e.Status },
        _ => throw new InvalidOperationException($"{@event.GetType().Name} does not apply to workflow {Id} in its current state"),
    };
}
