using Akka.Actor;
using Akka.Event;
using Akka.Hosting;
using CircleActors.Actors.Common;
using CircleActors.Actors.Jobs;
using CircleActors.Domain.Common;
using CircleActors.Domain.Jobs;
using CircleActors.Domain.Jobs.Messages;
using CircleActors.Domain.Pipelines.Messages;
using CircleActors.Domain.Workflows;
using CircleActors.Domain.Workflows.Messages;
using static CircleActors.Domain.Workflows.Messages.WorkflowEvents;

namespace CircleActors.Actors.Workflows;

/// <summary>
/// A workflow: schedules each job entity when its requirements have succeeded and ends when
/// nothing more can run. Jobs scheduled but not yet finished are scheduled again after a
/// restart (job entities ignore the repeat).
/// </summary>
public sealed class WorkflowEntity : AggregateEntity<WorkflowState, IWorkflowCommand, IWorkflowEvent>
{
    public const string PersistencePrefix = "workflow-";

    public WorkflowEntity(string entityId, IClock clock)
        : base(PersistencePrefix + entityId, WorkflowState.Empty(new WorkflowId(Guid.Parse(entityId))), clock)
    {
    }

    public static Props PropsFor(string entityId, IClock clock) => Props.Create(() => new WorkflowEntity(entityId, clock));

    protected override WorkflowState Apply(WorkflowState state, IWorkflowEvent @event) => state.Apply(@event);

    protected override Decision<IWorkflowEvent> Decide(WorkflowState state, IWorkflowCommand command, DateTimeOffset now) =>
        WorkflowDecider.Decide(state, command, now);

    protected override bool HasUnfinishedWork => State.Exists && !State.IsFinished;

    // A history bounded by the workflow's size (each job is scheduled and ends once), all of it
    // smaller than its start event, which a snapshot would repeat whole: a 400-job workflow's
    // snapshot was 170 KB, written every 200 events. See AggregateEntity.TakesSnapshots.
    protected override bool TakesSnapshots => false;

    protected override void OnPersisted(IWorkflowEvent @event)
    {
        if (@event is WorkflowJobScheduled scheduled)
            ScheduleJob(State.Jobs[WorkflowGraph.Of(State.Jobs).PlaceOf(scheduled.JobName)]);
        else if (@event is WorkflowCanceled canceled)
            foreach (var job in State.RunningJobs) CancelJob(job, canceled.Actor);
    }

    protected override void OnRecovered()
    {
        foreach (var job in State.RunningJobs)
        {
            ScheduleJob(job);
            if (State.CancelRequested) CancelJob(job, Actor.System);
        }
    }

    private void CancelJob(PlannedJob job, Actor actor)
    {
        var jobs = ActorRegistry.For(Context.System).Get<JobRegion>();
        var log = Log;
        // A job that ended meanwhile refuses the cancel: that is fine, it reports its end anyway.
        Reliably.AskAsync(jobs, new JobCommands.CancelJob(job.JobId, actor))
            .ContinueWith(t => log.Error(t.Exception, "job {0} could not be told to cancel", job.Name), TaskContinuationOptions.OnlyOnFaulted);
    }

    private void ScheduleJob(PlannedJob job)
    {
        var jobs = ActorRegistry.For(Context.System).Get<JobRegion>();
        var template = JobTaskSpecs.TemplateFor(State.Started!, job);
        var log = Log;
        var workflowId = State.Id;
        Reliably.AskForAsync<Accepted>(jobs, new JobCommands.ScheduleJob(job.JobId, template))
            .ContinueWith(t =>
            {
                if (t.IsFaulted) log.Error(t.Exception, "job {0} of workflow {1} could not be scheduled", job.Name, workflowId);
            }, TaskContinuationOptions.OnlyOnFaulted);
    }
}

public sealed class WorkflowMessageExtractor : EntityMessageExtractor
{
    public override string? EntityId(object message) => message is IWithWorkflowId m ? m.WorkflowId.Value.ToString() : null;
}

/// <summary>Registry key of the workflow shard region.</summary>
public sealed class WorkflowRegion;
