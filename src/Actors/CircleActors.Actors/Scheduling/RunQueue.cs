using Akka.Actor;
using CircleActors.Actors.Agents;
using CircleActors.Domain.Common;
using CircleActors.Domain.Config;
using CircleActors.Domain.Jobs;

namespace CircleActors.Actors.Scheduling;

/// <summary>
/// The scheduler's state, kept free of actor plumbing so its rules can be tested directly.
/// Tasks wait in the order they were first queued; a node takes a task when it has asked for
/// work (free slots it reported, less assignments it had not seen yet) and has free capacity
/// for the task's resource class. A node with nothing allocated takes any task, so a small
/// agent still runs a big job rather than leaving it pending forever.
/// </summary>
public sealed class RunQueue
{
    private readonly SortedSet<Waiting> _waiting = new(WaitingOrder.Instance);
    private readonly Dictionary<TaskKey, Waiting> _waitingByKey = new();
    private readonly Dictionary<NodeId, Node> _nodes = new();
    private readonly TimeSpan _nodeTimeout;

    public RunQueue(TimeSpan nodeTimeout) => _nodeTimeout = nodeTimeout;

    private sealed record Waiting(TaskKey Task, int Attempt, string ResourceClass, DateTimeOffset QueuedAt);

    public sealed record Allocation(TaskKey Task, int Attempt, double Cpus, int MemoryMb, long Sequence);

    public sealed record Assignment(TaskKey Task, int Attempt, NodeId Node, IActorRef Agent, long Sequence, DateTimeOffset QueuedAt);

    private sealed class Node(NodeId id)
    {
        public NodeId Id { get; } = id;
        public string Name = "";
        public IActorRef Agent = ActorRefs.Nobody;
        public double CapacityCpus;
        public int CapacityMemoryMb;
        public int FreeSlots;
        public long NextSequence;
        public bool Up;
        public bool Drain;
        public DateTimeOffset? DrainDeadline;
        public bool Eligible = true;
        public string Datacenter = AgentProtocol.NodeSettings.DefaultDatacenter;
        public string NodeClass = "";
        public DateTimeOffset LastSeen;

        /// <summary>Neither draining nor made ineligible: the node may be given new tasks.</summary>
        public bool Schedulable => !Drain && Eligible;

        public AgentProtocol.NodeSettings Settings => new(Id, Drain, DrainDeadline, Eligible);

        // Totals kept as allocations come and go: the scheduler asks for them for every waiting
        // task on every dispatch, so they must not cost a walk over the allocations.
        private readonly Dictionary<TaskKey, Allocation> _allocations = new();
        private int _unseen;

        public IReadOnlyDictionary<TaskKey, Allocation> Allocations => _allocations;
        public long LastAssignmentSeen { get; private set; }
        public double UsedCpus { get; private set; }
        public int UsedMemoryMb { get; private set; }

        /// <summary>Slots the agent offered, less the assignments it had not seen when it offered them.</summary>
        public int Demand => FreeSlots - _unseen;

        public bool CanTakeWork => Up && Schedulable && Demand > 0;

        public bool Fits(double cpus, int memoryMb) =>
            _allocations.Count == 0 || (UsedCpus + cpus <= CapacityCpus && UsedMemoryMb + memoryMb <= CapacityMemoryMb);

        public void Allocate(Allocation allocation)
        {
            _allocations[allocation.Task] = allocation;
            UsedCpus += allocation.Cpus;
            UsedMemoryMb += allocation.MemoryMb;
            if (allocation.Sequence > LastAssignmentSeen) _unseen++;
        }

        public bool Free(TaskKey task, Func<Allocation, bool> when)
        {
            if (!_allocations.TryGetValue(task, out var allocation) || !when(allocation)) return false;
            _allocations.Remove(task);
            UsedCpus -= allocation.Cpus;
            UsedMemoryMb -= allocation.MemoryMb;
            if (allocation.Sequence > LastAssignmentSeen) _unseen--;
            return true;
        }

        public void Saw(long sequence)
        {
            if (sequence <= LastAssignmentSeen) return;
            LastAssignmentSeen = sequence;
            _unseen = _allocations.Values.Count(a => a.Sequence > sequence);
        }

        public void FreeAll()
        {
            _allocations.Clear();
            UsedCpus = 0;
            UsedMemoryMb = 0;
            _unseen = 0;
        }
    }

    public int WaitingCount => _waiting.Count;

    /// <summary>Queues a task's attempt; false when it was already queued or allocated (a reminder).</summary>
    public bool Enqueue(TaskKey task, int attempt, string resourceClass, DateTimeOffset queuedAt)
    {
        if (IsAllocated(task, attempt)) return false;
        if (_waitingByKey.TryGetValue(task, out var existing))
        {
            if (existing.Attempt >= attempt) return false;
            _waiting.Remove(existing);
        }
        var waiting = new Waiting(task, attempt, resourceClass, queuedAt);
        _waiting.Add(waiting);
        _waitingByKey[task] = waiting;
        return true;
    }

    /// <summary>The task's attempt ended: forget it and free its capacity.</summary>
    public void Release(TaskKey task, int attempt)
    {
        if (_waitingByKey.TryGetValue(task, out var waiting) && waiting.Attempt <= attempt)
        {
            _waiting.Remove(waiting);
            _waitingByKey.Remove(task);
        }
        foreach (var node in _nodes.Values) node.Free(task, allocation => allocation.Attempt <= attempt);
    }

    /// <summary>
    /// Registers (or re-registers) a node. A node new to this scheduler takes the settings its
    /// agent claims, so a drain outlives a scheduler failover; a known node keeps the settings
    /// held here, which the scheduler then tells the agent.
    /// </summary>
    public void Register(
        NodeId id, string name, IActorRef agent, double capacityCpus, int capacityMemoryMb, DateTimeOffset now,
        AgentProtocol.NodeSettings? claimed = null, string datacenter = AgentProtocol.NodeSettings.DefaultDatacenter, string nodeClass = "")
    {
        if (!_nodes.TryGetValue(id, out var node))
        {
            _nodes[id] = node = new Node(id);
            if (claimed is not null) Apply(node, claimed);
        }
        node.Datacenter = datacenter;
        node.NodeClass = nodeClass;
        node.Name = name;
        node.Agent = agent;
        node.CapacityCpus = capacityCpus;
        node.CapacityMemoryMb = capacityMemoryMb;
        node.Up = true;
        node.LastSeen = now;
    }

    /// <summary>Records a node's demand; allocations it has seen but no longer runs are over.</summary>
    public bool RequestWork(NodeId id, int freeSlots, long lastAssignmentSeen, IReadOnlyCollection<TaskKey> running, DateTimeOffset now)
    {
        if (!_nodes.TryGetValue(id, out var node)) return false;
        node.FreeSlots = Math.Max(0, freeSlots);
        node.Saw(lastAssignmentSeen);
        // After a failover the queue is new but the agent remembers: number on from what it has seen.
        node.NextSequence = Math.Max(node.NextSequence, node.LastAssignmentSeen);
        node.LastSeen = now;
        node.Up = true;
        foreach (var stale in node.Allocations.Values.Where(a => a.Sequence <= node.LastAssignmentSeen && !running.Contains(a.Task)).ToList())
            node.Free(stale.Task, _ => true);
        return true;
    }

    /// <summary>The agent of a node, when the node is up.</summary>
    public IActorRef? AgentOf(NodeId id) => _nodes.TryGetValue(id, out var node) && node.Up ? node.Agent : null;

    /// <summary>A draining node takes no new tasks; those it runs finish (until the deadline, when one is set).</summary>
    public bool SetDrain(NodeId id, bool drain, DateTimeOffset? deadline = null)
    {
        if (!_nodes.TryGetValue(id, out var node)) return false;
        node.Drain = drain;
        node.DrainDeadline = drain ? deadline : null;
        return true;
    }

    /// <summary>An ineligible node takes no new tasks; unlike a drain, it has no deadline and no end.</summary>
    public bool SetEligibility(NodeId id, bool eligible)
    {
        if (!_nodes.TryGetValue(id, out var node)) return false;
        node.Eligible = eligible;
        return true;
    }

    /// <summary>Settings an agent gave itself (a drain on SIGTERM); false when the node is unknown.</summary>
    public bool ApplySettings(AgentProtocol.NodeSettings settings)
    {
        if (!_nodes.TryGetValue(settings.Node, out var node)) return false;
        Apply(node, settings);
        return true;
    }

    private static void Apply(Node node, AgentProtocol.NodeSettings settings)
    {
        node.Drain = settings.Drain;
        node.DrainDeadline = settings.Drain ? settings.DrainDeadline : null;
        node.Eligible = settings.Eligible;
    }

    /// <summary>The settings the scheduler holds for a node, to tell its agent.</summary>
    public AgentProtocol.NodeSettings? SettingsOf(NodeId id) => _nodes.TryGetValue(id, out var node) ? node.Settings : null;

    /// <summary>Marks down the nodes silent for longer than the node timeout; returns them with the tasks they held.</summary>
    public IReadOnlyList<DownedNode> ExpireSilentNodes(DateTimeOffset now) =>
        _nodes.Values.Where(n => n.Up && now - n.LastSeen > _nodeTimeout).ToList().Select(MarkDown).ToList();

    /// <summary>Marks down the node of a terminated agent; returns it with the tasks it held (none if it was down already).</summary>
    public IReadOnlyList<DownedNode> MarkDown(IActorRef agent) =>
        _nodes.Values.Where(n => n.Up && n.Agent.Equals(agent)).ToList().Select(MarkDown).ToList();

    /// <summary>A node just marked down and the tasks (with their attempts) that were allocated to it.</summary>
    public sealed record DownedNode(NodeId Node, IReadOnlyList<Allocation> Lost);

    private static DownedNode MarkDown(Node node)
    {
        var lost = node.Allocations.Values.ToList();
        node.Up = false;
        node.FreeSlots = 0;
        node.FreeAll();
        return new DownedNode(node.Id, lost);
    }

    /// <summary>Takes every assignment possible now, oldest task first.</summary>
    public IReadOnlyList<Assignment> Dispatch()
    {
        var assignments = new List<Assignment>();
        var takers = _nodes.Values.Where(n => n.CanTakeWork).ToList();
        foreach (var waiting in _waiting)
        {
            if (takers.Count == 0) break;
            var (cpus, memory) = ResourceClasses.SizeOf(waiting.ResourceClass);
            Node? node = null;
            foreach (var candidate in takers)
            {
                if (!candidate.Fits(cpus, memory)) continue;
                if (node is null || LessLoaded(candidate, node)) node = candidate;
            }
            if (node is null) continue;
            var sequence = ++node.NextSequence;
            node.Allocate(new Allocation(waiting.Task, waiting.Attempt, cpus, memory, sequence));
            if (!node.CanTakeWork) takers.Remove(node);
            assignments.Add(new Assignment(waiting.Task, waiting.Attempt, node.Id, node.Agent, sequence, waiting.QueuedAt));
        }
        foreach (var assigned in assignments)
        {
            _waiting.Remove(_waitingByKey[assigned.Task]);
            _waitingByKey.Remove(assigned.Task);
        }
        return assignments;
    }

    /// <summary>The least loaded node first; ties go to the smaller id, so dispatch is deterministic.</summary>
    private static bool LessLoaded(Node a, Node b)
    {
        var byLoad = (a.UsedCpus / Math.Max(a.CapacityCpus, 1)).CompareTo(b.UsedCpus / Math.Max(b.CapacityCpus, 1));
        return byLoad != 0 ? byLoad < 0 : string.CompareOrdinal(a.Id.Value, b.Id.Value) < 0;
    }

    /// <summary>The job refused an assignment (it ended, or another took it): free the slot.</summary>
    public void Unassign(Assignment assignment)
    {
        if (_nodes.TryGetValue(assignment.Node, out var node))
            node.Free(assignment.Task, allocation => allocation.Sequence == assignment.Sequence);
    }

    /// <summary>Why a waiting task has not been assigned, in words an operator can act on.</summary>
    public string PendingReason(TaskKey task)
    {
        if (!_waitingByKey.TryGetValue(task, out var waiting)) return "not waiting";
        var (cpus, memory) = ResourceClasses.SizeOf(waiting.ResourceClass);
        var up = _nodes.Values.Where(n => n.Up).ToList();
        if (_nodes.Count == 0) return "no agent has registered";
        if (up.Count == 0) return "all nodes are down";
        if (up.All(n => n.Drain)) return "all nodes are draining";
        if (up.All(n => !n.Schedulable)) return "all nodes are draining or ineligible";
        if (!up.Any(n => n.Schedulable && n.Fits(cpus, memory)))
            return $"no node with {cpus:0.##} free CPUs and {memory} MB for resource class {waiting.ResourceClass}";
        return "waiting for an agent to ask for work";
    }

    public IEnumerable<(TaskKey Task, int Attempt, string ResourceClass, DateTimeOffset QueuedAt)> WaitingTasks =>
        _waiting.Select(w => (w.Task, w.Attempt, w.ResourceClass, w.QueuedAt));

    public IEnumerable<SchedulerProtocol.NodeInfo> Nodes => _nodes.Values.OrderBy(n => n.Id.Value, StringComparer.Ordinal).Select(Info);

    public SchedulerProtocol.NodeInfo? NodeInfo(NodeId id) => _nodes.TryGetValue(id, out var node) ? Info(node) : null;

    private static SchedulerProtocol.NodeInfo Info(Node n) =>
        new(n.Id, n.Name, n.Up ? "ready" : "down", n.Drain, n.CapacityCpus, n.CapacityMemoryMb,
            n.UsedCpus, n.UsedMemoryMb, n.Allocations.Keys.ToList(), n.LastSeen, n.Eligible, n.DrainDeadline, n.Datacenter, n.NodeClass);

    private bool IsAllocated(TaskKey task, int attempt) =>
        _nodes.Values.Any(n => n.Allocations.TryGetValue(task, out var a) && a.Attempt >= attempt);

    private sealed class WaitingOrder : IComparer<Waiting>
    {
        public static readonly WaitingOrder Instance = new();

        public int Compare(Waiting? x, Waiting? y)
        {
            var byTime = x!.QueuedAt.CompareTo(y!.QueuedAt);
            if (byTime != 0) return byTime;
            var byJob = x.Task.JobId.Value.CompareTo(y.Task.JobId.Value);
            return byJob != 0 ? byJob : x.Task.TaskIndex.CompareTo(y.Task.TaskIndex);
        }
    }
}
