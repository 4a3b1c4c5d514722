using CircleActors.Domain.Common;
using CircleActors.Domain.Jobs;
using CircleActors.Domain.Pipelines;
using CircleActors.Domain.Pipelines.Messages;
using CircleActors.Domain.Projects;
using CircleActors.Domain.Workflows;

namespace CircleActors.Server.Api;

// The JSON shapes of CircleCI's API v2, written snake_case by the host's JSON options.

public sealed record Page<T>(IReadOnlyList<T> Items, string? NextPageToken = null);

public sealed record VcsInfo(string VcsUrl, string Provider, string DefaultBranch);

public sealed record ProjectView(string Slug, string Name, string Id, string OrganizationName, string OrganizationSlug, VcsInfo VcsInfo)
{
    public static ProjectView From(ProjectState p) => new(p.Slug.Value, p.Slug.Repository, p.Slug.Value, p.Slug.Organization,
        $"{p.Slug.Vcs}/{p.Slug.Organization}", new VcsInfo(p.RepositoryUrl, ProviderName(p.Slug), p.DefaultBranch));

    public static string ProviderName(ProjectSlug slug) => slug.Vcs switch { "gh" => "GitHub", "bb" => "Bitbucket", "gl" => "GitLab", _ => slug.Vcs };
}

public sealed record ErrorView(string Type, string Message);

public sealed record ActorView(string Login, string? AvatarUrl = null);

/// <param name="Schedule">Only for <c>scheduled_pipeline</c>: the workflow, the cron time that fired, and a note when it fired late.</param>
public sealed record TriggerView(string Type, DateTimeOffset ReceivedAt, ActorView Actor, ScheduledTime? Schedule);

public sealed record PipelineVcsView(string OriginRepositoryUrl, string TargetRepositoryUrl, string? Revision, string ProviderName, string? Branch, string? Tag);

public sealed record PipelineView(
    string Id, IReadOnlyList<ErrorView> Errors, string ProjectSlug, DateTimeOffset UpdatedAt, long Number, string State,
    DateTimeOffset CreatedAt, TriggerView Trigger, PipelineVcsView Vcs)
{
    public static PipelineView From(PipelineState p)
    {
        var c = p.Created!;
        var state = p.Stage switch
        {
            PipelineStage.Pending => "pending",
            PipelineStage.Errored => "errored",
            _ => "created",
        };
        return new PipelineView(p.Id.ToString(), p.Errors.Select(e => new ErrorView(e.Type, e.Message)).ToList(), c.Project.Value, c.At,
            c.Number, state, c.At, new TriggerView(c.Trigger.Type, c.Trigger.ReceivedAt, new ActorView(c.Trigger.Actor.Name ?? c.Trigger.Actor.Id), c.Trigger.Schedule),
            new PipelineVcsView(c.RepositoryUrl, c.RepositoryUrl, p.Revision, ProjectView.ProviderName(c.Project), c.Branch, c.Tag));
    }
}

/// <summary>The answer to a trigger: <c>{id, number, state, created_at}</c>.</summary>
public sealed record PipelineCreation(string Id, long Number, string State, DateTimeOffset CreatedAt);

public sealed record WorkflowView(
    string Id, string Name, string Status, DateTimeOffset CreatedAt, DateTimeOffset? StoppedAt, string PipelineId, long PipelineNumber, string ProjectSlug)
{
    public static WorkflowView From(WorkflowState w, DateTimeOffset? stoppedAt)
    {
        var s = w.Started!;
        return new WorkflowView(w.Id.ToString(), s.Name, WorkflowDecider.CurrentStatus(w).ToWire(), s.At, stoppedAt,
            s.Context.PipelineId.ToString(), s.Context.PipelineNumber, s.Context.Project.Value);
    }
}

public sealed record WorkflowJobView(
    string Id, string Name, string Type, string Status, long? JobNumber, IReadOnlyList<string> Dependencies,
    DateTimeOffset? StartedAt, DateTimeOffset? StoppedAt, string ProjectSlug);

public sealed record ParallelRunView(int Index, string Status);

public sealed record ExecutorView(string Type, string ResourceClass);

public sealed record NamedRef(string Id, string Name);

public sealed record StepView(int Index, string Name, string Status, int? ExitCode, DateTimeOffset StartedAt, DateTimeOffset? StoppedAt);

/// <summary>An attempt of a task that the infrastructure failed, so that it ran again.</summary>
public sealed record EarlierAttemptView(int Attempt, string Status, string? Node, string? Reason, DateTimeOffset? StartedAt, DateTimeOffset? StoppedAt);

public sealed record TaskView(int Index, int Attempt, string Status, string? Node, string? Reason, IReadOnlyList<StepView> Steps, IReadOnlyList<EarlierAttemptView> EarlierAttempts)
{
    public static IReadOnlyList<TaskView> Of(JobState j) => j.Tasks.Select(t => new TaskView(t.Index, t.Attempt, t.Status.ToWire(), t.Node?.Value, t.Reason,
        t.Steps.Select(s => new StepView(s.Index, s.Name, s.Status.ToWire(), s.ExitCode, s.StartedAt, s.StoppedAt)).ToList(),
        (t.EarlierAttempts ?? []).Select(a => new EarlierAttemptView(a.Attempt, a.Status.ToWire(), a.Node?.Value, a.Reason, a.StartedAt, a.StoppedAt)).ToList())).ToList();
}

/// <summary>CircleCI's v2 job details, plus the steps of each parallel run.</summary>
public sealed record JobView(
    long Number, string Name, string Status, ProjectView Project, IReadOnlyList<ParallelRunView> ParallelRuns,
    DateTimeOffset? StartedAt, DateTimeOffset? StoppedAt, DateTimeOffset? QueuedAt, DateTimeOffset CreatedAt, long? Duration,
    NamedRef LatestWorkflow, ExecutorView Executor, int Parallelism, object Pipeline, IReadOnlyList<object> Messages,
    IReadOnlyList<object> Contexts, object Organization, string? PendingReason, IReadOnlyList<TaskView> Tasks)
{
    public static JobView From(JobState j, ProjectState project, string? pendingReason)
    {
        var spec = j.Template!;
        var executor = spec.Job.Executor switch
        {
            Domain.Config.DockerExecutor => "docker",
            Domain.Config.MachineExecutor => "machine",
            Domain.Config.MacosExecutor => "macos",
            _ => "unknown",
        };
        long? duration = j is { StartedAt: { } start, StoppedAt: { } stop } ? (long)(stop - start).TotalMilliseconds : null;
        return new JobView(spec.JobNumber, spec.JobName, j.Status.ToWire(), ProjectView.From(project),
            j.Tasks.Select(t => new ParallelRunView(t.Index, t.Status.ToWire())).ToList(),
            j.StartedAt, j.StoppedAt, j.QueuedAt, j.QueuedAt ?? DateTimeOffset.UnixEpoch, duration,
            new NamedRef(spec.WorkflowId.ToString(), spec.WorkflowName), new ExecutorView(executor, spec.Job.ResourceClass),
            spec.TaskCount, new { id = spec.PipelineId.ToString() }, [], [], new { name = spec.Project.Organization },
            j.Status == JobStatus.NotRunning ? pendingReason : null, TaskView.Of(j));
    }
}
