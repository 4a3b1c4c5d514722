using CircleActors.Domain.Common;
using CircleActors.Domain.Jobs;
using CircleActors.Server.Api;

namespace CircleActors.Server.Live;

// What /hubs/events sends. Views are recomputed from the read store, so a client that keeps the
// latest one it got for a topic always shows what the API would answer.

/// <summary>What a client watches: a project (by slug), or a pipeline, workflow or job (by id).</summary>
public sealed record Topic(string Kind, string Id)
{
    public const string Project = "project";
    public const string Pipeline = "pipeline";
    public const string Workflow = "workflow";
    public const string Job = "job";

    /// <summary>Ids are normalised (a slug parsed, a GUID in its canonical form) so two spellings are one topic.</summary>
    public static bool TryParse(string? kind, string? id, out Topic topic)
    {
        topic = new Topic("", "");
        if (kind == Project)
        {
            if (!ProjectSlug.TryParse(id, out var slug)) return false;
            topic = new Topic(kind, slug.Value);
            return true;
        }
        if (kind is not (Pipeline or Workflow or Job) || !Guid.TryParse(id, out var guid)) return false;
        topic = new Topic(kind, guid.ToString());
        return true;
    }
}

/// <summary>Sent as <c>snapshot</c> (once, on subscribe) and then <c>changed</c> (whenever the view differs). <c>View</c> is null for something not (yet) known.</summary>
public sealed record ViewMessage(string Kind, string Id, object? View);

/// <summary>
/// Sent as <c>log</c>: complete lines of one step's output numbered from 1, then the step's
/// unfinished last line (<c>Partial</c>, replaced by the next message). <c>Skipped</c> lines were
/// dropped just before <c>FirstLine</c> (a slow client, or a long log's start in a snapshot);
/// <c>EndOffset</c> is the byte length of the log this message brings the client to.
/// </summary>
public sealed record LogLinesMessage(
    string JobId, int Task, int Attempt, int Step, long FirstLine, IReadOnlyList<string> Lines, string? Partial, long EndOffset, long Skipped);

public sealed record PipelineLiveView(PipelineView Pipeline, IReadOnlyList<WorkflowView> Workflows);

public sealed record ProjectLiveView(string Slug, ProjectStats Stats, IReadOnlyList<PipelineLiveView> Pipelines);

/// <summary>
/// The dashboard's figures for a project, over its latest <see cref="Sample"/> jobs: medians of
/// build time (started to stopped) and queue time (queued to started), the last build's time, the
/// share of finished jobs that succeeded, and the highest parallelism among them.
/// </summary>
public sealed record ProjectStats(double? MedianBuildSeconds, double? MedianQueueSeconds, double? LastBuildSeconds, double? SuccessRate, int Parallelism, int JobsCounted)
{
    public const int Sample = 100;

    public static ProjectStats Of(IReadOnlyList<JobState> recentFirst)
    {
        var finished = recentFirst.Where(j => j is { Exists: true, StartedAt: not null, StoppedAt: not null }).ToList();
        var builds = finished.Select(j => (j.StoppedAt!.Value - j.StartedAt!.Value).TotalSeconds).ToList();
        var queues = recentFirst.Where(j => j is { QueuedAt: not null, StartedAt: not null }).Select(j => (j.StartedAt!.Value - j.QueuedAt!.Value).TotalSeconds).ToList();
        return new ProjectStats(Median(builds), Median(queues), builds.Count > 0 ? builds[0] : null,
            finished.Count > 0 ? (double)finished.Count(j => j.Status == JobStatus.Success) / finished.Count : null,
            recentFirst.Where(j => j.Exists).Select(j => j.Template!.TaskCount).DefaultIfEmpty(0).Max(), finished.Count);
    }

    private static double? Median(IReadOnlyList<double> values)
    {
        if (values.Count == 0) return null;
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}

public sealed record WorkflowLiveView(WorkflowView Workflow, IReadOnlyList<WorkflowJobView> Jobs);

/// <summary>A job as its page shows it: the job document without the project's settings.</summary>
public sealed record JobLiveView(
    string Id, long Number, string Name, string Status, string ProjectSlug, string WorkflowId, string WorkflowName, string PipelineId,
    DateTimeOffset? QueuedAt, DateTimeOffset? StartedAt, DateTimeOffset? StoppedAt, int Parallelism, IReadOnlyList<TaskView> Tasks)
{
    public static JobLiveView From(JobState j)
    {
        var spec = j.Template!;
        return new JobLiveView(j.Id.ToString(), spec.JobNumber, spec.JobName, j.Status.ToWire(), spec.Project.Value, spec.WorkflowId.ToString(),
            spec.WorkflowName, spec.PipelineId.ToString(), j.QueuedAt, j.StartedAt, j.StoppedAt, spec.TaskCount, TaskView.Of(j));
    }
}
