using CircleActors.Actors.Common;
using CircleActors.Actors.Projections;
using CircleActors.Domain.Common;
using CircleActors.Domain.Pipelines;
using CircleActors.Domain.Pipelines.Messages;
using CircleActors.Domain.Workflows;
using CircleActors.Domain.Workflows.Messages;
using CircleActors.Server.Hosting;

namespace CircleActors.Server.Api;

/// <summary>
/// <c>POST /api/v2/admin/pipeline/delete</c>, behind <c>ops build delete</c>: tombstones a pipeline
/// (a "build"). Its running workflows are canceled first rather than the request refused: the
/// operator wants the build gone, and each cancel is audited on its own, so nothing is hidden.
/// </summary>
public static class BuildDeletionApi
{
    public sealed record DeleteRequest(string? Pipeline);

    public sealed record DeletionView(
        string Id, string Project, long Number, DateTimeOffset DeletedAt, string DeletedBy, IReadOnlyList<string> CanceledWorkflows, string Message);

    private static readonly string[] LinkSegments = ["pipelines", "pipeline"];

    public static void MapBuildDeletion(this RouteGroupBuilder api) => api.MapPost("/admin/pipeline/delete", DeletePipeline);

    private static Task<IResult> DeletePipeline(DeleteRequest? body, Entities entities, ReadDocuments documents) => ApiErrors.Guard(async () =>
    {
        if (!Reference.TryParse(body?.Pipeline, LinkSegments, out var reference))
            return ApiErrors.BadRequest("pipeline must be a pipeline id, its link (…/pipelines/{id}) or gh/org/repo/NUMBER");
        PipelineId id;
        if (reference.Id is { } guid) id = new PipelineId(guid);
        else if (await documents.ByNumberAsync<PipelineState>(DocumentProjection.PipelineKind, reference.Project!.Value.Value, reference.Number, includeDeleted: true) is { } found)
            id = found.Id;
        else return ApiErrors.NotFound($"pipeline {reference.Number} not found in {reference.Project}");

        var pipeline = await Reliably.AskForAsync<PipelineState>(entities.Pipelines, new PipelineQueries.GetPipeline(id));
        var canceled = new List<string>();
        if (!pipeline.IsDeleted)
        {
            // The planned workflows, and reruns, which only the read side knows of.
            var workflows = pipeline.Workflows.Select(w => w.WorkflowId)
                .Concat((await documents.ChildrenAsync<WorkflowState>(DocumentProjection.WorkflowKind, id.ToString())).Select(w => w.Id)).Distinct();
            foreach (var workflow in workflows)
                if (await CancelIfRunningAsync(entities, workflow)) canceled.Add(workflow.ToString());
            await Reliably.AskForAsync<Accepted>(entities.Pipelines, new PipelineCommands.DeletePipeline(id, Actor.Admin));
            pipeline = await Reliably.AskForAsync<PipelineState>(entities.Pipelines, new PipelineQueries.GetPipeline(id));
        }
        var deleted = pipeline.Deleted!;
        return Results.Json(new DeletionView(id.ToString(), deleted.Project.Value, deleted.Number, deleted.At, deleted.Actor.Name ?? deleted.Actor.Id, canceled,
            $"pipeline {deleted.Number} of {deleted.Project} deleted"));
    });

    /// <summary>Cancels the workflow as the admin; false when it had already ended or never started.</summary>
    private static async Task<bool> CancelIfRunningAsync(Entities entities, WorkflowId workflow)
    {
        try
        {
            await Reliably.AskForAsync<Accepted>(entities.Workflows, new WorkflowCommands.CancelWorkflow(workflow, Actor.Admin));
            return true;
        }
        catch (CommandRejectedException rejected) when (rejected.Rejected.Kind is RejectionKind.Conflict or RejectionKind.NotFound)
        {
            return false;
        }
    }
}
