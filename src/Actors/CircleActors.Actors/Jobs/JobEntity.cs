using Akka.Actor;
using Akka.Event;
using Akka.Hosting;
using Akka.Routing;
using CircleActors.Actors.Agents;
using CircleActors.Actors.Common;
using CircleActors.Actors.Scheduling;
using CircleActors.Actors.Workflows;
using CircleActors.Domain.Common;
using CircleActors.Domain.Jobs;
using CircleActors.Domain.Jobs.Messages;
using CircleActors.Domain.Workflows.Messages;
using static CircleActors.Domain.Jobs.Messages.JobEvents;

namespace CircleActors.Actors.Jobs;

/// <summary>
/// A job and its tasks. Waiting tasks are offered to the scheduler (and offered again until
/// one is taken); an assigned task holds a lease that its agent's heartbeats extend, and that
/// ends the task as infrastructure_fail when it lapses. When the job ends, its workflow is
/// told, repeatedly if need be, before the entity lets itself be forgotten.
/// </summary>
public sealed class JobEntity : AggregateEntity<JobState, IJobCommand, IJobEvent>
{
    public const string PersistencePrefix = "job-";

    private readonly TimeSpan _lease;
    private readonly TimeSpan _enqueueReminder;
    private bool _workflowNotified;

    public JobEntity(string entityId, IClock clock)
        : base(PersistencePrefix + entityId, JobState.Empty(new JobId(Guid.Parse(entityId))), clock)
    {
        var config = Context.System.Settings.Config;
        _lease = config.GetTimeSpan("circleactors.jobs.lease", TimeSpan.FromSeconds(20));
        _enqueueReminder = config.GetTimeSpan("circleactors.jobs.enqueue-reminder", TimeSpan.FromSeconds(3));

        Command<AgentProtocol.ExtendLease>(OnExtendLease);
        Command<RemindScheduler>(_ => OfferWaitingTasks());
        Command<LeaseLapsed>(lapsed => Handle(new JobCommands.ExpireLease(State.Id, lapsed.TaskIndex, lapsed.Attempt), ActorRefs.Nobody));
        Command<WorkflowNotified>(_ =>
        {
            _workflowNotified = true;
            Context.SetReceiveTimeout(TimeSpan.FromSeconds(30));
        });
    }

    public static Props PropsFor(string entityId, IClock clock) => Props.Create(() => new JobEntity(entityId, clock));

    protected override JobState Apply(JobState state, IJobEvent @event) => state.Apply(@event);

    protected override Decision<IJobEvent> Decide(JobState state, IJobCommand command, DateTimeOffset now) =>
        JobDecider.Decide(state, command, now);

    protected override bool HasUnfinishedWork => State.Exists && (!State.IsFinished || !_workflowNotified);

    // A short history (tens of events; a few hundred for a job of many steps): see AggregateEntity.TakesSnapshots.
    protected override bool TakesSnapshots => false;

    private sealed record RemindScheduler
    {
        public static readonly RemindScheduler Instance = new();
    }

    private sealed record LeaseLapsed(int TaskIndex, int Attempt);

    private sealed record WorkflowNotified
    {
        public static readonly WorkflowNotified Instance = new();
    }

    private IActorRef Scheduler => ActorRegistry.For(Context.System).Get<SchedulerSingleton>();

    protected override void OnPersisted(IJobEvent @event)
    {
        switch (@event)
        {
            case JobScheduled:
            case TaskRequeued:
                OfferWaitingTasks();
                break;
            case JobCancelRequested:
                StopRunningTasks();
                break;
            case TaskAssigned assigned:
                StartLease(assigned.TaskIndex, assigned.Attempt);
                break;
            case TaskFinished finished:
                Timers.Cancel(LeaseKey(finished.TaskIndex));
                Scheduler.Tell(new SchedulerProtocol.ReleaseTask(new TaskKey(State.Id, finished.TaskIndex), finished.Attempt));
                break;
            case JobFinished:
                Timers.CancelAll();
                NotifyWorkflow();
                break;
        }
    }

    protected override void OnRecovered()
    {
        if (!State.Exists) return;
        if (State.IsFinished)
        {
            // The workflow may not have heard before the crash; it ignores a repeat.
            NotifyWorkflow();
            return;
        }
        OfferWaitingTasks();
        if (State.CancelRequested) StopRunningTasks();
        // Leases restart in full: an agent still running the task will extend it.
        foreach (var task in State.Tasks.Where(t => t.IsAssigned)) StartLease(task.Index, task.Attempt);
    }

    private void OfferWaitingTasks()
    {
        var waiting = State.Tasks.Where(t => t.Status == JobStatus.NotRunning).ToList();
        if (waiting.Count == 0 || State.IsFinished)
        {
            Timers.Cancel(nameof(RemindScheduler));
            return;
        }
        var resourceClass = State.Template!.Job.ResourceClass;
        foreach (var task in waiting)
            Scheduler.Tell(new SchedulerProtocol.EnqueueTask(new TaskKey(State.Id, task.Index), task.Attempt, resourceClass, State.QueuedAt ?? Now));
        // The scheduler keeps its queue in memory: remind it until the tasks are taken.
        Timers.StartSingleTimer(nameof(RemindScheduler), RemindScheduler.Instance, _enqueueReminder);
    }

    /// <summary>
    /// Asks the agents of running tasks to stop them; they report canceled. If an agent is gone,
    /// the lease lapses and the task ends canceled all the same.
    /// </summary>
    private void StopRunningTasks()
    {
        foreach (var task in State.Tasks.Where(t => t.IsAssigned && t.Node is not null))
            Scheduler.Tell(new SchedulerProtocol.CancelRunningTask(task.Node!.Value, new TaskKey(State.Id, task.Index), task.Attempt, "the job was canceled"));
    }

    private void OnExtendLease(AgentProtocol.ExtendLease extend)
    {
        if (extend.TaskIndex < 0 || extend.TaskIndex >= State.Tasks.Length) return;
        var task = State.Tasks[extend.TaskIndex];
        if (task.Attempt == extend.Attempt && task.IsAssigned && task.Node == extend.Node)
        {
            StartLease(task.Index, task.Attempt);
            Sender.Tell(new AgentProtocol.LeaseExtended(new TaskKey(State.Id, task.Index), task.Attempt));
            return;
        }
        // The agent runs an attempt that is no longer current: tell it to stop.
        Sender.Tell(new AgentProtocol.CancelTask(new TaskKey(State.Id, extend.TaskIndex), extend.Attempt, "this attempt is no longer current"));
    }

    private void StartLease(int taskIndex, int attempt) =>
        Timers.StartSingleTimer(LeaseKey(taskIndex), new LeaseLapsed(taskIndex, attempt), _lease);

    private static string LeaseKey(int taskIndex) => "lease-" + taskIndex;

    private void NotifyWorkflow()
    {
        var spec = State.Template!;
        var workflows = ActorRegistry.For(Context.System).Get<WorkflowRegion>();
        var self = Self;
        var log = Log;
        Reliably.AskForAsync<Accepted>(workflows, new WorkflowCommands.RecordJobFinished(spec.WorkflowId, spec.JobName, State.Status))
            .ContinueWith(t =>
            {
                if (t.IsCompletedSuccessfully) self.Tell(WorkflowNotified.Instance);
                else log.Error(t.Exception, "workflow {0} did not take the end of job {1}", spec.WorkflowId, spec.JobName);
            });
    }
}

public sealed class JobMessageExtractor : EntityMessageExtractor
{
    public override string? EntityId(object message) => message switch
    {
        IWithJobId m => m.JobId.Value.ToString(),
        AgentProtocol.ExtendLease m => m.JobId.Value.ToString(),
        // An agent's extension to every services node (docs/agent-protocol.md): a router unwraps
        // it, but an in-process agent sends it to its local region as it is.
        Broadcast { Message: AgentProtocol.ExtendLease m } => m.JobId.Value.ToString(),
        _ => null,
    };

    public override object? EntityMessage(object message) => message is Broadcast broadcast ? broadcast.Message : base.EntityMessage(message);
}

/// <summary>Registry key of the job shard region.</summary>
public sealed class JobRegion;
