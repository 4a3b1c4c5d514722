using Akka.Hosting;
using CircleActors.Actors.Common;
using CircleActors.Actors.Projects;
using CircleActors.Domain.Common;
using CircleActors.Domain.Config;
using CircleActors.Domain.Projects.Messages;
using CircleActors.Domain.Schedules.Messages;
using static CircleActors.Domain.Pipelines.Messages.PipelineEvents;

namespace CircleActors.Actors.Schedules;

/// <summary>
/// Hands a pipeline's scheduled workflows to their schedules. The project keeps only the
/// default branch's declarations and knows every workflow it ever scheduled, so a workflow whose
/// triggers left the config is told so (and stops). Safe to repeat: a pipeline that restarts
/// declares again, and a schedule ignores a declaration older than the one it has.
/// </summary>
public static class ScheduleDeclarations
{
    public static async Task DeclareAsync(IReadOnlyActorRegistry registry, PipelineCreated pipeline, IReadOnlyList<WorkflowSchedule> schedules)
    {
        var known = await Reliably.AskForAsync<ProjectReplies.ScheduledWorkflowsKnown>(registry.Get<ProjectRegion>(),
            new ProjectCommands.DeclareScheduledWorkflows(pipeline.Project, pipeline.Branch, schedules.Select(s => s.Workflow).ToList()));
        if (!known.FromDefaultBranch) return;
        var regions = registry.Get<ScheduleRegion>();
        await Task.WhenAll(known.Workflows.Select(workflow =>
        {
            var triggers = schedules.FirstOrDefault(s => s.Workflow == workflow)?.Triggers ?? [];
            return Reliably.AskForAsync<Accepted>(regions, new ScheduleCommands.ConfigureSchedule(
                DerivedIds.Schedule(pipeline.Project, workflow), pipeline.Project, workflow, triggers, pipeline.Number));
        }));
    }
}
