using System.Text.Json;
using CircleActors.Domain.Common;
using CircleActors.Domain.Jobs;
using CircleActors.Domain.Jobs.Messages;
using static CircleActors.Domain.Jobs.Messages.JobCommands;
using static CircleActors.Domain.Jobs.Messages.JobEvents;
using static CircleActors.Domain.Tests.Samples;

namespace CircleActors.Domain.Tests.Jobs;

/// <summary>A job's life: scheduled, assigned, its steps run, its tasks end; leases lapse and stale attempts are refused.</summary>
public sealed class JobDeciderSpecs
{
    private static Aggregate<JobState, IJobCommand, IJobEvent> NewJob() =>
        new(JobState.Empty(Job), JobDecider.Decide, (state, e) => state.Apply(e));

    private static Aggregate<JobState, IJobCommand, IJobEvent> Scheduled(int parallelism = 1)
    {
        var job = NewJob();
        job.Send(new ScheduleJob(Job, Template(parallelism)));
        return job;
    }

    private static Aggregate<JobState, IJobCommand, IJobEvent> Running(int parallelism = 1)
    {
        var job = Scheduled(parallelism);
        for (var task = 0; task < parallelism; task++)
        {
            job.Send(new AssignTask(Job, task, 1, NodeA));
            job.Send(new ReportStepStarted(Job, task, 1, 0, "Checkout code"));
        }
        return job;
    }

    private static Rejected Rejection(Decision<IJobEvent> decision, RejectionKind kind)
    {
        Assert.Empty(decision.Events);
        var rejected = Assert.IsType<Rejected>(decision.Reply);
        Assert.Equal(kind, rejected.Kind);
        return rejected;
    }

    private static void AcceptedWithoutEvents(Decision<IJobEvent> decision)
    {
        Assert.Empty(decision.Events);
        Assert.IsNotType<Rejected>(decision.Reply);
    }

    private static string Json(JobState state) => JsonSerializer.Serialize(state);

    [Fact]
    public void Canceling_a_job_no_agent_has_taken_ends_it_canceled_at_once()
    {
        var job = Scheduled(parallelism: 2);
        var canceled = job.Send(new CancelJob(Job, Actor.Admin));

        Assert.Single(canceled.Events.OfType<JobCancelRequested>());
        Assert.Equal(2, canceled.Events.OfType<TaskFinished>().Count(t => t.Status == JobStatus.Canceled));
        Assert.Equal(JobStatus.Canceled, Assert.Single(canceled.Events.OfType<JobFinished>()).Status);
        Assert.Empty(canceled.Events.OfType<TaskRequeued>());
    }

    [Fact]
    public void Canceling_a_running_job_waits_for_its_agent_and_a_lapsed_lease_then_cancels_rather_than_requeues()
    {
        var job = Running();
        var canceled = job.Send(new CancelJob(Job, Actor.Admin));
        Assert.Equal([typeof(JobCancelRequested)], canceled.Events.Select(e => e.GetType()));
        Assert.Equal(JobStatus.Running, job.State.Status);
        AcceptedWithoutEvents(job.Send(new CancelJob(Job, Actor.Admin)));

        var lapsed = job.Send(new ExpireLease(Job, 0, 1));

        Assert.Empty(lapsed.Events.OfType<TaskRequeued>());
        Assert.Equal(JobStatus.Canceled, Assert.Single(lapsed.Events.OfType<TaskFinished>()).Status);
        Assert.Equal(JobStatus.Canceled, Assert.Single(lapsed.Events.OfType<JobFinished>()).Status);
    }

    [Fact]
    public void A_canceled_task_reported_by_its_agent_ends_the_job_canceled_and_a_finished_job_cannot_be_canceled()
    {
        var job = Running();
        job.Send(new CancelJob(Job, Actor.Admin));
        var ended = job.Send(new ReportTaskFinished(Job, 0, 1, JobStatus.Canceled, "canceled"));
        Assert.Equal(JobStatus.Canceled, Assert.Single(ended.Events.OfType<JobFinished>()).Status);

        var before = Json(job.State);
        Rejection(job.Send(new CancelJob(Job, Actor.Admin)), RejectionKind.Conflict);
        Assert.Equal(before, Json(job.State));
    }

    [Fact]
    public void Scheduling_a_job_creates_one_waiting_task_per_parallel_run()
    {
        var job = NewJob();
        var decision = job.Send(new ScheduleJob(Job, Template(parallelism: 3)));

        var scheduled = Assert.IsType<JobScheduled>(Assert.Single(decision.Events));
        Assert.Equal(job.Now, scheduled.At);
        Assert.Same(Accepted.Instance, decision.Reply);
        Assert.Equal([0, 1, 2], job.State.Tasks.Select(t => t.Index));
        Assert.All(job.State.Tasks, t => Assert.Equal((JobStatus.NotRunning, 1, (NodeId?)null), (t.Status, t.Attempt, t.Node)));
        Assert.Equal(JobStatus.NotRunning, job.State.Status);
        Assert.Equal(job.Now, job.State.QueuedAt);
        Assert.False(job.State.IsFinished);
    }

    [Fact]
    public void Scheduling_a_job_again_changes_nothing()
    {
        var job = Scheduled();
        var before = Json(job.State);
        AcceptedWithoutEvents(job.Send(new ScheduleJob(Job, Template() with { JobName = "another" })));
        Assert.Equal(before, Json(job.State));
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(0, 2)]
    public void A_template_must_be_task_0_attempt_1(int taskIndex, int attempt) =>
        Rejection(NewJob().Send(new ScheduleJob(Job, Template() with { TaskIndex = taskIndex, Attempt = attempt })), RejectionKind.Invalid);

    [Fact]
    public void Commands_and_queries_about_a_job_that_was_never_scheduled_are_not_found()
    {
        var job = NewJob();
        Rejection(job.Send(new AssignTask(Job, 0, 1, NodeA)), RejectionKind.NotFound);
        Rejection(job.Send(new JobQueries.GetJob(Job)), RejectionKind.NotFound);
        Rejection(job.Send(new ExpireLease(Job, 0, 1)), RejectionKind.NotFound);
    }

    [Fact]
    public void A_task_runs_from_its_assignment_through_its_steps_to_the_end_of_the_job()
    {
        var job = Scheduled();

        var assigned = job.Send(new AssignTask(Job, 0, 1, NodeA));
        Assert.Equal(new TaskAssigned(Job, 0, 1, NodeA, job.Now), Assert.Single(assigned.Events));
        var spec = Assert.IsType<JobReplies.TaskAssignmentAccepted>(assigned.Reply).Spec;
        Assert.Equal((0, 1, Job), (spec.TaskIndex, spec.Attempt, spec.JobId));
        Assert.Equal((JobStatus.Queued, NodeA), (job.State.Tasks[0].Status, job.State.Tasks[0].Node));
        Assert.Equal(JobStatus.Queued, job.State.Status);
        Assert.Null(job.State.StartedAt);

        var firstStep = job.Send(new ReportStepStarted(Job, 0, 1, 0, "Checkout code"));
        Assert.Equal([typeof(JobStarted), typeof(TaskStepStarted)], firstStep.Events.Select(e => e.GetType()));
        Assert.Equal(new JobStarted(Job, Project, 42, "build", job.Now), firstStep.Events[0]);
        Assert.Equal(JobStatus.Running, job.State.Status);
        Assert.Equal(job.Now, job.State.StartedAt);
        Assert.Equal(job.Now, job.State.Tasks[0].StartedAt);

        job.Send(new ReportStepFinished(Job, 0, 1, 0, 0, StepStatus.Success));
        var secondStep = job.Send(new ReportStepStarted(Job, 0, 1, 1, "make test"));
        Assert.IsType<TaskStepStarted>(Assert.Single(secondStep.Events));
        job.Send(new ReportStepFinished(Job, 0, 1, 1, 0, StepStatus.Success));
        Assert.Equal([(0, StepStatus.Success, (int?)0), (1, StepStatus.Success, 0)],
            job.State.Tasks[0].Steps.Select(s => (s.Index, s.Status, s.ExitCode)));

        var finished = job.Send(new ReportTaskFinished(Job, 0, 1, JobStatus.Success));
        Assert.Equal([typeof(TaskFinished), typeof(JobFinished)], finished.Events.Select(e => e.GetType()));
        Assert.Equal(new JobFinished(Job, Project, 42, "build", JobStatus.Success, job.Now), finished.Events[1]);
        Assert.True(job.State.IsFinished);
        Assert.Equal(JobStatus.Success, job.State.Status);
        Assert.Equal(job.Now, job.State.StoppedAt);
        Assert.Equal(job.Now, job.State.Tasks[0].StoppedAt);
    }

    [Fact]
    public void A_repeated_assignment_to_the_same_node_is_accepted_again_without_a_new_event()
    {
        var job = Scheduled();
        job.Send(new AssignTask(Job, 0, 1, NodeA));
        var again = job.Send(new AssignTask(Job, 0, 1, NodeA));
        Assert.Empty(again.Events);
        Assert.Equal(0, Assert.IsType<JobReplies.TaskAssignmentAccepted>(again.Reply).Spec.TaskIndex);

        job.Send(new ReportStepStarted(Job, 0, 1, 0, "Checkout code"));
        Assert.Empty(job.Send(new AssignTask(Job, 0, 1, NodeA)).Events);
    }

    [Fact]
    public void A_task_assigned_to_one_node_is_refused_to_another()
    {
        var job = Scheduled();
        job.Send(new AssignTask(Job, 0, 1, NodeA));
        Rejection(job.Send(new AssignTask(Job, 0, 1, NodeB)), RejectionKind.Conflict);
        Assert.Equal(NodeA, job.State.Tasks[0].Node);
    }

    [Fact]
    public void Step_reports_sent_twice_are_recorded_once()
    {
        var job = Running();
        AcceptedWithoutEvents(job.Send(new ReportStepStarted(Job, 0, 1, 0, "Checkout code")));
        job.Send(new ReportStepFinished(Job, 0, 1, 0, 1, StepStatus.Failed));
        AcceptedWithoutEvents(job.Send(new ReportStepFinished(Job, 0, 1, 0, 0, StepStatus.Success)));
        Assert.Equal((StepStatus.Failed, (int?)1), (job.State.Tasks[0].Steps[0].Status, job.State.Tasks[0].Steps[0].ExitCode));
    }

    [Fact]
    public void Step_reports_sent_together_are_decided_in_order_as_if_sent_one_by_one()
    {
        var batched = Running();
        var oneByOne = Running();
        StepReport[] reports =
        [
            StepReport.Finished(0, 0, StepStatus.Success), StepReport.Started(1, "make"),
            StepReport.Finished(1, 2, StepStatus.Failed), StepReport.Started(2, "on fail"),
        ];

        var decision = batched.Send(new ReportSteps(Job, 0, 1, reports));
        foreach (var report in reports) oneByOne.Send(report.ToCommand(Job, 0, 1));

        Assert.Equal(Accepted.Instance, decision.Reply);
        Assert.Equal([typeof(TaskStepFinished), typeof(TaskStepStarted), typeof(TaskStepFinished), typeof(TaskStepStarted)],
            decision.Events.Select(e => e.GetType()));
        Assert.Equal(oneByOne.State.Tasks[0].Steps.Select(s => (s.Index, s.Name, s.Status, s.ExitCode)),
            batched.State.Tasks[0].Steps.Select(s => (s.Index, s.Name, s.Status, s.ExitCode)));
        // A batch sent again is recorded once, like its reports.
        AcceptedWithoutEvents(batched.Send(new ReportSteps(Job, 0, 1, reports)));
    }

    [Fact]
    public void A_task_end_sent_after_the_step_reports_queued_with_it_ends_the_task_in_the_same_decision_and_its_repeat_is_accepted()
    {
        var batched = Running();
        var oneByOne = Running();
        var end = new ReportSteps(Job, 0, 1, [StepReport.Finished(0, 0, StepStatus.Success), StepReport.Started(1, "make"),
            StepReport.Finished(1, 0, StepStatus.Success)], new TaskEnd(JobStatus.Success));

        var decision = batched.Send(end);
        foreach (var command in end.Commands()) oneByOne.Send(command);

        Assert.Equal(Accepted.Instance, decision.Reply);
        Assert.Equal([typeof(TaskStepFinished), typeof(TaskStepStarted), typeof(TaskStepFinished), typeof(TaskFinished), typeof(JobFinished)],
            decision.Events.Select(e => e.GetType()));
        Assert.Equal((oneByOne.State.Status, oneByOne.State.Tasks[0].Status), (batched.State.Status, batched.State.Tasks[0].Status));
        Assert.Equal(JobStatus.Success, batched.State.Status);
        // The agent repeats it until it hears back: the repeat of a recorded end changes nothing and is accepted.
        AcceptedWithoutEvents(batched.Send(end));
        // An end alone is a batch too; one that is not final is refused with the rest.
        Rejection(Running().Send(new ReportSteps(Job, 0, 1, [StepReport.Finished(0, 0, StepStatus.Success)], new TaskEnd(JobStatus.Running))),
            RejectionKind.Invalid);
        Assert.Equal(new TaskEnd(JobStatus.Failed, "exit 2"), Assert.Single(Running().Send(new ReportSteps(Job, 0, 1, [], new TaskEnd(JobStatus.Failed, "exit 2"))).Events
            .OfType<TaskFinished>(), _ => true) is var ended ? new TaskEnd(ended.Status, ended.Reason) : null);
    }

    [Fact]
    public void A_batch_of_step_reports_is_refused_whole_when_one_of_them_is_and_when_it_is_empty_or_malformed()
    {
        var job = Scheduled();
        // The task was never assigned: the end of a step that never started is ignored, the start is refused.
        Rejection(job.Send(new ReportSteps(Job, 0, 1, [StepReport.Finished(0, 0, StepStatus.Success), StepReport.Started(1, "make")])),
            RejectionKind.Conflict);
        Assert.Empty(job.State.Tasks[0].Steps);

        var running = Running();
        Rejection(running.Send(new ReportSteps(Job, 0, 1, [])), RejectionKind.Invalid);
        Rejection(running.Send(new ReportSteps(Job, 0, 1, [StepReport.Started(1, "make"), new StepReport(2, null, null, null)])), RejectionKind.Invalid);
        Rejection(running.Send(new ReportSteps(Job, 0, 2, [StepReport.Started(1, "make")])), RejectionKind.Conflict);
        Assert.Single(running.State.Tasks[0].Steps);
    }

    [Fact]
    public void A_step_cannot_start_on_a_task_no_node_was_given()
    {
        var job = Scheduled();
        Rejection(job.Send(new ReportStepStarted(Job, 0, 1, 0, "Checkout code")), RejectionKind.Conflict);
        AcceptedWithoutEvents(job.Send(new ReportStepFinished(Job, 0, 1, 0, 0, StepStatus.Success)));
        Assert.Empty(job.State.Tasks[0].Steps);
    }

    [Theory]
    [InlineData(JobStatus.NotRunning)]
    [InlineData(JobStatus.Queued)]
    [InlineData(JobStatus.Running)]
    [InlineData(JobStatus.OnHold)]
    [InlineData(JobStatus.Blocked)]
    public void A_task_cannot_finish_with_a_status_that_is_not_final(JobStatus status) =>
        Rejection(Running().Send(new ReportTaskFinished(Job, 0, 1, status)), RejectionKind.Invalid);

    [Theory]
    [InlineData(-1)]
    [InlineData(2)]
    public void A_task_the_job_does_not_have_is_refused(int taskIndex)
    {
        var job = Scheduled(parallelism: 2);
        Rejection(job.Send(new AssignTask(Job, taskIndex, 1, NodeA)), RejectionKind.Invalid);
        Rejection(job.Send(new ReportTaskFinished(Job, taskIndex, 1, JobStatus.Success)), RejectionKind.Invalid);
    }

    [Fact]
    public void A_lapsed_lease_ends_the_attempt_as_an_infrastructure_failure_and_requeues_the_task()
    {
        var job = Running();
        var expired = job.Send(new ExpireLease(Job, 0, 1));

        Assert.Equal([typeof(TaskFinished), typeof(TaskRequeued)], expired.Events.Select(e => e.GetType()));
        var ended = (TaskFinished)expired.Events[0];
        Assert.Equal((1, JobStatus.InfrastructureFail), (ended.Attempt, ended.Status));
        Assert.Contains(NodeA.Value, ended.Reason);
        Assert.Equal(new TaskRequeued(Job, 0, 2, job.Now), expired.Events[1]);

        var task = job.State.Tasks[0];
        Assert.Equal((2, JobStatus.NotRunning, (NodeId?)null), (task.Attempt, task.Status, task.Node));
        Assert.Empty(task.Steps);
        Assert.False(job.State.IsFinished);
    }

    [Fact]
    public void A_second_infrastructure_failure_ends_the_job()
    {
        var job = Running();
        job.Send(new ExpireLease(Job, 0, 1));
        job.Send(new AssignTask(Job, 0, 2, NodeB));
        job.Send(new ReportStepStarted(Job, 0, 2, 0, "Checkout code"));
        var expired = job.Send(new ExpireLease(Job, 0, 2));

        Assert.Equal([typeof(TaskFinished), typeof(JobFinished)], expired.Events.Select(e => e.GetType()));
        Assert.Equal(JobStatus.InfrastructureFail, ((JobFinished)expired.Events[1]).Status);
        Assert.Equal(JobState.MaxAttempts, job.State.Tasks[0].Attempt);
        Assert.Equal(JobStatus.InfrastructureFail, job.State.Status);
        Assert.Equal(StepStatus.Failed, job.State.Tasks[0].Steps.Single().Status);
    }

    [Fact]
    public void An_infrastructure_failure_the_agent_reports_itself_is_retried_once_too()
    {
        var job = Running();
        var reported = job.Send(new ReportTaskFinished(Job, 0, 1, JobStatus.InfrastructureFail, "docker daemon went away"));
        Assert.Equal([typeof(TaskFinished), typeof(TaskRequeued)], reported.Events.Select(e => e.GetType()));
        Assert.Equal("docker daemon went away", ((TaskFinished)reported.Events[0]).Reason);
    }

    [Theory]
    [InlineData(JobStatus.Failed)]
    [InlineData(JobStatus.Canceled)]
    [InlineData(JobStatus.TimedOut)]
    [InlineData(JobStatus.Unauthorized)]
    public void Other_failures_are_not_retried(JobStatus status)
    {
        var finished = Running().Send(new ReportTaskFinished(Job, 0, 1, status));
        Assert.Equal([typeof(TaskFinished), typeof(JobFinished)], finished.Events.Select(e => e.GetType()));
        Assert.Equal(status, ((JobFinished)finished.Events[1]).Status);
    }

    [Fact]
    public void Reports_from_an_attempt_that_is_no_longer_current_are_refused_and_change_nothing()
    {
        var job = Running();
        job.Send(new ExpireLease(Job, 0, 1));
        job.Send(new AssignTask(Job, 0, 2, NodeB));
        var before = Json(job.State);

        Rejection(job.Send(new AssignTask(Job, 0, 1, NodeA)), RejectionKind.Conflict);
        Rejection(job.Send(new ReportStepStarted(Job, 0, 1, 1, "make test")), RejectionKind.Conflict);
        Rejection(job.Send(new ReportStepFinished(Job, 0, 1, 0, 0, StepStatus.Success)), RejectionKind.Conflict);
        Rejection(job.Send(new ReportTaskFinished(Job, 0, 1, JobStatus.Success)), RejectionKind.Conflict);
        Rejection(job.Send(new ExpireLease(Job, 0, 1)), RejectionKind.Conflict);
        Rejection(job.Send(new ReportTaskFinished(Job, 0, 3, JobStatus.Success)), RejectionKind.Conflict);

        Assert.Equal(before, Json(job.State));
    }

    [Fact]
    public void A_downed_node_ends_only_the_attempt_it_still_holds()
    {
        var job = Running();
        // The scheduler saw another node go down: this task is not on it.
        AcceptedWithoutEvents(job.Send(new ExpireLease(Job, 0, 1, new NodeId("elsewhere"))));
        Assert.Equal(NodeA, job.State.Tasks[0].Node);

        var ended = job.Send(new ExpireLease(Job, 0, 1, NodeA));
        Assert.Equal(JobStatus.InfrastructureFail, Assert.Single(ended.Events.OfType<TaskFinished>()).Status);
        Assert.Equal((2, JobStatus.NotRunning), (job.State.Tasks[0].Attempt, job.State.Tasks[0].Status));
    }

    [Fact]
    public void A_lease_on_a_task_no_node_holds_lapses_without_effect()
    {
        var job = Scheduled();
        AcceptedWithoutEvents(job.Send(new ExpireLease(Job, 0, 1)));
        Assert.Equal(JobStatus.NotRunning, job.State.Tasks[0].Status);
    }

    [Fact]
    public void A_parallel_job_finishes_only_when_its_last_task_ends_with_the_worst_outcome()
    {
        var job = Running(parallelism: 3);
        Assert.Single(job.History.OfType<JobStarted>());

        Assert.IsType<TaskFinished>(Assert.Single(job.Send(new ReportTaskFinished(Job, 1, 1, JobStatus.Success)).Events));
        Assert.IsType<TaskFinished>(Assert.Single(job.Send(new ReportTaskFinished(Job, 0, 1, JobStatus.Failed)).Events));
        Assert.Equal(JobStatus.Running, job.State.Status);
        Assert.False(job.State.IsFinished);

        var last = job.Send(new ReportTaskFinished(Job, 2, 1, JobStatus.Success));
        Assert.Equal(JobStatus.Failed, Assert.IsType<JobFinished>(last.Events[^1]).Status);
        Assert.Equal(JobStatus.Failed, job.State.Status);
    }

    [Fact]
    public void A_requeued_task_keeps_a_parallel_job_open_until_its_retry_ends()
    {
        var job = Running(parallelism: 2);
        job.Send(new ReportTaskFinished(Job, 0, 1, JobStatus.Success));
        job.Send(new ExpireLease(Job, 1, 1));
        Assert.False(job.State.IsFinished);
        Assert.Equal(JobStatus.Running, job.State.Status);

        job.Send(new AssignTask(Job, 1, 2, NodeB));
        job.Send(new ReportStepStarted(Job, 1, 2, 0, "Checkout code"));
        Assert.Single(job.History.OfType<JobStarted>());
        var last = job.Send(new ReportTaskFinished(Job, 1, 2, JobStatus.Success));
        Assert.Equal(JobStatus.Success, Assert.IsType<JobFinished>(last.Events[^1]).Status);
    }

    [Fact]
    public void A_finished_job_refuses_further_reports_but_still_answers_queries()
    {
        var job = Running();
        job.Send(new ReportTaskFinished(Job, 0, 1, JobStatus.Success));
        Rejection(job.Send(new ReportStepStarted(Job, 0, 1, 5, "late")), RejectionKind.Conflict);
        Rejection(job.Send(new ExpireLease(Job, 0, 1)), RejectionKind.Conflict);
        Assert.Same(job.State, job.Send(new JobQueries.GetJob(Job)).Reply);
    }

    [Theory]
    [InlineData(JobStatus.Canceled, StepStatus.Canceled)]
    [InlineData(JobStatus.Failed, StepStatus.Failed)]
    [InlineData(JobStatus.TimedOut, StepStatus.Failed)]
    public void Steps_still_open_when_a_task_ends_end_with_it(JobStatus taskStatus, StepStatus stepStatus)
    {
        var job = Running();
        job.Send(new ReportTaskFinished(Job, 0, 1, taskStatus));
        var step = job.State.Tasks[0].Steps.Single();
        Assert.Equal((stepStatus, (DateTimeOffset?)job.Now), (step.Status, step.StoppedAt));
    }

    /// <summary>Each command of a job's life, sent once more right after it took effect, decides no new event.</summary>
    public static TheoryData<string> Lives => new() { "success", "parallel", "lease lapses twice", "agent reports infrastructure failure" };

    private static IEnumerable<IJobCommand> Life(string name) => name switch
    {
        "success" =>
        [
            new ScheduleJob(Job, Template()), new AssignTask(Job, 0, 1, NodeA), new ReportStepStarted(Job, 0, 1, 0, "Checkout code"),
            new ReportStepFinished(Job, 0, 1, 0, 0, StepStatus.Success), new ReportStepStarted(Job, 0, 1, 1, "make"),
            new ReportStepFinished(Job, 0, 1, 1, 2, StepStatus.Failed), new ReportTaskFinished(Job, 0, 1, JobStatus.Failed),
        ],
        "parallel" =>
        [
            new ScheduleJob(Job, Template(2)), new AssignTask(Job, 1, 1, NodeB), new AssignTask(Job, 0, 1, NodeA),
            new ReportStepStarted(Job, 1, 1, 0, "Checkout code"), new ReportStepStarted(Job, 0, 1, 0, "Checkout code"),
            new ReportTaskFinished(Job, 1, 1, JobStatus.Success), new ReportTaskFinished(Job, 0, 1, JobStatus.Success),
        ],
        "lease lapses twice" =>
        [
            new ScheduleJob(Job, Template()), new AssignTask(Job, 0, 1, NodeA), new ExpireLease(Job, 0, 1),
            new AssignTask(Job, 0, 2, NodeB), new ReportStepStarted(Job, 0, 2, 0, "Checkout code"), new ExpireLease(Job, 0, 2),
        ],
        "agent reports infrastructure failure" =>
        [
            new ScheduleJob(Job, Template()), new AssignTask(Job, 0, 1, NodeA),
            new ReportTaskFinished(Job, 0, 1, JobStatus.InfrastructureFail), new AssignTask(Job, 0, 2, NodeA),
            new ReportTaskFinished(Job, 0, 2, JobStatus.Success),
        ],
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(Lives))]
    public void A_command_repeated_after_it_took_effect_decides_no_new_events(string life)
    {
        var job = NewJob();
        foreach (var command in Life(life))
        {
            var decision = job.Send(command);
            Assert.IsNotType<Rejected>(decision.Reply);
            Assert.NotEmpty(decision.Events);
            Assert.Empty(job.Peek(command).Events);
        }
        Assert.True(job.State.IsFinished);
    }

    [Theory]
    [MemberData(nameof(Lives))]
    public void Replaying_a_jobs_history_rebuilds_its_state(string life)
    {
        var job = NewJob();
        foreach (var command in Life(life)) job.Send(command);
        Assert.Equal(Json(job.State), Json(job.Replay()));
    }
}
