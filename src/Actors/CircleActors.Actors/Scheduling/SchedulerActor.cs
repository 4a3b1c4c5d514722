using Akka.Actor;
using Akka.Event;
using Akka.Hosting;
using CircleActors.Actors.Agents;
using CircleActors.Actors.Common;
using CircleActors.Actors.Jobs;
using CircleActors.Actors.Metrics;
using CircleActors.Domain.Common;
using CircleActors.Domain.Jobs.Messages;

namespace CircleActors.Actors.Scheduling;

/// <summary>
/// The cluster singleton that matches waiting tasks to agents that asked for work. Its queue
/// is soft state: job entities offer their waiting tasks again every few seconds and agents
/// report their demand with every heartbeat, so a new scheduler (after a restart or failover)
/// rebuilds it without a journal. An assignment becomes real only when the job entity has
/// persisted it; only then is the task sent to the agent.
/// </summary>
public sealed class SchedulerActor : ReceiveActor, IWithTimers
{
    private readonly RunQueue _queue;
    private readonly IClock _clock;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public ITimerScheduler Timers { get; set; } = null!;

    public SchedulerActor(IClock clock)
    {
        _clock = clock;
        _queue = new RunQueue(Context.System.Settings.Config.GetTimeSpan("circleactors.scheduler.node-timeout", TimeSpan.FromSeconds(10)));

        Receive<SchedulerProtocol.EnqueueTask>(m =>
        {
            // Most of these are reminders of tasks already queued: nothing new to dispatch.
            if (_queue.Enqueue(m.Task, m.Attempt, m.ResourceClass, m.QueuedAt)) Dispatch();
        });
        Receive<SchedulerProtocol.ReleaseTask>(m => Dispatched(() => _queue.Release(m.Task, m.Attempt)));
        Receive<AgentProtocol.RegisterAgent>(m =>
        {
            if (!IsUpMember(m.Agent))
            {
                _log.Warning("agent {0} at {1} is not an Up member of this cluster: not registered", m.Name, m.Agent.Path.Address);
                return;
            }
            _queue.Register(m.Node, m.Name, m.Agent, m.CapacityCpus, m.CapacityMemoryMb, _clock.UtcNow, m.Settings, m.Datacenter, m.NodeClass);
            Context.Watch(m.Agent);
            m.Agent.Tell(new AgentProtocol.AgentRegistered(m.Node));
            if (_queue.SettingsOf(m.Node) is { } settings && settings != (m.Settings ?? AgentProtocol.NodeSettings.Default(m.Node))) m.Agent.Tell(settings);
            _log.Info("agent {0} ({1}) registered with {2} CPUs and {3} MB", m.Name, m.Node, m.CapacityCpus, m.CapacityMemoryMb);
        });
        Receive<AgentProtocol.RequestWork>(m =>
        {
            if (!IsUpMember(Sender)) return;
            // An agent the scheduler does not know (it started after the agent registered) registers again.
            if (!_queue.RequestWork(m.Node, m.FreeSlots, m.LastAssignmentSeen, m.Running.ToHashSet(), _clock.UtcNow))
            {
                Sender.Tell(new AgentProtocol.RegistrationRequired(m.Node));
                return;
            }
            // The agent has not heard of a change (a lost directive): tell it again.
            if (m.Settings is not null && _queue.SettingsOf(m.Node) is { } settings && settings != m.Settings) Sender.Tell(settings);
            Dispatch();
        });
        Receive<AgentProtocol.NodeSettings>(m =>
        {
            if (!_queue.ApplySettings(m)) return;
            _log.Info("node {0} {1} itself", m.Node, m.Drain ? "is draining" : "stopped draining");
            Dispatch();
        });
        Receive<SchedulerProtocol.SetDrain>(m =>
        {
            if (_queue.SetDrain(m.Node, m.Enable, m.Deadline))
                _log.Info("node {0}: drain {1}{2}", m.Node, m.Enable ? "enabled" : "disabled", m.Enable && m.Deadline is { } d ? $", deadline {d:O}" : "");
            SettingsChanged(m.Node);
        });
        Receive<SchedulerProtocol.SetEligibility>(m =>
        {
            if (_queue.SetEligibility(m.Node, m.Eligible)) _log.Info("node {0}: {1}", m.Node, m.Eligible ? "eligible" : "ineligible");
            SettingsChanged(m.Node);
        });
        Receive<SchedulerProtocol.CancelRunningTask>(m =>
            _queue.AgentOf(m.Node)?.Tell(new AgentProtocol.CancelTask(m.Task, m.Attempt, m.Reason)));
        Receive<Terminated>(t => Dispatched(() => EndLostTasks(_queue.MarkDown(t.ActorRef))));
        Receive<AssignmentSettled>(OnAssignmentSettled);
        Receive<CheckNodes>(_ =>
        {
            var downed = _queue.ExpireSilentNodes(_clock.UtcNow);
            foreach (var node in downed) _log.Warning("node {0} stopped reporting: marked down", node.Node);
            EndLostTasks(downed);
        });
        Receive<SchedulerProtocol.GetNodes>(_ => Sender.Tell(new SchedulerProtocol.NodeList(_queue.Nodes.ToList())));
        Receive<SchedulerProtocol.GetPendingTasks>(_ => Sender.Tell(new SchedulerProtocol.PendingTaskList(
            _queue.WaitingTasks.Select(w => new SchedulerProtocol.PendingTask(w.Task, w.Attempt, w.ResourceClass, w.QueuedAt, _queue.PendingReason(w.Task))).ToList())));
    }

    /// <summary>
    /// Only members of this cluster get work. After a services node restarts, an agent of the
    /// old cluster can still reach it at the same address until its own session ends; work
    /// given to it then would be lost with that session.
    /// </summary>
    private bool IsUpMember(IActorRef agent)
    {
        if (((ExtendedActorSystem)Context.System).Provider is not Akka.Cluster.ClusterActorRefProvider) return true;
        var cluster = Akka.Cluster.Cluster.Get(Context.System);
        var address = agent.Path.Address.HasLocalScope ? cluster.SelfAddress : agent.Path.Address;
        return cluster.State.Members.Any(m => m.Address.Equals(address) && m.Status == Akka.Cluster.MemberStatus.Up);
    }

    /// <summary>Answers the operator, tells the node's agent its new settings, and dispatches what a node made eligible can take.</summary>
    private void SettingsChanged(NodeId node)
    {
        Sender.Tell(new SchedulerProtocol.NodeChanged(_queue.NodeInfo(node)));
        if (_queue.SettingsOf(node) is { } settings) _queue.AgentOf(node)?.Tell(settings);
        Dispatch();
    }

    /// <summary>
    /// Tells the jobs of the tasks a downed node held to end them now. Their leases would end
    /// them too, but a job entity that moved to another services node meanwhile restarts its
    /// lease in full, which pushed the rerun past 15 s.
    /// </summary>
    private void EndLostTasks(IReadOnlyList<RunQueue.DownedNode> downed)
    {
        var jobs = ActorRegistry.For(Context.System).Get<JobRegion>();
        foreach (var node in downed)
        foreach (var lost in node.Lost)
            jobs.Tell(new JobCommands.ExpireLease(lost.Task.JobId, lost.Task.TaskIndex, lost.Attempt, node.Node), ActorRefs.Nobody);
    }

    public static Props PropsFor(IClock clock) => Props.Create(() => new SchedulerActor(clock));

    protected override void PreStart() => Timers.StartPeriodicTimer(nameof(CheckNodes), CheckNodes.Instance, TimeSpan.FromSeconds(1));

    private sealed record CheckNodes
    {
        public static readonly CheckNodes Instance = new();
    }

    private sealed record AssignmentSettled(RunQueue.Assignment Assignment, object Reply);

    /// <summary>An assignment is given up (and its slot freed) after this many unanswered asks of this long.</summary>
    private const int AssignAttempts = 4;
    private static readonly TimeSpan AssignAttemptTimeout = TimeSpan.FromSeconds(3);

    private void Dispatched(Action change)
    {
        change();
        Dispatch();
    }

    private void Dispatch()
    {
        var jobs = ActorRegistry.For(Context.System).Get<JobRegion>();
        foreach (var assignment in _queue.Dispatch())
        {
            var command = new JobCommands.AssignTask(assignment.Task.JobId, assignment.Task.TaskIndex, assignment.Attempt, assignment.Node);
            // Asked again while unanswered (a repeat for the same node is accepted, nothing else
            // is): right after a node dies, the job's region can drop a first message, and the
            // slot stayed held for the whole single wait, delaying the task's rerun past 20 s.
            Reliably.AskAsync(jobs, command, maxAttempts: AssignAttempts, attemptTimeout: AssignAttemptTimeout)
                .PipeTo(Self, success: reply => new AssignmentSettled(assignment, reply), failure: ex => new AssignmentSettled(assignment, ex));
        }
    }

    private void OnAssignmentSettled(AssignmentSettled settled)
    {
        var assignment = settled.Assignment;
        if (settled.Reply is JobReplies.TaskAssignmentAccepted accepted)
        {
            assignment.Agent.Tell(new AgentProtocol.RunTask(assignment.Sequence, accepted.Spec));
            CircleMeter.RunQueueLatency.Record(Math.Max(0, (_clock.UtcNow - assignment.QueuedAt).TotalMilliseconds));
            return;
        }
        // Refused (the task ended or moved on) or unanswered: free the slot. An unanswered
        // assignment that the job did persist ends when its lease lapses.
        _log.Info("assignment of {0} to {1} not taken: {2}", assignment.Task, assignment.Node, settled.Reply);
        _queue.Unassign(assignment);
        Dispatch();
    }
}

/// <summary>Registry key of the scheduler singleton (or its proxy on agents).</summary>
public sealed class SchedulerSingleton;
