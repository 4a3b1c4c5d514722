using Akka.Actor;
using Akka.Persistence;
using Akka.Routing;
using Akka.TestKit;
using CircleActors.Actors.Agents;
using CircleActors.Actors.Common;
using CircleActors.Actors.Jobs;
using CircleActors.Actors.Scheduling;
using CircleActors.Actors.Tests.Support;
using CircleActors.Actors.Workflows;
using CircleActors.Domain.Common;
using CircleActors.Domain.Jobs;
using CircleActors.Domain.Jobs.Messages;
using CircleActors.Domain.Workflows.Messages;
using Xunit.Abstractions;
using static CircleActors.Actors.Tests.ActorSpecs.Samples;
using static CircleActors.Domain.Jobs.Messages.JobEvents;

namespace CircleActors.Actors.Tests.ActorSpecs;

public sealed class JobEntitySpecs : ActorSpec
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(1);

    private readonly TestProbe _scheduler;
    private readonly TestProbe _workflows;
    private readonly JobTaskSpec _template = Template();

    public JobEntitySpecs(ITestOutputHelper output) : base(output)
    {
        _scheduler = ProbeFor<SchedulerSingleton>("scheduler");
        _workflows = ProbeFor<WorkflowRegion>("workflows");
    }

    private JobId Job => _template.JobId;
    private TaskKey Task0 => _template.Key;

    private IActorRef StartEntity() => Sys.ActorOf(JobEntity.PropsFor(Job.Value.ToString(), Clock));

    private async Task<object> SendAsync(IActorRef entity, IJobCommand command) => await entity.Ask<object>(command, TimeSpan.FromSeconds(3));

    private async Task<JobState> GetJobAsync(IActorRef entity) => Assert.IsType<JobState>(await SendAsync(entity, new JobQueries.GetJob(Job)));

    /// <summary>A scheduled job whose task 0 the scheduler has assigned to node A.</summary>
    private async Task<IActorRef> AssignedJobAsync()
    {
        var entity = StartEntity();
        Assert.Equal(Accepted.Instance, await SendAsync(entity, new JobCommands.ScheduleJob(Job, _template)));
        Assert.IsType<JobReplies.TaskAssignmentAccepted>(await SendAsync(entity, new JobCommands.AssignTask(Job, 0, 1, NodeA)));
        return entity;
    }

    [Fact]
    public async Task A_scheduled_job_offers_its_task_to_the_scheduler_and_again_after_the_reminder()
    {
        var entity = StartEntity();

        Assert.Equal(Accepted.Instance, await SendAsync(entity, new JobCommands.ScheduleJob(Job, _template)));

        var expected = new SchedulerProtocol.EnqueueTask(Task0, 1, _template.Job.ResourceClass, FakeClock.DefaultStart);
        Assert.Equal(expected, await _scheduler.ExpectMsgAsync<SchedulerProtocol.EnqueueTask>(TimeSpan.FromMilliseconds(150)));
        Assert.Equal(expected, await _scheduler.ExpectMsgAsync<SchedulerProtocol.EnqueueTask>(TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public async Task An_assigned_task_is_no_longer_offered()
    {
        var entity = await AssignedJobAsync();
        await _scheduler.FishForMessageAsync<SchedulerProtocol.EnqueueTask>(_ => true);

        // One reminder may already be on its way; after it nothing more is offered.
        await Task.Delay(TimeSpan.FromMilliseconds(300));
        while (_scheduler.HasMessages) await _scheduler.ReceiveOneAsync();
        await _scheduler.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(500));
        Assert.Equal(JobStatus.Queued, (await GetJobAsync(entity)).Tasks[0].Status);
    }

    [Fact]
    public async Task An_assignment_is_answered_with_the_tasks_spec()
    {
        var entity = StartEntity();
        await SendAsync(entity, new JobCommands.ScheduleJob(Job, _template));

        var reply = await SendAsync(entity, new JobCommands.AssignTask(Job, 0, 1, NodeA));

        Assert.Equal(new JobReplies.TaskAssignmentAccepted(_template), reply);
        var task = (await GetJobAsync(entity)).Tasks[0];
        Assert.Equal((JobStatus.Queued, NodeA), (task.Status, task.Node));
    }

    [Fact]
    public async Task A_lease_that_is_not_extended_ends_the_task_as_an_infrastructure_failure_and_requeues_it()
    {
        var entity = await AssignedJobAsync();

        var released = await _scheduler.FishForMessageAsync<SchedulerProtocol.ReleaseTask>(_ => true, Lease * 3);
        Assert.Equal(new SchedulerProtocol.ReleaseTask(Task0, 1), released);
        var offered = await _scheduler.FishForMessageAsync<SchedulerProtocol.EnqueueTask>(_ => true);
        Assert.Equal(2, offered.Attempt);

        var task = (await GetJobAsync(entity)).Tasks[0];
        Assert.Equal((2, JobStatus.NotRunning, (NodeId?)null), (task.Attempt, task.Status, task.Node));
        var finished = JournaledEvents(JobEntity.PersistencePrefix + Job.Value).OfType<TaskFinished>().Single();
        Assert.Equal((1, JobStatus.InfrastructureFail), (finished.Attempt, finished.Status));
        Assert.Contains(NodeA.Value, finished.Reason);
        Assert.Equal(2, JournaledEvents(JobEntity.PersistencePrefix + Job.Value).OfType<TaskRequeued>().Single().Attempt);
    }

    [Fact]
    public async Task Extending_the_lease_from_the_assigned_node_keeps_the_task_past_the_lease()
    {
        var entity = await AssignedJobAsync();

        for (var elapsed = TimeSpan.Zero; elapsed < Lease * 2.5; elapsed += Lease / 4)
        {
            entity.Tell(new AgentProtocol.ExtendLease(Job, 0, 1, NodeA), TestActor);
            // Answered, so the agent keeps extending through one services node.
            Assert.Equal(new AgentProtocol.LeaseExtended(Task0, 1), await ExpectMsgAsync<AgentProtocol.LeaseExtended>());
            await Task.Delay(Lease / 4);
        }

        var task = (await GetJobAsync(entity)).Tasks[0];
        Assert.Equal((1, JobStatus.Queued), (task.Attempt, task.Status));
        await ExpectNoMsgAsync(TimeSpan.Zero);
        Assert.Empty(JournaledEvents(JobEntity.PersistencePrefix + Job.Value).OfType<TaskFinished>());
    }

    [Fact]
    public void A_lease_extension_sent_to_every_services_node_reaches_the_job_through_a_local_region_too()
    {
        var extractor = new JobMessageExtractor();
        var extension = new AgentProtocol.ExtendLease(Job, 0, 1, NodeA);
        var broadcast = new Broadcast(extension);

        Assert.Equal(Job.Value.ToString(), extractor.EntityId(broadcast));
        Assert.Same(extension, extractor.EntityMessage(broadcast));
        Assert.Null(extractor.EntityId(new Broadcast("not an extension")));
    }

    [Fact]
    public async Task A_lease_extension_from_another_node_does_not_keep_the_task()
    {
        var entity = await AssignedJobAsync();

        entity.Tell(new AgentProtocol.ExtendLease(Job, 0, 1, NodeB), TestActor);

        Assert.Equal(new AgentProtocol.CancelTask(Task0, 1, "this attempt is no longer current"), await ExpectMsgAsync<AgentProtocol.CancelTask>());
        await _scheduler.FishForMessageAsync<SchedulerProtocol.ReleaseTask>(_ => true, Lease * 3);
    }

    [Fact]
    public async Task An_agent_extending_the_lease_of_a_stale_attempt_is_told_to_cancel_it()
    {
        var entity = await AssignedJobAsync();
        await _scheduler.FishForMessageAsync<SchedulerProtocol.EnqueueTask>(m => m.Attempt == 2, Lease * 3);

        entity.Tell(new AgentProtocol.ExtendLease(Job, 0, 1, NodeA), TestActor);

        Assert.Equal(new AgentProtocol.CancelTask(Task0, 1, "this attempt is no longer current"), await ExpectMsgAsync<AgentProtocol.CancelTask>());
    }

    [Fact]
    public async Task A_task_that_reports_its_end_finishes_the_job_and_the_workflow_hears_the_final_status()
    {
        var entity = await AssignedJobAsync();

        Assert.Equal(Accepted.Instance, await SendAsync(entity, new JobCommands.ReportStepStarted(Job, 0, 1, 0, "Spin up environment")));
        Assert.Equal(Accepted.Instance, await SendAsync(entity, new JobCommands.ReportStepFinished(Job, 0, 1, 0, 0, StepStatus.Success)));
        Assert.Equal(Accepted.Instance, await SendAsync(entity, new JobCommands.ReportStepStarted(Job, 0, 1, 1, "make test")));
        Assert.Equal(Accepted.Instance, await SendAsync(entity, new JobCommands.ReportStepFinished(Job, 0, 1, 1, 2, StepStatus.Failed)));
        Assert.Equal(Accepted.Instance, await SendAsync(entity, new JobCommands.ReportTaskFinished(Job, 0, 1, JobStatus.Failed, "step 1 failed")));

        var recorded = await _workflows.ExpectMsgAsync<WorkflowCommands.RecordJobFinished>();
        Assert.Equal(new WorkflowCommands.RecordJobFinished(_template.WorkflowId, _template.JobName, JobStatus.Failed), recorded);
        _workflows.Reply(Accepted.Instance);
        Assert.Equal(new SchedulerProtocol.ReleaseTask(Task0, 1), await _scheduler.FishForMessageAsync<SchedulerProtocol.ReleaseTask>(_ => true));

        var job = await GetJobAsync(entity);
        Assert.Equal(JobStatus.Failed, job.FinishedWith);
        Assert.Equal([StepStatus.Success, StepStatus.Failed], job.Tasks[0].Steps.Select(s => s.Status));
        // A finished task holds no lease: it never lapses into a requeue.
        await Task.Delay(Lease * 1.5);
        Assert.Empty(JournaledEvents(JobEntity.PersistencePrefix + Job.Value).OfType<TaskRequeued>());
    }

    [Fact]
    public async Task A_repeated_end_of_the_task_is_accepted_without_a_second_event()
    {
        var entity = await AssignedJobAsync();
        await SendAsync(entity, new JobCommands.ReportTaskFinished(Job, 0, 1, JobStatus.Success));

        Assert.Equal(Accepted.Instance, await SendAsync(entity, new JobCommands.ReportTaskFinished(Job, 0, 1, JobStatus.Success)));

        Assert.Single(JournaledEvents(JobEntity.PersistencePrefix + Job.Value).OfType<JobFinished>());
    }

    [Fact]
    public async Task A_job_keeps_no_snapshots_and_recovers_a_long_history_from_its_events_even_beside_a_stale_snapshot()
    {
        const int steps = AggregateEntity<JobState, IJobCommand, IJobEvent>.SnapshotInterval / 2 + 10;
        var persistenceId = JobEntity.PersistencePrefix + Job.Value;
        var entity = await AssignedJobAsync();
        for (var step = 0; step < steps; step++)
        {
            await SendAsync(entity, new JobCommands.ReportStepStarted(Job, 0, 1, step, $"step {step}"));
            await SendAsync(entity, new JobCommands.ReportStepFinished(Job, 0, 1, step, 0, StepStatus.Success));
        }
        Watch(entity);
        entity.Tell(PoisonPill.Instance);
        await ExpectTerminatedAsync(entity);

        // Past the snapshot interval, yet nothing was saved (a replay that found a snapshot would count only the events after it).
        var journaled = JournaledEvents(persistenceId).Count;
        Assert.True(journaled > AggregateEntity<JobState, IJobCommand, IJobEvent>.SnapshotInterval, $"{journaled} events replayed");
        var snapshots = Akka.Persistence.Persistence.Instance.Apply(Sys).SnapshotStoreFor(null);
        var loaded = await snapshots.Ask<LoadSnapshotResult>(new LoadSnapshot(persistenceId, SnapshotSelectionCriteria.Latest, long.MaxValue));
        Assert.Null(loaded.Snapshot);

        // A snapshot an earlier version took (here an empty job) is not read: the events are.
        snapshots.Tell(new SaveSnapshot(new SnapshotMetadata(persistenceId, 5, DateTime.UtcNow), JobState.Empty(Job)), TestActor);
        await ExpectMsgAsync<SaveSnapshotSuccess>();
        var job = await GetJobAsync(StartEntity());
        Assert.Equal(_template, job.Template);
        Assert.Equal(steps, job.Tasks[0].Steps.Count);
        Assert.All(job.Tasks[0].Steps, s => Assert.Equal(StepStatus.Success, s.Status));
    }

    [Fact]
    public async Task A_job_answers_only_what_it_has_journaled_so_a_new_incarnation_recovers_it()
    {
        var entity = await AssignedJobAsync();
        await SendAsync(entity, new JobCommands.ReportStepStarted(Job, 0, 1, 0, "Spin up environment"));
        Watch(entity);
        entity.Tell(PoisonPill.Instance);
        await ExpectTerminatedAsync(entity);

        var recovered = StartEntity();

        var job = await GetJobAsync(recovered);
        Assert.Equal(_template, job.Template);
        var task = job.Tasks[0];
        Assert.Equal((1, JobStatus.Running, (NodeId?)NodeA), (task.Attempt, task.Status, task.Node));
        Assert.Equal("Spin up environment", task.Steps.Single().Name);
        // The recovered entity restarts the lease: silence still ends the task.
        Assert.Equal(new SchedulerProtocol.ReleaseTask(Task0, 1), await _scheduler.FishForMessageAsync<SchedulerProtocol.ReleaseTask>(_ => true, Lease * 3));
    }

    [Fact]
    public async Task A_finished_job_that_recovers_tells_its_workflow_again()
    {
        var entity = await AssignedJobAsync();
        await SendAsync(entity, new JobCommands.ReportTaskFinished(Job, 0, 1, JobStatus.Success));
        await _workflows.ExpectMsgAsync<WorkflowCommands.RecordJobFinished>();
        Watch(entity);
        entity.Tell(PoisonPill.Instance);
        await ExpectTerminatedAsync(entity);

        StartEntity();

        var repeated = await _workflows.ExpectMsgAsync<WorkflowCommands.RecordJobFinished>();
        Assert.Equal(JobStatus.Success, repeated.Status);
        _workflows.Reply(Accepted.Instance);
    }
}
