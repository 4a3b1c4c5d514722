using CircleActors.Domain.Common;
using CircleActors.Domain.Jobs;
using CircleActors.Domain.Pipelines.Messages;
using CircleActors.Domain.Workflows;
using CircleActors.Domain.Workflows.Messages;
using static CircleActors.Domain.Tests.Samples;

namespace CircleActors.Domain.Tests.Jobs;

/// <summary>Which layers a job's attach_workspace sees, and in which order.</summary>
public sealed class WorkspaceLineageSpecs
{
    // a ─┬─ b ─┐
    //    └─ c ─┴─ d ── e      (and f on its own)
    private static readonly IReadOnlyList<PlannedJob> Jobs =
    [
        Planned("a"), Planned("d", "b", "c"), Planned("b", "a"), Planned("c", "a"), Planned("e", "d"), Planned("f"),
    ];

    private static JobId Id(string name) => DerivedIds.Job(Workflow, name);

    public static TheoryData<string, string[]> Lineages => new()
    {
        { "a", [] },
        { "b", ["a"] },
        { "d", ["a", "b", "c"] },
        { "e", ["a", "b", "c", "d"] },
        { "f", [] },
    };

    [Theory]
    [MemberData(nameof(Lineages))]
    public void A_job_sees_every_job_it_requires_transitively_each_after_what_it_requires(string job, string[] upstream) =>
        Assert.Equal(upstream.Select(Id), WorkspaceLineage.UpstreamOf(Jobs, job));

    [Fact]
    public void An_approval_job_has_no_layers_but_what_it_requires_still_counts()
    {
        IReadOnlyList<PlannedJob> jobs = [Planned("build"), Approval("hold", "build"), Planned("deploy", "hold")];
        Assert.Equal([Id("build")], WorkspaceLineage.UpstreamOf(jobs, "deploy"));
    }

    [Fact]
    public void A_job_reused_by_a_rerun_contributes_the_layers_of_the_job_that_ran()
    {
        var original = Id("build");
        IReadOnlyList<PlannedJob> jobs = [Planned("build") with { JobId = JobId.From(Guid.NewGuid()), ReusedFrom = original }, Planned("test", "build")];
        Assert.Equal([original], WorkspaceLineage.UpstreamOf(jobs, "test"));
    }

    [Fact]
    public void A_rerun_of_a_rerun_still_points_at_the_job_that_ran()
    {
        var workflow = new Aggregate<WorkflowState, IWorkflowCommand, IWorkflowEvent>(
            WorkflowState.Empty(Workflow), WorkflowDecider.Decide, (state, e) => state.Apply(e));
        workflow.Send(new WorkflowCommands.StartWorkflow(Workflow, "ci", Context, [Planned("build"), Planned("test", "build")], Actor.Admin));
        workflow.Send(new WorkflowCommands.RecordJobFinished(Workflow, "build", JobStatus.Success));
        workflow.Send(new WorkflowCommands.RecordJobFinished(Workflow, "test", JobStatus.Failed));

        var firstId = new WorkflowId(Guid.Parse("00000000-0000-0000-0000-0000000000b1"));
        var (first, _) = WorkflowRerun.Decide(workflow.State, firstId, WorkflowRerun.Mode.FromFailed);
        var rerun = new Aggregate<WorkflowState, IWorkflowCommand, IWorkflowEvent>(
            WorkflowState.Empty(firstId), WorkflowDecider.Decide, (state, e) => state.Apply(e));
        rerun.Send(new WorkflowCommands.StartWorkflow(firstId, "ci", Context, WorkflowRerun.Number(first!.Jobs, 2000), Actor.Admin));
        rerun.Send(new WorkflowCommands.RecordJobFinished(firstId, "test", JobStatus.Failed));

        var (second, _) = WorkflowRerun.Decide(rerun.State, new WorkflowId(Guid.Parse("00000000-0000-0000-0000-0000000000b2")), WorkflowRerun.Mode.FromFailed);

        Assert.Equal(Id("build"), second!.Jobs.Single(j => j.Name == "build").ReusedFrom);
        Assert.Equal([Id("build")], WorkspaceLineage.UpstreamOf(second.Jobs, "test"));
    }
}
