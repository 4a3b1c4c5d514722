using System.Text.Json;
using CircleActors.Domain.Common;
using CircleActors.Domain.Jobs;
using CircleActors.Domain.Pipelines.Messages;
using CircleActors.Domain.Workflows;
using CircleActors.Domain.Workflows.Messages;
using static CircleActors.Domain.Tests.Samples;
using static CircleActors.Domain.Workflows.Messages.WorkflowCommands;
using static CircleActors.Domain.Workflows.Messages.WorkflowEvents;

namespace CircleActors.Domain.Tests.Workflows;

/// <summary>A workflow's graph: what runs when, what a failure or an approval holds back, and how it ends.</summary>
public sealed class WorkflowDeciderSpecs
{
    private const string Name = "build-test-deploy";

    private static Aggregate<WorkflowState, IWorkflowCommand, IWorkflowEvent> NewWorkflow() =>
        new(WorkflowState.Empty(Workflow), WorkflowDecider.Decide, (state, e) => state.Apply(e));

    private static Aggregate<WorkflowState, IWorkflowCommand, IWorkflowEvent> Started(params PlannedJob[] jobs)
    {
        var workflow = NewWorkflow();
        workflow.Send(Start(jobs));
        return workflow;
    }

    private static StartWorkflow Start(params PlannedJob[] jobs) => new(Workflow, Name, Context, jobs, Actor.Admin);

    /// <summary>build → test → deploy, and lint on its own.</summary>
    private static PlannedJob[] Chain => [Planned("build"), Planned("test", "build"), Planned("deploy", "test"), Planned("lint")];

    private static RecordJobFinished Finished(string job, JobStatus status) => new(Workflow, job, status);

    private static IEnumerable<string> ScheduledBy(Decision<IWorkflowEvent> decision) =>
        decision.Events.OfType<WorkflowJobScheduled>().Select(e => e.JobName);

    private static string Json(WorkflowState state) => JsonSerializer.Serialize(state);

    [Fact]
    public void Starting_a_workflow_schedules_the_jobs_that_require_nothing()
    {
        var workflow = NewWorkflow();
        var decision = workflow.Send(Start(Chain));

        Assert.IsType<WorkflowStarted>(decision.Events[0]);
        var scheduled = decision.Events.OfType<WorkflowJobScheduled>().ToList();
        Assert.Equal(["build", "lint"], scheduled.Select(e => e.JobName));
        var build = Chain[0];
        Assert.Equal(new WorkflowJobScheduled(Workflow, Project, "build", build.JobId, build.JobNumber, workflow.Now), scheduled[0]);
        Assert.Equal(JobStatus.NotRunning, workflow.State.JobStatuses["build"]);
        Assert.Equal(JobStatus.Blocked, workflow.State.JobStatuses["test"]);
        Assert.Equal(["build", "lint"], workflow.State.RunningJobs.Select(j => j.Name));
        Assert.Equal(WorkflowStatus.Running, WorkflowDecider.CurrentStatus(workflow.State));
    }

    [Fact]
    public void Starting_a_workflow_again_changes_nothing()
    {
        var workflow = Started(Chain);
        var again = workflow.Send(Start(Planned("other")));
        Assert.Empty(again.Events);
        Assert.Same(Accepted.Instance, again.Reply);
        Assert.Equal(4, workflow.State.Jobs.Count);
    }

    [Fact]
    public void A_workflow_without_jobs_is_refused()
    {
        var decision = NewWorkflow().Send(Start());
        Assert.Empty(decision.Events);
        Assert.Equal(RejectionKind.Invalid, Assert.IsType<Rejected>(decision.Reply).Kind);
    }

    [Fact]
    public void A_job_is_scheduled_once_every_job_it_requires_has_succeeded()
    {
        var workflow = Started(Planned("a"), Planned("b", "a"), Planned("c", "a"), Planned("d", "b", "c"));
        Assert.Equal(["b", "c"], ScheduledBy(workflow.Send(Finished("a", JobStatus.Success))));
        Assert.Empty(ScheduledBy(workflow.Send(Finished("b", JobStatus.Success))));
        Assert.Equal(JobStatus.Blocked, workflow.State.JobStatuses["d"]);
        Assert.Equal(["d"], ScheduledBy(workflow.Send(Finished("c", JobStatus.Success))));
        var end = workflow.Send(Finished("d", JobStatus.Success));
        Assert.Equal(new WorkflowFinished(Workflow, Project, Name, WorkflowStatus.Success, workflow.Now), Assert.Single(end.Events.OfType<WorkflowFinished>()));
        Assert.Equal(WorkflowStatus.Success, WorkflowDecider.CurrentStatus(workflow.State));
    }

    [Theory]
    [InlineData(JobStatus.Failed)]
    [InlineData(JobStatus.InfrastructureFail)]
    [InlineData(JobStatus.TimedOut)]
    [InlineData(JobStatus.Unauthorized)]
    public void A_failed_job_blocks_everything_downstream(JobStatus failure)
    {
        var workflow = Started(Chain);
        var failed = workflow.Send(Finished("build", failure));
        Assert.Empty(ScheduledBy(failed));
        Assert.Empty(failed.Events.OfType<WorkflowFinished>());
        Assert.Equal(WorkflowStatus.Failing, WorkflowDecider.CurrentStatus(workflow.State));

        var end = workflow.Send(Finished("lint", JobStatus.Success));
        Assert.Empty(ScheduledBy(end));
        Assert.Equal(WorkflowStatus.Failed, Assert.Single(end.Events.OfType<WorkflowFinished>()).Status);
        Assert.Equal(JobStatus.Blocked, workflow.State.JobStatuses["test"]);
        Assert.Equal(JobStatus.Blocked, workflow.State.JobStatuses["deploy"]);
        Assert.DoesNotContain("test", workflow.State.Scheduled);
    }

    [Fact]
    public void Independent_branches_keep_running_after_a_failure()
    {
        var workflow = Started(Planned("a"), Planned("b"), Planned("c", "b"));
        workflow.Send(Finished("a", JobStatus.Failed));
        Assert.Equal(["c"], ScheduledBy(workflow.Send(Finished("b", JobStatus.Success))));
        Assert.False(workflow.State.IsFinished);
        var end = workflow.Send(Finished("c", JobStatus.Success));
        Assert.Equal(WorkflowStatus.Failed, Assert.Single(end.Events.OfType<WorkflowFinished>()).Status);
    }

    [Fact]
    public void A_canceled_job_cancels_the_workflow_even_if_another_failed()
    {
        var workflow = Started(Planned("a"), Planned("b"));
        workflow.Send(Finished("a", JobStatus.Failed));
        var end = workflow.Send(Finished("b", JobStatus.Canceled));
        Assert.Equal(WorkflowStatus.Canceled, Assert.Single(end.Events.OfType<WorkflowFinished>()).Status);
        Assert.Equal(WorkflowStatus.Canceled, workflow.State.FinishedWith);
    }

    [Fact]
    public void An_approval_job_holds_the_jobs_after_it_and_the_workflow_stays_open()
    {
        var workflow = Started(Planned("build"), Approval("hold", "build"), Planned("deploy", "hold"));
        // Held only once what it requires has succeeded: until then it is blocked like any job.
        Assert.Equal(JobStatus.Blocked, workflow.State.JobStatuses["hold"]);

        var built = workflow.Send(Finished("build", JobStatus.Success));
        Assert.Equal("hold", Assert.Single(built.Events.OfType<WorkflowJobHeld>()).JobName);
        Assert.Equal(JobStatus.OnHold, workflow.State.JobStatuses["hold"]);
        Assert.Empty(ScheduledBy(built));
        Assert.Empty(built.Events.OfType<WorkflowFinished>());
        Assert.False(workflow.State.IsFinished);
        Assert.Equal(WorkflowStatus.OnHold, WorkflowDecider.CurrentStatus(workflow.State));
        Assert.Equal(JobStatus.Blocked, workflow.State.JobStatuses["deploy"]);
    }

    [Fact]
    public void An_approval_waiting_at_the_start_is_on_hold_from_the_start()
    {
        var workflow = Started(Approval("hold"), Planned("deploy", "hold"));
        Assert.Equal(JobStatus.OnHold, workflow.State.JobStatuses["hold"]);
        Assert.Empty(workflow.History.OfType<WorkflowJobScheduled>());
        Assert.False(workflow.State.IsFinished);
        Assert.Equal(WorkflowStatus.OnHold, WorkflowDecider.CurrentStatus(workflow.State));
    }

    private static ApproveJob Approve(string job) => new(Workflow, DerivedIds.Job(Workflow, job), Actor.Admin);

    [Fact]
    public void Approving_a_held_job_succeeds_it_and_runs_its_dependants_and_names_the_approver()
    {
        var workflow = Started(Planned("build"), Approval("hold", "build"), Planned("deploy", "hold"));
        workflow.Send(Finished("build", JobStatus.Success));

        var approved = workflow.Send(new ApproveJob(Workflow, DerivedIds.Job(Workflow, "hold"), new Actor("ana", "user", "ana")));

        Assert.IsType<Accepted>(approved.Reply);
        Assert.Equal("ana", Assert.Single(approved.Events.OfType<WorkflowJobApproved>()).Actor.Id);
        Assert.Equal(["deploy"], ScheduledBy(approved));
        Assert.Equal(JobStatus.Success, workflow.State.JobStatuses["hold"]);
        Assert.Equal(WorkflowStatus.Running, WorkflowDecider.CurrentStatus(workflow.State));
        var end = workflow.Send(Finished("deploy", JobStatus.Success));
        Assert.Equal(WorkflowStatus.Success, Assert.Single(end.Events.OfType<WorkflowFinished>()).Status);
    }

    public static TheoryData<string, RejectionKind> RefusedApprovals => new()
    {
        { "twice", RejectionKind.Conflict },
        { "before its requirements succeeded", RejectionKind.Conflict },
        { "a job that is not an approval", RejectionKind.Invalid },
        { "an unknown request", RejectionKind.NotFound },
        { "a canceled workflow", RejectionKind.Conflict },
    };

    [Theory]
    [MemberData(nameof(RefusedApprovals))]
    public void An_approval_that_cannot_apply_is_refused_and_changes_nothing(string situation, RejectionKind kind)
    {
        var workflow = Started(Planned("build"), Approval("hold", "build"), Planned("deploy", "hold"));
        var command = Approve("hold");
        switch (situation)
        {
            case "twice":
                workflow.Send(Finished("build", JobStatus.Success));
                workflow.Send(Approve("hold"));
                break;
            case "before its requirements succeeded":
                break;
            case "a job that is not an approval":
                command = Approve("build");
                break;
            case "an unknown request":
                command = Approve("nothing-by-that-name");
                break;
            case "a canceled workflow":
                workflow.Send(Finished("build", JobStatus.Success));
                workflow.Send(new CancelWorkflow(Workflow, Actor.Admin));
                break;
        }
        var before = Json(workflow.State);

        var refused = workflow.Send(command);

        Assert.Equal(kind, Assert.IsType<Rejected>(refused.Reply).Kind);
        Assert.Empty(refused.Events);
        Assert.Equal(before, Json(workflow.State));
    }

    [Fact]
    public void Canceling_a_running_workflow_ends_it_canceled_once_its_running_jobs_report()
    {
        var workflow = Started(Chain);
        var canceled = workflow.Send(new CancelWorkflow(Workflow, Actor.Admin));

        Assert.Single(canceled.Events.OfType<WorkflowCanceled>());
        Assert.Empty(canceled.Events.OfType<WorkflowFinished>());
        Assert.Equal(JobStatus.Canceled, workflow.State.JobStatuses["test"]);
        Assert.Equal(JobStatus.Canceled, workflow.State.JobStatuses["deploy"]);
        Assert.Equal(["build", "lint"], workflow.State.RunningJobs.Select(j => j.Name).Order());
        Assert.Equal(WorkflowStatus.Canceled, WorkflowDecider.CurrentStatus(workflow.State));

        // A job that ends successfully meanwhile schedules nothing after it.
        var built = workflow.Send(Finished("build", JobStatus.Success));
        Assert.Empty(ScheduledBy(built));
        var end = workflow.Send(Finished("lint", JobStatus.Canceled));
        Assert.Equal(WorkflowStatus.Canceled, Assert.Single(end.Events.OfType<WorkflowFinished>()).Status);
    }

    [Fact]
    public void A_held_workflow_canceled_ends_at_once_and_an_ended_workflow_cannot_be_canceled()
    {
        var workflow = Started(Approval("hold"), Planned("deploy", "hold"));
        var canceled = workflow.Send(new CancelWorkflow(Workflow, Actor.Admin));
        Assert.Equal(WorkflowStatus.Canceled, Assert.Single(canceled.Events.OfType<WorkflowFinished>()).Status);

        var again = workflow.Send(new CancelWorkflow(Workflow, Actor.Admin));
        Assert.Equal(RejectionKind.Conflict, Assert.IsType<Rejected>(again.Reply).Kind);
        Assert.Empty(again.Events);
    }

    [Theory]
    [InlineData(JobStatus.Failed, new[] { "failed" }, true)]
    [InlineData(JobStatus.Success, new[] { "failed" }, false)]
    [InlineData(JobStatus.Failed, new[] { "success", "failed", "canceled", "unauthorized", "not_run" }, true)]
    [InlineData(JobStatus.InfrastructureFail, new[] { "failed" }, true)]
    [InlineData(JobStatus.Canceled, new[] { "canceled" }, true)]
    [InlineData(JobStatus.Success, new[] { "success" }, true)]
    public void A_requirement_in_the_map_form_runs_the_job_on_the_statuses_it_lists(JobStatus upstream, string[] allowed, bool runs)
    {
        var cleanup = Planned("cleanup", "build") with
        {
            RequiredStatuses = new Dictionary<string, IReadOnlyList<string>> { ["build"] = allowed },
        };
        var workflow = Started(Planned("build"), cleanup);

        var decided = workflow.Send(Finished("build", upstream));

        Assert.Equal(runs, ScheduledBy(decided).Contains("cleanup"));
        if (!runs) Assert.Single(decided.Events.OfType<WorkflowFinished>());
    }

    [Fact]
    public void An_approval_does_not_hold_a_workflow_that_already_failed()
    {
        var workflow = Started(Planned("build"), Planned("lint"), Approval("hold", "build"));
        workflow.Send(Finished("build", JobStatus.Success));
        var end = workflow.Send(Finished("lint", JobStatus.Failed));
        Assert.Equal(WorkflowStatus.Failed, Assert.Single(end.Events.OfType<WorkflowFinished>()).Status);
    }

    [Fact]
    public void A_job_report_the_workflow_cannot_use_is_refused_or_ignored()
    {
        var workflow = Started(Chain);
        Assert.Equal(RejectionKind.Invalid, Assert.IsType<Rejected>(workflow.Send(Finished("nope", JobStatus.Success)).Reply).Kind);
        Assert.Equal(RejectionKind.Invalid, Assert.IsType<Rejected>(workflow.Send(Finished("build", JobStatus.Running)).Reply).Kind);

        // A report for a job that was never told to run (a stray or early message) changes nothing.
        var early = workflow.Send(Finished("test", JobStatus.Success));
        Assert.Empty(early.Events);
        Assert.Equal(JobStatus.Blocked, workflow.State.JobStatuses["test"]);
        Assert.DoesNotContain("deploy", workflow.State.Scheduled);
    }

    [Fact]
    public void Commands_to_a_workflow_that_never_started_are_not_found()
    {
        var workflow = NewWorkflow();
        Assert.Equal(RejectionKind.NotFound, Assert.IsType<Rejected>(workflow.Send(Finished("build", JobStatus.Success)).Reply).Kind);
        Assert.Equal(RejectionKind.NotFound, Assert.IsType<Rejected>(workflow.Send(new WorkflowQueries.GetWorkflow(Workflow)).Reply).Kind);
    }

    [Fact]
    public void A_started_workflow_answers_queries_with_its_state()
    {
        var workflow = Started(Chain);
        Assert.Same(workflow.State, workflow.Send(new WorkflowQueries.GetWorkflow(Workflow)).Reply);
    }

    public static TheoryData<string> Runs => new() { "chain succeeds", "chain fails", "diamond", "approval" };

    private static (PlannedJob[] Jobs, RecordJobFinished[] Reports) Run(string name) => name switch
    {
        "chain succeeds" => (Chain, [Finished("lint", JobStatus.Success), Finished("build", JobStatus.Success),
            Finished("test", JobStatus.Success), Finished("deploy", JobStatus.Success)]),
        "chain fails" => (Chain, [Finished("build", JobStatus.Success), Finished("test", JobStatus.Failed), Finished("lint", JobStatus.Success)]),
        "diamond" => ([Planned("a"), Planned("b", "a"), Planned("c", "a"), Planned("d", "b", "c")],
            [Finished("a", JobStatus.Success), Finished("c", JobStatus.Success), Finished("b", JobStatus.Success), Finished("d", JobStatus.Canceled)]),
        "approval" => ([Planned("build"), Approval("hold", "build"), Planned("deploy", "hold")], [Finished("build", JobStatus.Success)]),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(Runs))]
    public void A_command_repeated_after_it_took_effect_decides_no_new_events(string run)
    {
        var (jobs, reports) = Run(run);
        var workflow = NewWorkflow();
        foreach (var command in new IWorkflowCommand[] { Start(jobs) }.Concat(reports))
        {
            Assert.NotEmpty(workflow.Send(command).Events);
            var again = workflow.Peek(command);
            Assert.Empty(again.Events);
            Assert.IsNotType<Rejected>(again.Reply);
        }
    }

    [Theory]
    [MemberData(nameof(Runs))]
    public void Replaying_a_workflows_history_rebuilds_its_state(string run)
    {
        var (jobs, reports) = Run(run);
        var workflow = NewWorkflow();
        foreach (var command in new IWorkflowCommand[] { Start(jobs) }.Concat(reports)) workflow.Send(command);
        Assert.Equal(Json(workflow.State), Json(workflow.Replay()));
    }

    [Theory]
    [MemberData(nameof(Runs))]
    public void The_running_count_follows_the_jobs_told_to_run_and_is_counted_again_in_a_state_read_back(string run)
    {
        var (jobs, reports) = Run(run);
        var workflow = NewWorkflow();
        var counts = new List<int>();
        foreach (var command in new IWorkflowCommand[] { Start(jobs) }.Concat(reports))
        {
            workflow.Send(command);
            var expected = workflow.State.RunningJobs.Count();
            Assert.Equal(expected, workflow.State.RunningCount);
            Assert.Equal(expected, JsonSerializer.Deserialize<WorkflowState>(Json(workflow.State))!.RunningCount);
            counts.Add(expected);
        }
        // Each run has jobs running at some point and none at its end.
        Assert.Contains(counts, count => count > 0);
        Assert.Equal(0, counts[^1]);
    }

    [Fact]
    public void A_job_is_scheduled_when_its_last_requirement_ends_whatever_the_order_of_the_workflows_jobs()
    {
        // The dependant is listed before what it requires, and an unrelated job ends in between.
        var workflow = Started(Planned("d", "b", "c"), Planned("x"), Planned("b"), Planned("c"));
        Assert.Equal(["x", "b", "c"], workflow.History.OfType<WorkflowJobScheduled>().Select(e => e.JobName));
        Assert.Empty(ScheduledBy(workflow.Send(Finished("b", JobStatus.Success))));
        Assert.Empty(ScheduledBy(workflow.Send(Finished("x", JobStatus.Success))));
        Assert.Equal(["d"], ScheduledBy(workflow.Send(Finished("c", JobStatus.Success))));
    }

    [Fact]
    public void Every_scheduled_job_and_the_end_are_decided_once_whatever_the_order_of_reports()
    {
        var jobs = new[] { Planned("a"), Planned("b", "a"), Planned("c", "a"), Planned("d", "b", "c"), Planned("e") };
        var names = new[] { "a", "b", "c", "d", "e" };
        foreach (var order in new[] { "abcde", "eacbd", "aebcd", "acbde" })
        {
            var workflow = Started(jobs);
            // Reports arrive in this order; a report for a job not yet scheduled is ignored and sent again later.
            var pending = order.Select(c => c.ToString()).ToList();
            while (pending.Count > 0)
            {
                var next = pending.First(n => workflow.State.Scheduled.Contains(n));
                workflow.Send(Finished(next, JobStatus.Success));
                pending.Remove(next);
            }
            Assert.Equal(names.Order(), workflow.History.OfType<WorkflowJobScheduled>().Select(e => e.JobName).Order());
            Assert.Equal(WorkflowStatus.Success, Assert.Single(workflow.History.OfType<WorkflowFinished>()).Status);
        }
    }

    private static readonly DateTimeOffset At = T0;
    private static readonly WorkflowStarted StartedEvent = new(Workflow, Name, Context, Chain, Actor.System, At);
    private static readonly WorkflowJobScheduled BuildScheduled = new(Workflow, Project, "build", Chain[0].JobId, 1, At);
    private static readonly WorkflowJobFinished BuildSucceeded = new(Workflow, "build", JobStatus.Success, At);
    private static readonly WorkflowFinished Ended = new(Workflow, Project, Name, WorkflowStatus.Success, At);

    public static TheoryData<string, IWorkflowEvent[], IWorkflowEvent> Contradictions => new()
    {
        { "started twice", [StartedEvent], StartedEvent },
        { "a job scheduled before the start", [], BuildScheduled },
        { "a job scheduled twice", [StartedEvent, BuildScheduled], BuildScheduled },
        { "a job the workflow does not have scheduled", [StartedEvent], BuildScheduled with { JobName = "nope" } },
        { "a job that never ran finished", [StartedEvent], BuildSucceeded },
        { "a job finished twice", [StartedEvent, BuildScheduled, BuildSucceeded], BuildSucceeded with { Status = JobStatus.Failed } },
        { "finished before the start", [], Ended },
        { "finished twice", [StartedEvent, Ended], Ended },
        { "a job scheduled after the end", [StartedEvent, Ended], BuildScheduled },
    };

    [Theory]
    [MemberData(nameof(Contradictions))]
    public void An_event_that_contradicts_the_state_throws(string what, IWorkflowEvent[] history, IWorkflowEvent next)
    {
        var state = history.Aggregate(WorkflowState.Empty(Workflow), (s, e) => s.Apply(e));
        Assert.Throws<InvalidOperationException>(() => state.Apply(next));
        Assert.NotEmpty(what);
    }
}
