using CircleActors.Actors.Common;
using CircleActors.Actors.Projections;
using CircleActors.Domain.Common;
using CircleActors.Domain.Config;
using CircleActors.Domain.Jobs;
using CircleActors.Domain.Pipelines;
using CircleActors.Domain.Pipelines.Messages;
using CircleActors.Domain.Workflows;
using CircleActors.Domain.Workflows.Messages;
using CircleActors.Server.Hosting;

namespace CircleActors.Server.Api;

/// <summary><c>/api/v2/pipeline/...</c> and <c>/api/v2/workflow/...</c>.</summary>
public static class PipelinesApi
{
    public static void MapPipelines(this RouteGroupBuilder api)
    {
        api.MapGet("/pipeline/{id:guid}", GetPipeline);
        api.MapGet("/pipeline/{id:guid}/workflow", GetPipelineWorkflows);
        api.MapGet("/pipeline/{id:guid}/config", GetPipelineConfig);
        api.MapGet("/workflow/{id:guid}", GetWorkflow);
        api.MapGet("/workflow/{id:guid}/job", GetWorkflowJobs);
        api.MapPost("/workflow/{id:guid}/approve/{approvalRequestId:guid}", Approve);
        api.MapPost("/workflow/{id:guid}/cancel", Cancel);
        api.MapPost("/workflow/{id:guid}/rerun", Rerun);
    }

    /// <summary>Read from the entity itself, so a pipeline is visible the moment its trigger is answered.</summary>
    private static Task<IResult> GetPipeline(Guid id, Entities entities, CancellationToken ct) => ApiErrors.Guard(async () =>
        Results.Json(PipelineView.From(await VisiblePipelineAsync(entities, id, ct))));

    /// <summary>The pipeline from its entity; not found (404) when it does not exist or was deleted.</summary>
    private static async Task<PipelineState> VisiblePipelineAsync(Entities entities, Guid id, CancellationToken ct)
    {
        var pipeline = await Reliably.AskForAsync<PipelineState>(entities.Pipelines, new PipelineQueries.GetPipeline(new PipelineId(id)), ct);
        return pipeline.Deleted is { } deleted
            ? throw new CommandRejectedException(new Rejected(RejectionKind.NotFound, $"pipeline {id} was deleted ({deleted.At:u})"))
            : pipeline;
    }

    /// <summary>
    /// The config as read at the pipeline's revision and as processed for it (2.1 features
    /// expanded). CircleCI's field names have hyphens; setup workflows do not exist here, so those are empty.
    /// </summary>
    private static Task<IResult> GetPipelineConfig(Guid id, Entities entities, IOrbRegistry orbs, CancellationToken ct) => ApiErrors.Guard(async () =>
    {
        var pipeline = await VisiblePipelineAsync(entities, id, ct);
        if (pipeline.ConfigSource is not { } source || pipeline.Revision is not { } revision)
            return ApiErrors.NotFound(pipeline.Stage == PipelineStage.Pending
                ? $"pipeline {id} has not read its config yet"
                : $"pipeline {id} has no valid config");
        var compiled = Actors.Pipelines.PipelineEntity.CompileConfig(pipeline.Created!, revision, source, orbs);
        return Results.Json(new Dictionary<string, string>
        {
            ["source"] = source,
            ["compiled"] = compiled.ProcessedYaml ?? "",
            ["setup-config"] = "",
            ["compiled-setup-config"] = "",
        });
    });

    private static Task<IResult> GetPipelineWorkflows(Guid id, Entities entities, ReadDocuments documents, CancellationToken ct) => ApiErrors.Guard(async () =>
    {
        var pipeline = await VisiblePipelineAsync(entities, id, ct);
        var workflows = await documents.ChildrenAsync<WorkflowState>(DocumentProjection.WorkflowKind, pipeline.Id.ToString(), ct);
        var views = new List<WorkflowView>();
        foreach (var workflow in workflows) views.Add(await ViewOf(workflow, documents));
        return Results.Json(new Page<WorkflowView>(views));
    });

    /// <summary>Not found (404) for a workflow of a deleted pipeline; null for any other.</summary>
    private static async Task<IResult?> DeletedWorkflowAsync(ReadDocuments documents, Guid id, CancellationToken ct) =>
        await documents.IsDeletedAsync(DocumentProjection.WorkflowKind, id.ToString(), ct) ? ApiErrors.NotFound($"workflow {id} belongs to a deleted pipeline") : null;

    /// <summary>From the read side; a workflow it has not seen yet (just started) is asked for itself.</summary>
    private static Task<IResult> GetWorkflow(Guid id, ReadDocuments documents, Entities entities, CancellationToken ct) => ApiErrors.Guard(async () =>
    {
        if (await DeletedWorkflowAsync(documents, id, ct) is { } deleted) return deleted;
        var workflow = await documents.GetAsync<WorkflowState>(DocumentProjection.WorkflowKind, id.ToString(), ct)
            ?? await Reliably.AskForAsync<WorkflowState>(entities.Workflows, new WorkflowQueries.GetWorkflow(new WorkflowId(id)), ct);
        return Results.Json(await ViewOf(workflow, documents));
    });

    private static async Task<IResult> GetWorkflowJobs(Guid id, ReadDocuments documents, CancellationToken ct)
    {
        var workflow = await documents.GetAsync<WorkflowState>(DocumentProjection.WorkflowKind, id.ToString(), ct);
        if (workflow is null) return ApiErrors.NotFound($"workflow {id} not found");
        return Results.Json(new Page<WorkflowJobView>(await JobsOf(workflow, documents)));
    }

    /// <summary>The workflow's jobs as <c>/workflow/{id}/job</c> lists them (also the live workflow view's).</summary>
    internal static async Task<IReadOnlyList<WorkflowJobView>> JobsOf(WorkflowState workflow, ReadDocuments documents)
    {
        var jobs = (await documents.ChildrenAsync<JobState>(DocumentProjection.JobKind, workflow.Id.ToString())).ToDictionary(j => j.Id);
        var idsByName = workflow.Jobs.ToDictionary(j => j.Name, j => j.JobId);
        return workflow.Jobs.Select(planned =>
        {
            jobs.TryGetValue(planned.JobId, out var job);
            // Until its job entity has reported, a scheduled job is as the workflow last saw it.
            var status = job?.Status ?? workflow.JobStatuses[planned.Name];
            return new WorkflowJobView(planned.JobId.ToString(), planned.Name, planned.IsApproval ? "approval" : "build", status.ToWire(),
                workflow.Scheduled.Contains(planned.Name) ? planned.JobNumber : null,
                planned.Requires.Where(idsByName.ContainsKey).Select(r => idsByName[r].ToString()).ToList(),
                job?.StartedAt, job?.StoppedAt, workflow.Started!.Context.Project.Value);
        }).ToList();
    }

    /// <summary>CircleCI answers workflow controls with 202 and <c>{"message": "Accepted."}</c>.</summary>
    public static IResult AcceptedMessage() => Results.Json(new { message = "Accepted." }, statusCode: StatusCodes.Status202Accepted);

    private static Task<IResult> Approve(Guid id, Guid approvalRequestId, Entities entities, CancellationToken ct) => ApiErrors.Guard(async () =>
    {
        await Reliably.AskForAsync<Accepted>(entities.Workflows,
            new WorkflowCommands.ApproveJob(new WorkflowId(id), new JobId(approvalRequestId), Actor.Admin), ct);
        return AcceptedMessage();
    });

    private static Task<IResult> Cancel(Guid id, Entities entities, CancellationToken ct) => ApiErrors.Guard(async () =>
    {
        await Reliably.AskForAsync<Accepted>(entities.Workflows, new WorkflowCommands.CancelWorkflow(new WorkflowId(id), Actor.Admin), ct);
        return AcceptedMessage();
    });

    public sealed record RerunRequest(bool? FromFailed, List<Guid>? Jobs);

    /// <summary>A new workflow in the same pipeline; jobs that need not run again are reused (see <see cref="WorkflowRerun"/>).</summary>
    private static Task<IResult> Rerun(Guid id, RerunRequest? request, Entities entities, ReadDocuments documents, CancellationToken ct) => ApiErrors.Guard(async () =>
    {
        if (await DeletedWorkflowAsync(documents, id, ct) is { } deleted) return deleted;
        if (request is { FromFailed: true, Jobs.Count: > 0 }) return ApiErrors.BadRequest("give from_failed or jobs, not both");
        var source = await Reliably.AskForAsync<WorkflowState>(entities.Workflows, new WorkflowQueries.GetWorkflow(new WorkflowId(id)), ct);
        var mode = request?.Jobs is { Count: > 0 } ? WorkflowRerun.Mode.Jobs
            : request?.FromFailed == true ? WorkflowRerun.Mode.FromFailed : WorkflowRerun.Mode.All;
        var rerunId = new WorkflowId(Guid.NewGuid());
        var (plan, refusal) = WorkflowRerun.Decide(source, rerunId, mode, request?.Jobs?.Select(j => new JobId(j)).ToList());
        if (refusal is not null) return ApiErrors.From(refusal);
        var context = source.Started!.Context;
        // The rerun's own job numbers; its workflow id is the reservation's key, so a retry gets the same block.
        var block = await Reliably.AskForAsync<Domain.Projects.Messages.ProjectReplies.JobNumbersReserved>(entities.Projects,
            new Domain.Projects.Messages.ProjectCommands.ReserveJobNumbers(context.Project, new PipelineId(rerunId.Value), plan!.JobNumbersNeeded), ct);
        await Reliably.AskForAsync<Accepted>(entities.Workflows, new WorkflowCommands.StartWorkflow(
            rerunId, plan.Name, context, WorkflowRerun.Number(plan.Jobs, block.First), Actor.Admin, RerunOf: source.Id), ct);
        return Results.Json(new { workflow_id = rerunId.ToString() }, statusCode: StatusCodes.Status202Accepted);
    });

    internal static async Task<WorkflowView> ViewOf(WorkflowState workflow, ReadDocuments documents)
    {
        DateTimeOffset? stoppedAt = null;
        if (workflow.IsFinished)
            stoppedAt = (await documents.ChildrenAsync<JobState>(DocumentProjection.JobKind, workflow.Id.ToString()))
                .Select(j => j.StoppedAt).Max() ?? workflow.Started!.At;
        return WorkflowView.From(workflow, stoppedAt);
    }
}
