using CircleActors.Actors.Agents;
using CircleActors.Domain.Common;
using CircleActors.Domain.Jobs;

namespace CircleActors.Actors.Scheduling;

public static class SchedulerProtocol
{
    /// <summary>
    /// A task waits for a node. Job entities send it for each waiting task when they start and
    /// again every few seconds until it is assigned, so the scheduler's queue is rebuilt after a
    /// restart or failover without a journal of its own.
    /// </summary>
    public sealed record EnqueueTask(TaskKey Task, int Attempt, string ResourceClass, DateTimeOffset QueuedAt);

    /// <summary>The task's attempt ended (or will not run): its capacity is free again.</summary>
    public sealed record ReleaseTask(TaskKey Task, int Attempt);

    /// <summary>Forward a cancel to the agent on <paramref name="Node"/> running the task (the job does not know its address).</summary>
    public sealed record CancelRunningTask(NodeId Node, TaskKey Task, int Attempt, string Reason);

    public sealed record GetNodes;

    public sealed record NodeInfo(
        NodeId Id,
        string Name,
        string Status,
        bool Drain,
        double CapacityCpus,
        int CapacityMemoryMb,
        double UsedCpus,
        int UsedMemoryMb,
        IReadOnlyList<TaskKey> Allocations,
        DateTimeOffset LastSeen,
        bool Eligible = true,
        DateTimeOffset? DrainDeadline = null,
        string Datacenter = AgentProtocol.NodeSettings.DefaultDatacenter,
        string NodeClass = "");

    public sealed record NodeList(IReadOnlyList<NodeInfo> Nodes);

    /// <summary>An operator drains a node (or stops draining it); <paramref name="Deadline"/> bounds how long its tasks may run on.</summary>
    public sealed record SetDrain(NodeId Node, bool Enable, DateTimeOffset? Deadline);

    /// <summary>An operator makes a node eligible for new tasks, or not.</summary>
    public sealed record SetEligibility(NodeId Node, bool Eligible);

    /// <summary>The node after a change; null when the scheduler does not know it.</summary>
    public sealed record NodeChanged(NodeInfo? Node);

    public sealed record GetPendingTasks;

    public sealed record PendingTask(TaskKey Task, int Attempt, string ResourceClass, DateTimeOffset QueuedAt, string Reason);

    public sealed record PendingTaskList(IReadOnlyList<PendingTask> Tasks);
}
