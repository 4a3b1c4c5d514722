using CircleActors.Domain.Common;
using CircleActors.Domain.Jobs;
using CircleActors.Domain.Jobs.Messages;
using static CircleActors.Domain.Jobs.Messages.JobEvents;
using static CircleActors.Domain.Tests.Samples;

namespace CircleActors.Domain.Tests.Jobs;

/// <summary>A job's history that contradicts itself fails loudly on recovery instead of yielding a wrong state.</summary>
public sealed class JobStateSpecs
{
    private static readonly DateTimeOffset At = T0;

    private static JobState Apply(params IJobEvent[] events) => events.Aggregate(JobState.Empty(Job), (s, e) => s.Apply(e));

    private static readonly IJobEvent Scheduled = new JobScheduled(Job, Template(), At);
    private static readonly IJobEvent Assigned = new TaskAssigned(Job, 0, 1, NodeA, At);
    private static readonly IJobEvent Started = new JobStarted(Job, Project, 42, "build", At);
    private static readonly IJobEvent StepStarted = new TaskStepStarted(Job, 0, 1, 0, "Checkout code", At);
    private static readonly IJobEvent StepFinished = new TaskStepFinished(Job, 0, 1, 0, 0, StepStatus.Success, At);
    private static readonly IJobEvent TaskSucceeded = new TaskFinished(Job, 0, 1, JobStatus.Success, null, At);
    private static readonly IJobEvent TaskLost = new TaskFinished(Job, 0, 1, JobStatus.InfrastructureFail, "lost", At);
    private static readonly IJobEvent Requeued = new TaskRequeued(Job, 0, 2, At);
    private static readonly IJobEvent Finished = new JobFinished(Job, Project, 42, "build", JobStatus.Success, At);

    /// <summary>A valid history, then an event that cannot follow it.</summary>
    public static TheoryData<string, IJobEvent[], IJobEvent> Contradictions => new()
    {
        { "scheduled twice", [Scheduled], Scheduled },
        { "a task assigned before the job exists", [], Assigned },
        { "a task assigned twice", [Scheduled, Assigned], Assigned },
        { "a task assigned to a second node", [Scheduled, Assigned], new TaskAssigned(Job, 0, 1, NodeB, At) },
        { "a task that does not exist assigned", [Scheduled], new TaskAssigned(Job, 1, 1, NodeA, At) },
        { "an attempt that is not current assigned", [Scheduled], new TaskAssigned(Job, 0, 2, NodeA, At) },
        { "the job started twice", [Scheduled, Assigned, Started], Started },
        { "a step started on a waiting task", [Scheduled], StepStarted },
        { "a step finished that never started", [Scheduled, Assigned], StepFinished },
        { "a step finished twice", [Scheduled, Assigned, StepStarted, StepFinished], StepFinished },
        { "a task finished twice", [Scheduled, Assigned, TaskSucceeded], TaskSucceeded },
        { "a task requeued that had not ended", [Scheduled, Assigned], Requeued },
        { "a task requeued twice", [Scheduled, Assigned, TaskLost, Requeued], Requeued },
        { "a report from the attempt before a requeue", [Scheduled, Assigned, TaskLost, Requeued], StepStarted },
        { "the job finished twice", [Scheduled, Assigned, TaskSucceeded, Finished], Finished },
        { "the job finished before it exists", [], Finished },
        { "a task assigned after the job finished", [Scheduled, Assigned, TaskLost, Requeued, Finished], new TaskAssigned(Job, 0, 2, NodeA, At) },
    };

    [Theory]
    [MemberData(nameof(Contradictions))]
    public void An_event_that_contradicts_the_state_throws(string what, IJobEvent[] history, IJobEvent next)
    {
        var state = Apply(history);
        var thrown = Assert.Throws<InvalidOperationException>(() => state.Apply(next));
        Assert.False(string.IsNullOrEmpty(thrown.Message), what);
    }

    [Fact]
    public void The_history_of_a_job_with_a_requeued_task_applies_in_order()
    {
        var state = Apply(Scheduled, Assigned, Started, StepStarted, TaskLost, Requeued, new TaskAssigned(Job, 0, 2, NodeB, At),
            new TaskStepStarted(Job, 0, 2, 0, "Checkout code", At), new TaskFinished(Job, 0, 2, JobStatus.Success, null, At), Finished);
        Assert.Equal((2, JobStatus.Success, (NodeId?)NodeB), (state.Tasks[0].Attempt, state.Tasks[0].Status, state.Tasks[0].Node));
        Assert.Equal(JobStatus.Success, state.Status);
    }

    [Fact]
    public void A_spec_for_a_task_carries_its_index_and_attempt_on_the_template()
    {
        var state = Apply(new JobScheduled(Job, Template(parallelism: 2), At));
        var spec = state.SpecFor(state.Tasks[1]);
        Assert.Equal((1, 1), (spec.TaskIndex, spec.Attempt));
        Assert.Equal(new TaskKey(Job, 1), spec.Key);
        Assert.Equal(2, spec.TaskCount);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 1)]
    [InlineData(4, 4)]
    public void A_job_has_one_task_per_parallel_run_and_never_none(int parallelism, int tasks) =>
        Assert.Equal(tasks, Apply(new JobScheduled(Job, Template() with { Job = Definition(parallelism: parallelism) }, At)).Tasks.Length);
}
