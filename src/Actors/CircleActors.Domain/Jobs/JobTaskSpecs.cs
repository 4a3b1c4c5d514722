using CircleActors.Domain.Pipelines.Messages;
using CircleActors.Domain.Workflows.Messages;

namespace CircleActors.Domain.Jobs;

public static class JobTaskSpecs
{
    /// <summary>The template of a planned job's tasks: task 0, first attempt.</summary>
    public static JobTaskSpec TemplateFor(WorkflowEvents.WorkflowStarted workflow, PlannedJob job)
    {
        var context = workflow.Context;
        return new JobTaskSpec(
            job.JobId, 0, 1, context.Project, context.RepositoryUrl, job.JobNumber ?? 0, job.Name,
            workflow.WorkflowId, workflow.Name, context.PipelineId, context.PipelineNumber,
            context.Revision, context.Branch, context.Tag,
            job.Definition ?? throw new InvalidOperationException($"job {job.Name} has no definition to run"),
            WorkspaceLineage.UpstreamOf(workflow.Jobs, job.Name));
    }
}
