using CircleActors.Domain.Common;
using CircleActors.Domain.Config;
using CircleActors.Domain.Pipelines.Messages;

namespace CircleActors.Domain.Pipelines;

/// <summary>
/// Turns the workflows a pipeline runs into planned workflows: ids derived from the pipeline
/// (so a retried plan is the same plan) and job numbers from a block reserved in advance, in
/// the order jobs are listed.
/// </summary>
public static class PipelinePlanner
{
    /// <summary>How many job numbers the workflows need (approval jobs get none).</summary>
    public static int JobNumbersNeeded(IEnumerable<WorkflowDefinition> workflows) =>
        workflows.Sum(w => w.Jobs.Count(j => !j.IsApproval));

    /// <summary>Errors that stop the pipeline before any workflow starts (file:line:col is the parser's job).</summary>
    public static IReadOnlyList<PipelineError> Check(PipelineConfig config, IEnumerable<WorkflowDefinition> workflows) =>
        workflows.SelectMany(w => w.Jobs)
            .Where(j => !j.IsApproval && !config.Jobs.ContainsKey(j.JobName))
            .Select(j => new PipelineError("config", j.JobName.Contains('/')
                ? $"job {j.JobName} comes from an orb that is not in the orb registry"
                : $"job {j.JobName} is not defined"))
            .DistinctBy(e => e.Message)
            .ToList();

    public static IReadOnlyList<PlannedWorkflow> Plan(
        PipelineId pipeline, PipelineConfig config, IReadOnlyList<WorkflowDefinition> workflows, long firstJobNumber)
    {
        var next = firstJobNumber;
        return workflows.Select(workflow =>
        {
            var id = DerivedIds.Workflow(pipeline, workflow.Name);
            var jobs = workflow.Jobs.Select(job => new PlannedJob(
                job.Name,
                DerivedIds.Job(id, job.Name),
                job.IsApproval ? null : next++,
                job.IsApproval ? null : config.Jobs[job.JobName] with { Name = job.Name },
                job.Requires,
                job.IsApproval,
                job.RequiredStatuses)).ToList();
            return new PlannedWorkflow(id, workflow.Name, jobs);
        }).ToList();
    }
}
