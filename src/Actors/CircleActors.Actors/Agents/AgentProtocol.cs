using Akka.Actor;
using CircleActors.Domain.Common;
using CircleActors.Domain.Jobs;

namespace CircleActors.Actors.Agents;

/// <summary>
/// The contract between an agent and the services nodes; docs/agent-protocol.md tells its
/// lifecycle. Agent → scheduler: <see cref="RegisterAgent"/>, <see cref="RequestWork"/>.
/// Scheduler → agent: <see cref="AgentRegistered"/>, <see cref="RunTask"/>.
/// Job entity → agent: <see cref="CancelTask"/>. Agent → job entity: <see cref="ExtendLease"/>
/// and the job's step and task reports. Agent → job log: log chunks (<see cref="Logs.LogProtocol"/>).
/// Every message may be lost or repeated; each is safe to repeat.
/// </summary>
public static class AgentProtocol
{
    /// <summary>
    /// Sent on start and whenever the agent's cluster session starts over. Capacity is what the
    /// agent offers to jobs (its machine minus what it keeps for coordination).
    /// </summary>
    public sealed record RegisterAgent(NodeId Node, string Name, IActorRef Agent, double CapacityCpus, int CapacityMemoryMb);

    public sealed record AgentRegistered(NodeId Node);

    /// <summary>The scheduler does not know the agent (it is new after a failover): register again.</summary>
    public sealed record RegistrationRequired(NodeId Node);

    /// <summary>
    /// The agent's demand: it can start <paramref name="FreeSlots"/> more tasks, counting every
    /// assignment up to <paramref name="LastAssignmentSeen"/>. Sent after registering, when a task
    /// ends, and every heartbeat interval (it doubles as the node's heartbeat).
    /// </summary>
    public sealed record RequestWork(NodeId Node, int FreeSlots, long LastAssignmentSeen, IReadOnlyList<TaskKey> Running);

    /// <summary>A task for the agent to run; <paramref name="Sequence"/> numbers assignments per node.</summary>
    public sealed record RunTask(long Sequence, JobTaskSpec Spec);

    /// <summary>Stop the task if it runs here (the job was canceled or the attempt is no longer current).</summary>
    public sealed record CancelTask(TaskKey Task, int Attempt, string Reason);

    /// <summary>The agent still runs this attempt: the job entity extends its lease.</summary>
    public sealed record ExtendLease(JobId JobId, int TaskIndex, int Attempt, NodeId Node);
}
