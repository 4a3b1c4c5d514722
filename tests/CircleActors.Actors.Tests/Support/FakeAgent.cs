using System.Collections.Concurrent;
using Akka.Actor;
using CircleActors.Actors.Agents;
using CircleActors.Actors.Common;
using CircleActors.Domain.Common;
using CircleActors.Domain.Config;
using CircleActors.Domain.Jobs;
using CircleActors.Domain.Jobs.Messages;

namespace CircleActors.Actors.Tests.Support;

/// <summary>
/// An agent without an executor: it registers with the scheduler, asks for work, and runs each
/// task by reporting every step started and succeeded and the task succeeded, with lease
/// heartbeats meanwhile. A task it is told to hold reports its first step started and then
/// stays running (heartbeats go on) until the node stops.
/// </summary>
public sealed class FakeAgent : ReceiveActor, IWithTimers
{
    private readonly IActorRef _scheduler;
    private readonly IActorRef _jobs;
    private readonly NodeId _node;
    private readonly Func<JobTaskSpec, bool> _hold;
    private readonly ConcurrentQueue<JobTaskSpec> _received;
    private readonly Dictionary<TaskKey, JobTaskSpec> _running = new();
    private long _lastAssignmentSeen;

    private const int Slots = 2;

    public ITimerScheduler Timers { get; set; } = null!;

    public FakeAgent(IActorRef scheduler, IActorRef jobs, NodeId node, Func<JobTaskSpec, bool> hold, ConcurrentQueue<JobTaskSpec> received)
    {
        _scheduler = scheduler;
        _jobs = jobs;
        _node = node;
        _hold = hold;
        _received = received;

        Receive<AgentProtocol.AgentRegistered>(_ => RequestWork());
        Receive<AgentProtocol.RegistrationRequired>(_ => Register());
        Receive<AgentProtocol.RunTask>(OnRunTask);
        Receive<AgentProtocol.CancelTask>(cancel =>
        {
            if (_running.TryGetValue(cancel.Task, out var spec) && spec.Attempt == cancel.Attempt) _running.Remove(cancel.Task);
        });
        Receive<TaskDone>(done =>
        {
            _running.Remove(done.Task);
            RequestWork();
        });
        Receive<Heartbeat>(_ =>
        {
            foreach (var spec in _running.Values) _jobs.Tell(new AgentProtocol.ExtendLease(spec.JobId, spec.TaskIndex, spec.Attempt, _node));
            RequestWork();
        });
        Receive<Status.Failure>(_ => { });
        Receive<AgentProtocol.LeaseExtended>(_ => { }); // its jobs are always reachable: nothing to escalate
    }

    public static Props PropsFor(IActorRef scheduler, IActorRef jobs, NodeId node, Func<JobTaskSpec, bool> hold, ConcurrentQueue<JobTaskSpec> received) =>
        Props.Create(() => new FakeAgent(scheduler, jobs, node, hold, received));

    private sealed record TaskDone(TaskKey Task);

    private sealed record Heartbeat
    {
        public static readonly Heartbeat Instance = new();
    }

    protected override void PreStart()
    {
        Register();
        Timers.StartPeriodicTimer(nameof(Heartbeat), Heartbeat.Instance, TimeSpan.FromMilliseconds(500));
    }

    private void Register() => _scheduler.Tell(new AgentProtocol.RegisterAgent(_node, _node.Value, Self, 4, 8192));

    private void RequestWork() =>
        _scheduler.Tell(new AgentProtocol.RequestWork(_node, Slots - _running.Count, _lastAssignmentSeen, _running.Keys.ToList()));

    private void OnRunTask(AgentProtocol.RunTask run)
    {
        var spec = run.Spec;
        _lastAssignmentSeen = Math.Max(_lastAssignmentSeen, run.Sequence);
        if (_running.ContainsKey(spec.Key)) return;
        _running[spec.Key] = spec;
        _received.Enqueue(spec);
        _jobs.Tell(new AgentProtocol.ExtendLease(spec.JobId, spec.TaskIndex, spec.Attempt, _node));
        var jobs = _jobs;
        if (_hold(spec))
        {
            Reliably.AskAsync(jobs, new JobCommands.ReportStepStarted(spec.JobId, spec.TaskIndex, spec.Attempt, 0, StepName(spec, 0)));
            return;
        }
        RunAsync(jobs, spec).PipeTo(Self, success: () => new TaskDone(spec.Key));
    }

    private static async Task RunAsync(IActorRef jobs, JobTaskSpec spec)
    {
        for (var step = 0; step < spec.Job.Steps.Count; step++)
        {
            await Reliably.AskAsync(jobs, new JobCommands.ReportStepStarted(spec.JobId, spec.TaskIndex, spec.Attempt, step, StepName(spec, step)));
            await Reliably.AskAsync(jobs, new JobCommands.ReportStepFinished(spec.JobId, spec.TaskIndex, spec.Attempt, step, 0, StepStatus.Success));
        }
        await Reliably.AskAsync(jobs, new JobCommands.ReportTaskFinished(spec.JobId, spec.TaskIndex, spec.Attempt, JobStatus.Success));
    }

    private static string StepName(JobTaskSpec spec, int index) => spec.Job.Steps.Count == 0
        ? "fake"
        : spec.Job.Steps[index] switch
        {
            RunStep run => run.DisplayName,
            CheckoutStep => "Checkout code",
            var other => other.GetType().Name,
        };
}
