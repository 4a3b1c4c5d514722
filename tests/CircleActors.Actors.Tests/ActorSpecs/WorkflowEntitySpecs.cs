using Akka.Actor;
using Akka.Persistence;
using Akka.TestKit;
using CircleActors.Actors.Common;
using CircleActors.Actors.Jobs;
using CircleActors.Actors.Workflows;
using CircleActors.Domain.Common;
using CircleActors.Domain.Jobs;
using CircleActors.Domain.Jobs.Messages;
using CircleActors.Domain.Pipelines.Messages;
using CircleActors.Domain.Workflows;
using CircleActors.Domain.Workflows.Messages;
using Xunit.Abstractions;
using static CircleActors.Actors.Tests.ActorSpecs.Samples;

namespace CircleActors.Actors.Tests.ActorSpecs;

public sealed class WorkflowEntitySpecs : ActorSpec
{
    private readonly TestProbe _jobs;

    public WorkflowEntitySpecs(ITestOutputHelper output) : base(output) => _jobs = ProbeFor<JobRegion>("jobs");

    private sealed record Started(IActorRef Entity, WorkflowId Id, PlannedJob A, PlannedJob B);

    /// <summary>A workflow a → b that has started; the job region has taken a's ScheduleJob.</summary>
    private async Task<Started> StartAThenBAsync()
    {
        var id = new WorkflowId(Guid.NewGuid());
        var a = Planned(id, "a");
        var b = Planned(id, "b", "a");
        var entity = Sys.ActorOf(WorkflowEntity.PropsFor(id.Value.ToString(), Clock));

        var reply = await entity.Ask<object>(new WorkflowCommands.StartWorkflow(id, "ci", Context, [a, b], Actor.System), TimeSpan.FromSeconds(3));

        Assert.Equal(Accepted.Instance, reply);
        await ScheduledAsync(a, id);
        return new Started(entity, id, a, b);
    }

    /// <summary>The job region gets <paramref name="job"/>'s ScheduleJob and accepts it.</summary>
    private async Task ScheduledAsync(PlannedJob job, WorkflowId workflow)
    {
        var schedule = await _jobs.ExpectMsgAsync<JobCommands.ScheduleJob>();
        Assert.Equal(job.JobId, schedule.JobId);
        Assert.Equal((job.JobId, job.Name, workflow, 0, 1), (schedule.Template.JobId, schedule.Template.JobName, schedule.Template.WorkflowId,
            schedule.Template.TaskIndex, schedule.Template.Attempt));
        _jobs.Reply(Accepted.Instance);
    }

    private static async Task<WorkflowState> GetWorkflowAsync(Started workflow) =>
        await workflow.Entity.Ask<WorkflowState>(new WorkflowQueries.GetWorkflow(workflow.Id), TimeSpan.FromSeconds(3));

    [Fact]
    public async Task Starting_a_workflow_schedules_only_the_jobs_without_requirements()
    {
        var workflow = await StartAThenBAsync();

        await _jobs.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(300));
        var state = await GetWorkflowAsync(workflow);
        Assert.Equal(JobStatus.Blocked, state.JobStatuses["b"]);
    }

    [Fact]
    public async Task A_job_that_succeeds_schedules_the_jobs_that_require_it()
    {
        var workflow = await StartAThenBAsync();

        var reply = await workflow.Entity.Ask<object>(new WorkflowCommands.RecordJobFinished(workflow.Id, "a", JobStatus.Success));

        Assert.Equal(Accepted.Instance, reply);
        await ScheduledAsync(workflow.B, workflow.Id);
        Assert.Null((await GetWorkflowAsync(workflow)).FinishedWith);
    }

    [Fact]
    public async Task A_job_that_fails_ends_the_workflow_failed_and_its_dependents_never_run()
    {
        var workflow = await StartAThenBAsync();

        await workflow.Entity.Ask<object>(new WorkflowCommands.RecordJobFinished(workflow.Id, "a", JobStatus.Failed));

        var state = await GetWorkflowAsync(workflow);
        Assert.Equal(WorkflowStatus.Failed, state.FinishedWith);
        Assert.Equal(JobStatus.Blocked, state.JobStatuses["b"]);
        await _jobs.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public async Task The_last_job_to_succeed_ends_the_workflow_successfully_and_a_repeated_report_changes_nothing()
    {
        var workflow = await StartAThenBAsync();
        await workflow.Entity.Ask<object>(new WorkflowCommands.RecordJobFinished(workflow.Id, "a", JobStatus.Success));
        await ScheduledAsync(workflow.B, workflow.Id);

        await workflow.Entity.Ask<object>(new WorkflowCommands.RecordJobFinished(workflow.Id, "b", JobStatus.Success));
        var repeat = await workflow.Entity.Ask<object>(new WorkflowCommands.RecordJobFinished(workflow.Id, "a", JobStatus.Success));

        Assert.Equal(Accepted.Instance, repeat);
        Assert.Equal(WorkflowStatus.Success, (await GetWorkflowAsync(workflow)).FinishedWith);
        await _jobs.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public async Task A_recovered_workflow_schedules_its_unfinished_jobs_again()
    {
        var workflow = await StartAThenBAsync();
        Watch(workflow.Entity);
        workflow.Entity.Tell(PoisonPill.Instance);
        await ExpectTerminatedAsync(workflow.Entity);

        Sys.ActorOf(WorkflowEntity.PropsFor(workflow.Id.Value.ToString(), Clock));

        await ScheduledAsync(workflow.A, workflow.Id);
        await _jobs.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public async Task A_wide_workflow_keeps_no_snapshots_and_recovers_its_whole_history_from_its_events()
    {
        var id = new WorkflowId(Guid.NewGuid());
        var persistenceId = WorkflowEntity.PersistencePrefix + id.Value;
        var jobs = Enumerable.Range(0, 120).Select(i => Planned(id, $"job-{i:000}")).ToList();
        var entity = Sys.ActorOf(WorkflowEntity.PropsFor(id.Value.ToString(), Clock));
        await entity.Ask<object>(new WorkflowCommands.StartWorkflow(id, "wide", Context, jobs, Actor.System), TimeSpan.FromSeconds(3));
        _jobs.ReceiveN(jobs.Count);
        foreach (var job in jobs)
            Assert.Equal(Accepted.Instance, await entity.Ask<object>(new WorkflowCommands.RecordJobFinished(id, job.Name, JobStatus.Success), TimeSpan.FromSeconds(3)));
        Watch(entity);
        entity.Tell(PoisonPill.Instance);
        await ExpectTerminatedAsync(entity);

        // Past the snapshot interval (a start, a schedule and an end per job, the end), yet nothing was saved.
        Assert.True(JournaledEvents(persistenceId).Count > AggregateEntity<WorkflowState, IWorkflowCommand, IWorkflowEvent>.SnapshotInterval);
        var snapshots = Akka.Persistence.Persistence.Instance.Apply(Sys).SnapshotStoreFor(null);
        var loaded = await snapshots.Ask<LoadSnapshotResult>(new LoadSnapshot(persistenceId, SnapshotSelectionCriteria.Latest, long.MaxValue));
        Assert.Null(loaded.Snapshot);

        var recovered = Sys.ActorOf(WorkflowEntity.PropsFor(id.Value.ToString(), Clock));
        var state = await recovered.Ask<WorkflowState>(new WorkflowQueries.GetWorkflow(id), TimeSpan.FromSeconds(3));
        Assert.Equal(WorkflowStatus.Success, state.FinishedWith);
        Assert.All(jobs, job => Assert.Equal(JobStatus.Success, state.JobStatuses[job.Name]));
        Assert.Equal(0, state.RunningCount);
        await _jobs.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(300));
    }
}
