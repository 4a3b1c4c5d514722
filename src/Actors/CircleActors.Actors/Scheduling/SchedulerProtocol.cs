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
        DateTimeOffset LastSeen);

    public sealed record NodeList(IReadOnlyList<NodeInfo> Nodes);

    public sealed record GetPendingTasks;

    public sealed record PendingTask(TaskKey Task, int Attempt, string ResourceClass, DateTimeOffset QueuedAt, string Reason);

    public sealed record PendingTaskList(IReadOnlyList<PendingTask> Tasks);
}
