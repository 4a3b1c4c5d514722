using Akka.Actor;
using CircleActors.Domain.Common;
using CircleActors.Domain.Jobs;

namespace CircleActors.Actors.Agents;

/// <summary>
/// The contract between an agent and the services nodes; docs/agent-protocol.md tells its
/// lifecycle. Agent → scheduler: <see cref="RegisterAgent"/>, <see cref="RequestWork"/>.
/// Scheduler → agent: <see cref="AgentRegistered"/>, <see cref="RunTask"/>.
/// Job entity → agent: <see cref="CancelTask"/>, <see cref="LeaseExtended"/>. Agent → job entity: <see cref="ExtendLease"/>
/// and the job's step and task reports. Agent → job log: log chunks (<see cref="Logs.LogProtocol"/>).
/// Every message may be lost or repeated; each is safe to repeat.
/// </summary>
public static class AgentProtocol
{
    /// <summary>
    /// Sent on start and whenever the agent's cluster session starts over. Capacity is what the
    /// agent offers to jobs (its machine minus what it keeps for coordination).
    /// <paramref name="Settings"/> are the scheduling settings the agent last heard of (or gave
    /// itself): a scheduler that does not know the node yet (after a failover) takes them, so a
    /// drain survives the scheduler's restart.
    /// </summary>
    public sealed record RegisterAgent(
        NodeId Node, string Name, IActorRef Agent, double CapacityCpus, int CapacityMemoryMb,
        NodeSettings? Settings = null, string Datacenter = NodeSettings.DefaultDatacenter, string NodeClass = "");

    /// <summary>
    /// A node's scheduling settings. A draining node takes no new tasks and lets those it runs
    /// finish; at <paramref name="DrainDeadline"/> the agent ends the rest as infrastructure_fail,
    /// so they run again elsewhere. An ineligible node takes no new tasks either, with no end in
    /// view. Scheduler → agent when an operator changes them (and whenever the agent's heartbeat
    /// shows it has not heard); agent → scheduler when the agent drains itself (SIGTERM).
    /// </summary>
    public sealed record NodeSettings(NodeId Node, bool Drain, DateTimeOffset? DrainDeadline, bool Eligible)
    {
        public const string DefaultDatacenter = "dc1";

        public static NodeSettings Default(NodeId node) => new(node, Drain: false, DrainDeadline: null, Eligible: true);
    }

    public sealed record AgentRegistered(NodeId Node);

    /// <summary>The scheduler does not know the agent (it is new after a failover): register again.</summary>
    public sealed record RegistrationRequired(NodeId Node);

    /// <summary>
    /// The agent's demand: it can start <paramref name="FreeSlots"/> more tasks, counting every
    /// assignment up to <paramref name="LastAssignmentSeen"/>. Sent after registering, when a task
    /// ends, and every heartbeat interval (it doubles as the node's heartbeat).
    /// <paramref name="Settings"/> are the node settings the agent holds, so the scheduler can
    /// tell it again when a change was lost.
    /// </summary>
    public sealed record RequestWork(NodeId Node, int FreeSlots, long LastAssignmentSeen, IReadOnlyList<TaskKey> Running, NodeSettings? Settings = null);

    /// <summary>A task for the agent to run; <paramref name="Sequence"/> numbers assignments per node.</summary>
    public sealed record RunTask(long Sequence, JobTaskSpec Spec);

    /// <summary>Stop the task if it runs here (the job was canceled or the attempt is no longer current).</summary>
    public sealed record CancelTask(TaskKey Task, int Attempt, string Reason);

    /// <summary>The agent still runs this attempt: the job entity extends its lease.</summary>
    public sealed record ExtendLease(JobId JobId, int TaskIndex, int Attempt, NodeId Node);

    /// <summary>
    /// The job entity's answer to <see cref="ExtendLease"/>. An agent that hears none sends its
    /// next extension to every services node: the one its router picked may be dead and not yet
    /// known to be, and a lease must not lapse on a live agent for that.
    /// </summary>
    public sealed record LeaseExtended(TaskKey Task, int Attempt);
}
