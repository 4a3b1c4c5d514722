using CircleActors.Domain.Common;
using CircleActors.Domain.Jobs;
using CircleActors.Domain.Pipelines.Messages;
using CircleActors.Domain.Workflows;
using CircleActors.Domain.Workflows.Messages;
using static CircleActors.Domain.Tests.Samples;
using static CircleActors.Domain.Workflows.Messages.WorkflowCommands;
using static CircleActors.Domain.Workflows.Messages.WorkflowEvents;

namespace CircleActors.Domain.Tests.Workflows;

/// <summary>What a rerun runs again and what it reuses.</summary>
public sealed class WorkflowRerunSpecs
{
    private static readonly WorkflowId Rerun = new(Guid.Parse("00000000-0000-0000-0000-0000000000aa"));

    /// <summary>build → test → deploy, and lint on its own; test fails, so deploy never runs.</summary>
    private static WorkflowState Ended()
    {
        var workflow = new Aggregate<WorkflowState, IWorkflowCommand, IWorkflowEvent>(
            WorkflowState.Empty(Workflow), WorkflowDecider.Decide, (state, e) => state.Apply(e));
        workflow.Send(new StartWorkflow(Workflow, "ci", Context,
            [Planned("build"), Planned("test", "build"), Planned("deploy", "test"), Planned("lint")], Actor.Admin));
        workflow.Send(new RecordJobFinished(Workflow, "build", JobStatus.Success));
        workflow.Send(new RecordJobFinished(Workflow, "lint", JobStatus.Success));
        workflow.Send(new RecordJobFinished(Workflow, "test", JobStatus.Failed));
        Assert.Equal(WorkflowStatus.Failed, workflow.State.FinishedWith);
        return workflow.State;
    }

    private static IEnumerable<string> Reused(WorkflowRerun.Plan plan) => plan.Jobs.Where(j => j.ReusedFrom is not null).Select(j => j.Name).Order();

    public static TheoryData<WorkflowRerun.Mode, string[], string[]> Modes => new()
    {
        { WorkflowRerun.Mode.All, [], ["build", "deploy", "lint", "test"] },
        { WorkflowRerun.Mode.FromFailed, ["build", "lint"], ["deploy", "test"] },
    };

    [Theory]
    [MemberData(nameof(Modes))]
    public void A_rerun_runs_again_what_it_must_and_reuses_the_rest(WorkflowRerun.Mode mode, string[] reused, string[] runAgain)
    {
        var (plan, refusal) = WorkflowRerun.Decide(Ended(), Rerun, mode);

        Assert.Null(refusal);
        Assert.Equal(reused, Reused(plan!));
        Assert.Equal(runAgain, plan!.Jobs.Where(j => j.ReusedFrom is null).Select(j => j.Name).Order());
        Assert.Equal(runAgain.Length, plan.JobNumbersNeeded);
        Assert.All(plan.Jobs, j => Assert.Equal(DerivedIds.Job(Rerun, j.Name), j.JobId));
    }

    [Fact]
    public void Rerunning_chosen_jobs_runs_them_and_what_follows_them()
    {
        var source = Ended();
        var build = source.Jobs.Single(j => j.Name == "build").JobId;

        var (plan, _) = WorkflowRerun.Decide(source, Rerun, WorkflowRerun.Mode.Jobs, [build]);

        Assert.Equal(["lint"], Reused(plan!));
    }

    [Fact]
    public void A_rerun_workflow_starts_with_its_reused_jobs_succeeded_and_schedules_what_they_unblock()
    {
        var (plan, _) = WorkflowRerun.Decide(Ended(), Rerun, WorkflowRerun.Mode.FromFailed);
        var numbered = WorkflowRerun.Number(plan!.Jobs, 100);

        var started = WorkflowDecider.Decide(WorkflowState.Empty(Rerun),
            new StartWorkflow(Rerun, plan.Name, Context, numbered, Actor.Admin, RerunOf: Workflow), T0);

        Assert.Equal(Workflow, Assert.Single(started.Events.OfType<WorkflowStarted>()).RerunOf);
        Assert.Equal(["test"], started.Events.OfType<WorkflowJobScheduled>().Select(e => e.JobName));
        Assert.Equal([100L, 101L], numbered.Where(j => j.ReusedFrom is null).Select(j => j.JobNumber!.Value).Order());
    }

    [Fact]
    public void A_running_workflow_or_one_with_nothing_failed_is_not_rerun_from_failed()
    {
        var running = WorkflowState.Empty(Workflow).Apply(new WorkflowStarted(Workflow, "ci", Context, [Planned("build")], Actor.Admin, T0));
        Assert.Equal(RejectionKind.Conflict, WorkflowRerun.Decide(running, Rerun, WorkflowRerun.Mode.All).Refusal!.Kind);

        var green = running.Apply(new WorkflowJobScheduled(Workflow, Project, "build", DerivedIds.Job(Workflow, "build"), 1, T0))
            .Apply(new WorkflowJobFinished(Workflow, "build", JobStatus.Success, T0))
            .Apply(new WorkflowFinished(Workflow, Project, "ci", WorkflowStatus.Success, T0));
        Assert.Equal(RejectionKind.Conflict, WorkflowRerun.Decide(green, Rerun, WorkflowRerun.Mode.FromFailed).Refusal!.Kind);
        Assert.Null(WorkflowRerun.Decide(green, Rerun, WorkflowRerun.Mode.All).Refusal);
    }
}
