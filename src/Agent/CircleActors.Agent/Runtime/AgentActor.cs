using System.Runtime.CompilerServices;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Akka.Hosting;
using Akka.Routing;
using CircleActors.Actors.Agents;
using CircleActors.Actors.Blobs;
using CircleActors.Actors.Common;
using CircleActors.Actors.Jobs;
using CircleActors.Actors.Logs;
using CircleActors.Actors.Scheduling;
using CircleActors.Actors.TestResults;
using CircleActors.Agent.Executors;
using CircleActors.Agent.Steps;
using CircleActors.Agent.Steps.Blobs;
using CircleActors.Agent.Steps.TestResults;
using CircleActors.Domain.Jobs;
using CircleActors.Domain.Jobs.Messages;

namespace CircleActors.Agent.Runtime;

/// <summary>
/// The agent side of the agent protocol (docs/agent-protocol.md): registers with the
/// scheduler, asks for work while it has free slots, runs each assigned task with the
/// <see cref="TaskRunner"/>, extends the leases of the tasks it runs with every heartbeat, and
/// reports each task's end once its steps and output have been delivered.
/// </summary>
public sealed class AgentActor : ReceiveActor, IWithTimers
{
    private readonly AgentSettings _settings;
    private readonly IExecutor _executor;
    private readonly TaskRunner _runner;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<TaskKey, Running> _running = new();
    // Running tasks whose last lease extension no job entity answered (LeaseExtended).
    private readonly HashSet<TaskKey> _unansweredExtensions = new();
    private readonly TimeSpan _heartbeat;
    private readonly int _chunkMaxBytes;
    private long _lastAssignmentSeen;
    private bool _registered;
    private AgentProtocol.NodeSettings _nodeSettings;
    // Set once the process was told to stop (SIGTERM): the drain is the agent's own and no
    // operator may lift it; whoever asked is told when the last task has ended.
    private bool _stopping;
    private readonly List<IActorRef> _waitingForIdle = new();

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="EndedByDrain">Set when the node's drain deadline stopped the task: it then ends infrastructure_fail, to run again elsewhere.</param>
    /// <param name="CancelReason">Why the server canceled the task, for its agent log (written by the task's own thread, the outbox's one writer).</param>
    private sealed record Running(JobTaskSpec Spec, CancellationTokenSource Cancellation, TaskOutbox Outbox, StrongBox<bool> EndedByDrain, StrongBox<string?> CancelReason);

    /// <summary>Drain this node and answer <see cref="Idle"/> once no task runs (the process is stopping).</summary>
    public sealed record DrainAndStop
    {
        public static readonly DrainAndStop Instance = new();
    }

    public sealed record Idle
    {
        public static readonly Idle Instance = new();
    }

    private sealed record DrainDeadlinePassed
    {
        public static readonly DrainDeadlinePassed Instance = new();
    }

    private sealed record Heartbeat
    {
        public static readonly Heartbeat Instance = new();
    }

    private sealed record TaskEnded(JobTaskSpec Spec, TaskResult Result);

    private sealed record LeftoversRemoved(int Count);

    private sealed record MemberIsUp
    {
        public static readonly MemberIsUp Instance = new();
    }

    public AgentActor(AgentSettings settings, IExecutor executor)
    {
        _settings = settings;
        _nodeSettings = AgentProtocol.NodeSettings.Default(settings.Node);
        _executor = executor;
        var config = Context.System.Settings.Config;
        var limits = TaskLimits.Default with { MaxRunTime = config.GetTimeSpan("circleactors.agent.max-run-time", TaskLimits.Default.MaxRunTime) };
        // A node without the blob service or the test results region (agent specs with probes) runs
        // tasks without caches, workspaces, artifacts, stored test results or the circleci program.
        var registry = ActorRegistry.For(Context.System);
        _runner = new TaskRunner(executor,
            blobs: registry.TryGet<BlobServiceSingleton>(out var blobs) ? new ClusterBlobTransfer(Context.System, blobs) : null,
            testResults: registry.TryGet<TestResultsRegion>(out var testResults) && registry.TryGet<TestTimingsRegion>(out var timings)
                ? new ClusterTestResultsChannel(testResults, timings)
                : null,
            projectEnvironment: new ClusterProjectEnvironment(Context.System), limits: limits);
        _heartbeat = config.GetTimeSpan("circleactors.agent.heartbeat-interval", TimeSpan.FromSeconds(2));
        _chunkMaxBytes = config.GetInt("circleactors.agent.log-chunk-max-bytes", 65536);

        Receive<LeftoversRemoved>(removed =>
        {
            if (removed.Count > 0) _log.Info("removed {0} environments an earlier run of agent {1} left behind", removed.Count, _settings.Name);
            // Work is taken only once this node is Up: before that (joining, or weakly up while
            // another member is unreachable) its messages to the job entities may not get through,
            // and a task it took would lose its lease for nothing.
            var self = Self;
            if (((ExtendedActorSystem)Context.System).Provider is ClusterActorRefProvider)
                Cluster.Get(Context.System).RegisterOnMemberUp(() => self.Tell(MemberIsUp.Instance));
            else
                self.Tell(MemberIsUp.Instance); // a system without a cluster has no membership to wait for

        });
        Receive<MemberIsUp>(_ =>
        {
            Register();
            Timers.StartPeriodicTimer(nameof(Heartbeat), Heartbeat.Instance, _heartbeat);
        });
        Receive<AgentProtocol.AgentRegistered>(_ =>
        {
            _registered = true;
            RequestWork();
        });
        Receive<AgentProtocol.RegistrationRequired>(_ => Register());
        Receive<Heartbeat>(_ => OnHeartbeat());
        Receive<AgentProtocol.RunTask>(OnRunTask);
        Receive<AgentProtocol.CancelTask>(cancel =>
        {
            if (_running.TryGetValue(cancel.Task, out var running) && running.Spec.Attempt == cancel.Attempt)
            {
                _log.Info("canceling {0}: {1}", cancel.Task, cancel.Reason);
                running.CancelReason.Value = cancel.Reason;
                running.Cancellation.Cancel();
            }
        });
        Receive<AgentProtocol.LeaseExtended>(extended =>
        {
            if (_running.TryGetValue(extended.Task, out var running) && running.Spec.Attempt == extended.Attempt) _unansweredExtensions.Remove(extended.Task);
        });
        Receive<TaskEnded>(OnTaskEnded);
        Receive<AgentProtocol.NodeSettings>(OnNodeSettings);
        Receive<DrainDeadlinePassed>(_ =>
        {
            foreach (var running in _running.Values)
            {
                _log.Info("drain deadline passed: stopping {0}; it runs again elsewhere", running.Spec.Key);
                running.EndedByDrain.Value = true;
                running.Cancellation.Cancel();
            }
        });
        Receive<DrainAndStop>(_ =>
        {
            _stopping = true;
            _waitingForIdle.Add(Sender);
            if (!_nodeSettings.Drain) OnNodeSettings(_nodeSettings with { Drain = true });
            Scheduler.Tell(_nodeSettings);
            if (_running.Count == 0) TellIdle();
        });
    }

    /// <summary>
    /// Settings from the scheduler (an operator's drain or eligibility) or from this agent itself.
    /// The agent keeps them to claim them again when it registers with a new scheduler, and keeps
    /// the drain deadline itself, so a scheduler failover does not lose it.
    /// </summary>
    private void OnNodeSettings(AgentProtocol.NodeSettings settings)
    {
        if (_stopping && !settings.Drain)
        {
            // Stopping is this agent's own drain: an undrain from an operator cannot hold it back.
            Scheduler.Tell(_nodeSettings);
            return;
        }
        if (settings.Drain != _nodeSettings.Drain || settings.Eligible != _nodeSettings.Eligible)
            _log.Info("node {0}: {1}, {2}", _settings.Node, settings.Drain ? "draining" : "not draining", settings.Eligible ? "eligible" : "ineligible");
        _nodeSettings = settings;
        Timers.Cancel(nameof(DrainDeadlinePassed));
        if (settings is { Drain: true, DrainDeadline: { } deadline })
            Timers.StartSingleTimer(nameof(DrainDeadlinePassed), DrainDeadlinePassed.Instance, Max(TimeSpan.Zero, deadline - DateTimeOffset.UtcNow));
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private void TellIdle()
    {
        foreach (var waiting in _waitingForIdle) waiting.Tell(Idle.Instance);
        _waitingForIdle.Clear();
    }

    public static Props PropsFor(AgentSettings settings, IExecutor executor) => Props.Create(() => new AgentActor(settings, executor));

    private IActorRef Scheduler => ActorRegistry.For(Context.System).Get<SchedulerSingleton>();
    private IActorRef Jobs => ActorRegistry.For(Context.System).Get<JobRegion>();
    private IActorRef Logs => ActorRegistry.For(Context.System).Get<JobLogRegion>();

    protected override void PreStart()
    {
        // Containers a crashed run of this agent left behind go before any new task starts.
        _executor.RemoveLeftoversAsync(_settings.Name, CancellationToken.None)
            .PipeTo(Self, success: count => new LeftoversRemoved(count), failure: _ => new LeftoversRemoved(0));
    }

    protected override void PostStop()
    {
        // The actor system is going away (shutdown or downed): stop every task without a word to
        // its job. Reporting "canceled" would end the job; silence lets the lease lapse, and the
        // task runs again, here after a restart or elsewhere.
        foreach (var running in _running.Values)
        {
            running.Outbox.Abandon("the agent is stopping");
            running.Cancellation.Cancel();
        }
    }

    private void Register() =>
        Scheduler.Tell(new AgentProtocol.RegisterAgent(_settings.Node, _settings.Name, Self, _settings.CapacityCpus, _settings.CapacityMemoryMb,
            _nodeSettings, _settings.Datacenter, _settings.NodeClass));

    private void RequestWork() =>
        Scheduler.Tell(new AgentProtocol.RequestWork(_settings.Node, _settings.MaxConcurrentTasks - _running.Count, _lastAssignmentSeen, _running.Keys.ToList(), _nodeSettings));

    private void OnHeartbeat()
    {
        if (!_registered)
        {
            Register();
            return;
        }
        RequestWork();
        foreach (var running in _running.Values) ExtendLease(running.Spec);
    }

    /// <summary>
    /// Extends a task's lease through one services node, or through every one when the last
    /// extension went unanswered. The round-robin router keeps a killed services node among its
    /// routees until the cluster finds it unreachable, which can take longer than a lease, and
    /// a task whose extensions kept landing there lost its lease while it ran on.
    /// </summary>
    private void ExtendLease(JobTaskSpec spec)
    {
        var extension = new AgentProtocol.ExtendLease(spec.JobId, spec.TaskIndex, spec.Attempt, _settings.Node);
        Jobs.Tell(_unansweredExtensions.Add(spec.Key) ? extension : new Broadcast(extension));
    }

    private void OnRunTask(AgentProtocol.RunTask run)
    {
        _lastAssignmentSeen = Math.Max(_lastAssignmentSeen, run.Sequence);
        var spec = run.Spec;
        if (_running.TryGetValue(spec.Key, out var existing))
        {
            // A repeat of an assignment already running is harmless; a newer attempt replaces an abandoned one.
            if (existing.Spec.Attempt >= spec.Attempt) return;
            existing.Cancellation.Cancel();
        }

        var cancellation = new CancellationTokenSource();
        var self = Self;
        var outbox = new TaskOutbox(spec, Jobs, Logs, _chunkMaxBytes,
            reason => self.Tell(new AgentProtocol.CancelTask(spec.Key, spec.Attempt, reason)));
        var endedByDrain = new StrongBox<bool>();
        var cancelReason = new StrongBox<string?>();
        _running[spec.Key] = new Running(spec, cancellation, outbox, endedByDrain, cancelReason);
        _log.Info("running {0} (job {1} #{2}, attempt {3})", spec.Key, spec.JobName, spec.JobNumber, spec.Attempt);
        AgentLog.Write(outbox, $"agent {_settings.Name} on node {_settings.Node} runs task {spec.TaskIndex} of job {spec.JobName} #{spec.JobNumber}, attempt {spec.Attempt}");
        _unansweredExtensions.Remove(spec.Key);
        ExtendLease(spec);

        RunAsync(spec, outbox, endedByDrain, cancelReason, cancellation.Token).PipeTo(self, success: result => new TaskEnded(spec, result),
            failure: ex => new TaskEnded(spec, new TaskResult(TaskOutcome.InfrastructureFail, ex.GetBaseException().Message)));
    }

    /// <summary>Runs off the actor's thread: it must not touch the actor's state or context.</summary>
    private async Task<TaskResult> RunAsync(JobTaskSpec spec, TaskOutbox outbox, StrongBox<bool> endedByDrain, StrongBox<string?> cancelReason,
        CancellationToken cancellationToken)
    {
        var result = await _runner.RunAsync(spec, outbox, cancellationToken).ConfigureAwait(false);
        if (cancelReason.Value is { } why) AgentLog.Write(outbox, $"canceled by the server: {why}");
        if (endedByDrain.Value) result = new TaskResult(TaskOutcome.InfrastructureFail, "the node's drain deadline passed");
        AgentLog.Write(outbox, $"task ended {result.Status}{(result.Reason is { } reason ? ": " + reason : "")}");
        outbox.TaskFinished(result.Outcome switch
        {
            TaskOutcome.Success => JobStatus.Success,
            TaskOutcome.Failed => JobStatus.Failed,
            TaskOutcome.Canceled => JobStatus.Canceled,
            _ => JobStatus.InfrastructureFail,
        }, result.Reason);
        await outbox.DrainAsync().ConfigureAwait(false);
        return result;
    }

    private void OnTaskEnded(TaskEnded ended)
    {
        var spec = ended.Spec;
        if (_running.TryGetValue(spec.Key, out var running) && running.Spec.Attempt == spec.Attempt)
        {
            _running.Remove(spec.Key);
            _unansweredExtensions.Remove(spec.Key);
            running.Cancellation.Dispose();
        }
        _log.Info("{0} ended {1}{2}", spec.Key, ended.Result.Status, ended.Result.Reason is { } reason ? ": " + reason : "");
        RequestWork();
        if (_stopping && _running.Count == 0) TellIdle();
    }
}
