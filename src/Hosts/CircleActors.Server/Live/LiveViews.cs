using CircleActors.Actors.Projections;
using CircleActors.Domain.Jobs;
using CircleActors.Domain.Jobs.Messages;
using CircleActors.Domain.Pipelines;
using CircleActors.Domain.Pipelines.Messages;
using CircleActors.Domain.Workflows;
using CircleActors.Domain.Workflows.Messages;
using CircleActors.Server.Api;

namespace CircleActors.Server.Live;

/// <summary>Reads each topic's view from the read store, and which topics a projected event touches.</summary>
public sealed class LiveViews(ReadDocuments documents)
{
    /// <summary>How many of a project's latest pipelines its live view holds.</summary>
    public const int RecentPipelines = 25;

    public async Task<object?> ReadAsync(Topic topic, CancellationToken ct = default) => topic.Kind switch
    {
        Topic.Project => await ProjectAsync(topic.Id, ct),
        Topic.Pipeline => await documents.GetAsync<PipelineState>(DocumentProjection.PipelineKind, topic.Id, ct) is { } pipeline
            ? await PipelineAsync(pipeline, ct) : null,
        Topic.Workflow => await documents.GetAsync<WorkflowState>(DocumentProjection.WorkflowKind, topic.Id, ct) is { } workflow
            ? new WorkflowLiveView(await PipelinesApi.ViewOf(workflow, documents), await PipelinesApi.JobsOf(workflow, documents)) : null,
        Topic.Job => await documents.GetAsync<JobState>(DocumentProjection.JobKind, topic.Id, ct) is { Exists: true } job ? JobLiveView.From(job) : null,
        _ => null,
    };

    private async Task<ProjectLiveView> ProjectAsync(string slug, CancellationToken ct)
    {
        var pipelines = await documents.RecentAsync<PipelineState>(DocumentProjection.PipelineKind, slug, RecentPipelines, ct);
        var views = new List<PipelineLiveView>();
        foreach (var pipeline in pipelines) views.Add(await PipelineAsync(pipeline, ct));
        var jobs = await documents.RecentAsync<JobState>(DocumentProjection.JobKind, slug, ProjectStats.Sample, ct);
        return new ProjectLiveView(slug, ProjectStats.Of(jobs), views);
    }

    private async Task<PipelineLiveView> PipelineAsync(PipelineState pipeline, CancellationToken ct)
    {
        var workflows = new List<WorkflowView>();
        foreach (var workflow in await documents.ChildrenAsync<WorkflowState>(DocumentProjection.WorkflowKind, pipeline.Id.ToString(), ct))
            workflows.Add(await PipelinesApi.ViewOf(workflow, documents));
        return new PipelineLiveView(PipelineView.From(pipeline), workflows);
    }

    /// <summary>The read document an event changed, if it is one the live views show.</summary>
    public static Topic? DocumentOf(object @event) => @event switch
    {
        IPipelineEvent e => new Topic(Topic.Pipeline, e.PipelineId.ToString()),
        IWorkflowEvent e => new Topic(Topic.Workflow, e.WorkflowId.ToString()),
        IJobEvent e => new Topic(Topic.Job, e.JobId.ToString()),
        _ => null,
    };

    /// <summary>
    /// The topics whose view includes the document: itself and what lists it. A job is in its
    /// workflow's view; a workflow in its pipeline's and its project's; a pipeline in its project's.
    /// </summary>
    public async Task<IReadOnlyList<Topic>> TopicsShowingAsync(Topic document, CancellationToken ct = default)
    {
        var topics = new List<Topic> { document };
        if (await documents.LocateAsync(document.Kind, document.Id, ct) is not { } located) return topics;
        switch (document.Kind)
        {
            case Topic.Job when located.ParentId is { } workflow:
                topics.Add(new Topic(Topic.Workflow, workflow));
                break;
            case Topic.Workflow when located.ParentId is { } pipeline:
                topics.Add(new Topic(Topic.Pipeline, pipeline));
                if (located.Project is { } owner) topics.Add(new Topic(Topic.Project, owner));
                break;
            case Topic.Pipeline when located.Project is { } project:
                topics.Add(new Topic(Topic.Project, project));
                break;
        }
        return topics;
    }
}
