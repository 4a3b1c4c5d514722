using Akka.Actor;
using CircleActors.Actors.Common;
using CircleActors.Actors.Projects;
using CircleActors.Actors.Projections;
using CircleActors.Domain.Common;
using CircleActors.Domain.Config;
using CircleActors.Domain.Pipelines;
using CircleActors.Domain.Pipelines.Messages;
using CircleActors.Domain.Projects;
using CircleActors.Domain.Projects.Messages;

namespace CircleActors.Actors.Pipelines;

/// <summary>
/// Starts pipelines for the API and the webhook ingress: the project numbers the pipeline, the
/// pipeline entity records it, and the caller is answered once both are durable. Both steps are
/// idempotent for one pipeline id, so a retried trigger (a redelivered webhook derives the same
/// id) returns the first answer.
/// </summary>
public sealed class PipelineTriggers(IActorRef projects, IActorRef pipelines, IActorRef workflows, RepositoryMirror mirror, ReadDocuments documents)
{
    public sealed record TriggerRequest(
        ProjectSlug Project, string? Branch, string? Tag, string? Revision, PipelineTrigger Trigger,
        IReadOnlyDictionary<string, object>? Parameters = null);

    /// <exception cref="CommandRejectedException">
    /// The project does not exist, or the request is invalid (pipeline parameters the config does
    /// not declare, or of the wrong type): then nothing is created.
    /// </exception>
    public async Task<PipelineState> TriggerAsync(PipelineId id, TriggerRequest request, CancellationToken ct = default)
    {
        var project = await Reliably.AskForAsync<ProjectState>(projects, new ProjectQueries.GetProject(request.Project), ct);
        var branch = request.Tag is null ? request.Branch ?? project.DefaultBranch : null;
        IReadOnlyDictionary<string, object>? parameters = null;
        if (request.Parameters is { Count: > 0 })
        {
            try
            {
                parameters = PipelineParameters.Normalize(request.Parameters);
            }
            catch (ArgumentException ex)
            {
                throw new CommandRejectedException(new Rejected(RejectionKind.Invalid, ex.Message));
            }
            await CheckParametersAsync(project, branch, request.Tag, request.Revision, parameters, ct);
        }
        var number = await Reliably.AskForAsync<ProjectReplies.PipelineNumberReserved>(projects,
            new ProjectCommands.ReservePipelineNumber(request.Project, id), ct);
        var pipeline = await Reliably.AskForAsync<PipelineState>(pipelines, new PipelineCommands.CreatePipeline(
            id, request.Project, number.Number, project.RepositoryUrl, branch, request.Tag, request.Revision, request.Trigger,
            parameters), ct);
        // A scheduled run is not a new push: it makes nothing redundant.
        if (project.AutoCancelRedundantWorkflows && branch is not null && branch != project.DefaultBranch
            && request.Trigger.Type != PipelineTrigger.Scheduled)
            await CancelRedundantAsync(project, branch, id, ct);
        return pipeline;
    }

    /// <summary>Cancels the workflows still running for the branch in the project's earlier pipelines.</summary>
    private async Task CancelRedundantAsync(ProjectState project, string branch, PipelineId newPipeline, CancellationToken ct)
    {
        var open = await documents.WithStatusAsync<Domain.Workflows.WorkflowState>(DocumentProjection.WorkflowKind, project.Slug.Value,
            ["running", "on_hold", "failing"], ct);
        foreach (var workflow in open.Where(w => w.Started!.Context.Branch == branch && w.Started.Context.PipelineId != newPipeline))
            await Reliably.AskAsync(workflows, new Domain.Workflows.Messages.WorkflowCommands.CancelWorkflow(workflow.Id, Actor.System), ct);
    }

    /// <summary>Reads the config at the revision the pipeline would run and checks the parameters against it.</summary>
    private async Task CheckParametersAsync(
        ProjectState project, string? branch, string? tag, string? revision, IReadOnlyDictionary<string, object> parameters, CancellationToken ct)
    {
        RepositoryMirror.Revision config;
        try
        {
            config = await mirror.ReadConfigAsync(project.RepositoryUrl, branch, tag, revision, ct);
        }
        catch (RepositoryException)
        {
            // No config to check against: the pipeline itself will say why it errored.
            return;
        }
        var problems = ConfigParser.CheckPipelineParameters(config.ConfigSource, parameters, RepositoryMirror.ConfigPath);
        if (problems.Count > 0)
            throw new CommandRejectedException(new Rejected(RejectionKind.Invalid, string.Join("; ", problems.Select(p => p.ToString()))));
    }

    /// <summary>A webhook delivery always maps to the same pipeline, so GitHub's redeliveries start nothing new.</summary>
    public static PipelineId IdForDelivery(ProjectSlug project, string deliveryId) =>
        new(DerivedIds.NameBased(DeliveryNamespace, $"{project.Value}#{deliveryId}"));

    private static readonly Guid DeliveryNamespace = new("b3c5a0d4-58e1-4c1e-9a36-2f7f1f7d4e80");
}
