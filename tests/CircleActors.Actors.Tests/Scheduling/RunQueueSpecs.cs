using Akka.Actor;
using CircleActors.Actors.Scheduling;
using CircleActors.Domain.Common;
using CircleActors.Domain.Jobs;

namespace CircleActors.Actors.Tests.Scheduling;

/// <summary>The scheduler's rules without an actor system: order, demand, capacity, drain, node loss and reconciliation.</summary>
public sealed class RunQueueSpecs
{
    private static readonly DateTimeOffset T0 = new(2025, 3, 14, 9, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan NodeTimeout = TimeSpan.FromSeconds(10);
    private static readonly NodeId A = new("node-a");
    private static readonly NodeId B = new("node-b");
    private static readonly IActorRef AgentA = new FakeAgent("a");
    private static readonly IActorRef AgentB = new FakeAgent("b");

    private readonly RunQueue _queue = new(NodeTimeout);

    private static TaskKey Task(int n, int index = 0) =>
        new(JobId.From(new Guid(n, 0, 0, [0, 0, 0, 0, 0, 0, 0, 0])), index);

    /// <summary>A registered node of 4 CPUs and 8 GB that asked for <paramref name="slots"/> tasks.</summary>
    private void Node(NodeId id, int slots, double cpus = 4, int memoryMb = 8192, IActorRef? agent = null)
    {
        _queue.Register(id, id.Value, agent ?? (id == A ? AgentA : AgentB), cpus, memoryMb, T0);
        _queue.RequestWork(id, slots, 0, [], T0);
    }

    private void Enqueue(TaskKey task, string resourceClass = "small", int secondsAfterT0 = 0, int attempt = 1) =>
        _queue.Enqueue(task, attempt, resourceClass, T0.AddSeconds(secondsAfterT0));

    private SchedulerProtocol.NodeInfo Info(NodeId id) => _queue.Nodes.Single(n => n.Id == id);

    [Fact]
    public void Tasks_are_assigned_in_the_order_they_were_first_queued()
    {
        Enqueue(Task(3), secondsAfterT0: 30);
        Enqueue(Task(1), secondsAfterT0: 10);
        Enqueue(Task(2), secondsAfterT0: 20);
        Node(A, slots: 3);

        var assignments = _queue.Dispatch();
        Assert.Equal([Task(1), Task(2), Task(3)], assignments.Select(a => a.Task));
        Assert.Equal([1L, 2, 3], assignments.Select(a => a.Sequence));
        Assert.All(assignments, a => Assert.Equal((A, AgentA, 1), (a.Node, a.Agent, a.Attempt)));
        Assert.Equal(0, _queue.WaitingCount);
    }

    [Fact]
    public void Tasks_queued_at_the_same_time_go_by_job_then_task_index()
    {
        Enqueue(Task(2, 0));
        Enqueue(Task(1, 1));
        Enqueue(Task(1, 0));
        Assert.Equal([Task(1, 0), Task(1, 1), Task(2, 0)], _queue.WaitingTasks.Select(w => w.Task));
    }

    [Fact]
    public void A_node_takes_no_more_tasks_than_it_asked_for()
    {
        Node(A, slots: 1);
        Enqueue(Task(1));
        Enqueue(Task(2));
        Assert.Single(_queue.Dispatch());
        Assert.Empty(_queue.Dispatch());
        Assert.Equal(1, _queue.WaitingCount);
    }

    [Fact]
    public void Assignments_the_node_had_not_seen_when_it_asked_count_against_its_demand()
    {
        Node(A, slots: 2);
        Enqueue(Task(1));
        Assert.Single(_queue.Dispatch());

        // The same request arrives again (a heartbeat sent before assignment 1 reached the agent).
        _queue.RequestWork(A, 2, 0, [], T0);
        Enqueue(Task(2));
        Enqueue(Task(3));
        Assert.Equal([Task(2)], _queue.Dispatch().Select(a => a.Task));

        // The agent has seen both and runs them; it has one slot left.
        _queue.RequestWork(A, 1, 2, [Task(1), Task(2)], T0);
        Assert.Equal([Task(3)], _queue.Dispatch().Select(a => a.Task));
    }

    [Fact]
    public void A_node_without_room_for_a_task_leaves_it_waiting_and_takes_smaller_ones()
    {
        Node(A, slots: 5, cpus: 4, memoryMb: 8192);
        Enqueue(Task(1), "medium", secondsAfterT0: 1);
        Enqueue(Task(2), "large", secondsAfterT0: 2);
        Enqueue(Task(3), "small", secondsAfterT0: 3);
        Enqueue(Task(4), "small", secondsAfterT0: 4);
        Enqueue(Task(5), "small", secondsAfterT0: 5);

        Assert.Equal([Task(1), Task(3), Task(4)], _queue.Dispatch().Select(a => a.Task));
        Assert.Equal((4.0, 8192), (Info(A).UsedCpus, Info(A).UsedMemoryMb));
        Assert.Equal([Task(2), Task(5)], _queue.WaitingTasks.Select(w => w.Task));
        Assert.Equal("no node with 4 free CPUs and 8192 MB for resource class large", _queue.PendingReason(Task(2)));
    }

    [Fact]
    public void A_node_with_nothing_allocated_takes_a_task_bigger_than_itself()
    {
        Node(A, slots: 2, cpus: 1, memoryMb: 1024);
        Enqueue(Task(1), "2xlarge");
        Enqueue(Task(2), "small");
        Assert.Equal([Task(1)], _queue.Dispatch().Select(a => a.Task));
        Assert.Equal(16, Info(A).UsedCpus);
    }

    [Fact]
    public void An_unknown_resource_class_is_sized_as_medium()
    {
        Node(A, slots: 3, cpus: 4, memoryMb: 8192);
        Enqueue(Task(1), "acme/gpu-runner");
        Enqueue(Task(2), "acme/gpu-runner");
        Enqueue(Task(3), "acme/gpu-runner");
        Assert.Equal(2, _queue.Dispatch().Count);
    }

    [Fact]
    public void Work_goes_to_the_least_loaded_node_first()
    {
        Node(A, slots: 4, cpus: 4);
        Node(B, slots: 4, cpus: 8);
        for (var n = 1; n <= 4; n++) Enqueue(Task(n), "medium", secondsAfterT0: n);

        var assignments = _queue.Dispatch();
        // Ties go to the node named first; then each goes where the used share of CPUs is lowest.
        Assert.Equal([A, B, B, A], assignments.Select(a => a.Node));
        Assert.Equal([1L, 1, 2, 2], assignments.Select(a => a.Sequence));
    }

    [Fact]
    public void An_ineligible_node_takes_no_new_tasks_and_the_pending_reason_says_so()
    {
        Node(A, slots: 2);
        Node(B, slots: 2);
        Assert.True(_queue.SetDrain(A, true));
        Assert.True(_queue.SetEligibility(B, false));
        Enqueue(Task(1));

        Assert.Empty(_queue.Dispatch());
        Assert.Equal("all nodes are draining or ineligible", _queue.PendingReason(Task(1)));
        Assert.False(Info(B).Eligible);

        Assert.True(_queue.SetEligibility(B, true));
        Assert.Equal([B], _queue.Dispatch().Select(a => a.Node));
        Assert.False(_queue.SetEligibility(new NodeId("nobody"), true));
    }

    [Fact]
    public void A_drain_and_its_deadline_are_taken_from_the_agent_by_a_scheduler_that_did_not_know_the_node()
    {
        var deadline = T0.AddMinutes(5);
        _queue.Register(A, "a", AgentA, 4, 8192, T0, new Agents.AgentProtocol.NodeSettings(A, true, deadline, Eligible: false), "eu-1", "gpu");

        Assert.Equal((true, deadline, false, "eu-1", "gpu"), (Info(A).Drain, Info(A).DrainDeadline, Info(A).Eligible, Info(A).Datacenter, Info(A).NodeClass));
        // Known nodes keep the scheduler's settings: a restarted agent claiming none does not lift a drain.
        _queue.Register(A, "a", AgentA, 4, 8192, T0, Agents.AgentProtocol.NodeSettings.Default(A));
        Assert.True(Info(A).Drain);
        Assert.True(_queue.SetDrain(A, false));
        Assert.Null(Info(A).DrainDeadline);
    }

    [Fact]
    public void A_draining_node_takes_no_new_tasks_until_the_drain_is_lifted()
    {
        Node(A, slots: 2);
        Assert.True(_queue.SetDrain(A, true));
        Enqueue(Task(1));
        Assert.Empty(_queue.Dispatch());
        Assert.Equal("all nodes are draining", _queue.PendingReason(Task(1)));
        Assert.True(Info(A).Drain);

        Assert.True(_queue.SetDrain(A, false));
        Assert.Single(_queue.Dispatch());
        Assert.False(_queue.SetDrain(B, true));
    }

    [Fact]
    public void A_node_silent_for_longer_than_the_timeout_is_marked_down_and_loses_its_allocations()
    {
        Node(A, slots: 2);
        Node(B, slots: 2);
        Enqueue(Task(1));
        _queue.Dispatch();
        _queue.RequestWork(B, 2, 0, [], T0.AddSeconds(8));

        Assert.Empty(_queue.ExpireSilentNodes(T0 + NodeTimeout));
        var downed = Assert.Single(_queue.ExpireSilentNodes(T0 + NodeTimeout + TimeSpan.FromMilliseconds(1)));
        Assert.Equal(A, downed.Node);
        // The tasks it held are named, so their jobs can end them now rather than at their leases' end.
        Assert.Equal([(Task(1), 1)], downed.Lost.Select(l => (l.Task, l.Attempt)));
        Assert.Equal("down", Info(A).Status);
        Assert.Empty(Info(A).Allocations);
        Assert.Equal("ready", Info(B).Status);
        Assert.Empty(_queue.ExpireSilentNodes(T0.AddSeconds(11)));

        Enqueue(Task(2));
        Assert.Equal([B], _queue.Dispatch().Select(a => a.Node));
    }

    [Fact]
    public void A_node_that_speaks_again_after_being_marked_down_is_ready_again()
    {
        Node(A, slots: 1);
        _queue.ExpireSilentNodes(T0.AddMinutes(1));
        Enqueue(Task(1));
        Assert.Empty(_queue.Dispatch());
        Assert.Equal("all nodes are down", _queue.PendingReason(Task(1)));

        Assert.True(_queue.RequestWork(A, 1, 0, [], T0.AddMinutes(1)));
        Assert.Equal("ready", Info(A).Status);
        Assert.Single(_queue.Dispatch());
    }

    [Fact]
    public void A_node_whose_agent_terminated_is_marked_down()
    {
        Node(A, slots: 1);
        Node(B, slots: 1);
        Enqueue(Task(1));
        Assert.Equal([A], _queue.Dispatch().Select(a => a.Node));

        var downed = Assert.Single(_queue.MarkDown(AgentA));
        Assert.Equal((A, 1), (downed.Node, downed.Lost.Count));
        Assert.Equal(("down", "ready"), (Info(A).Status, Info(B).Status));
        Assert.Empty(_queue.MarkDown(AgentA)); // down already: nothing more to end
    }

    [Fact]
    public void Work_requested_by_a_node_that_never_registered_is_refused()
    {
        Assert.False(_queue.RequestWork(A, 1, 0, [], T0));
        Assert.Empty(_queue.Nodes);
    }

    [Fact]
    public void Enqueueing_a_task_again_keeps_one_place_in_the_queue_for_its_newest_attempt()
    {
        Enqueue(Task(1), secondsAfterT0: 5);
        Enqueue(Task(1), secondsAfterT0: 50);
        Assert.Equal([(Task(1), 1, T0.AddSeconds(5))], _queue.WaitingTasks.Select(w => (w.Task, w.Attempt, w.QueuedAt)));

        Enqueue(Task(1), secondsAfterT0: 60, attempt: 2);
        Enqueue(Task(1), secondsAfterT0: 70, attempt: 1);
        Assert.Equal([(Task(1), 2)], _queue.WaitingTasks.Select(w => (w.Task, w.Attempt)));
    }

    [Fact]
    public void A_task_enqueued_again_while_assigned_is_not_assigned_twice()
    {
        Node(A, slots: 2);
        Enqueue(Task(1));
        _queue.Dispatch();
        Enqueue(Task(1));
        Assert.Equal(0, _queue.WaitingCount);
        Assert.Empty(_queue.Dispatch());
    }

    [Fact]
    public void A_requeued_attempt_waits_even_while_its_previous_attempt_is_still_allocated()
    {
        Node(A, slots: 2);
        Enqueue(Task(1));
        _queue.Dispatch();
        Enqueue(Task(1), attempt: 2);
        Assert.Equal([(Task(1), 2)], _queue.WaitingTasks.Select(w => (w.Task, w.Attempt)));

        // The old attempt's release does not drop the new attempt.
        _queue.Release(Task(1), 1);
        Assert.Equal(1, _queue.WaitingCount);
    }

    [Fact]
    public void Releasing_a_task_forgets_it_and_frees_its_capacity()
    {
        Node(A, slots: 3, cpus: 4, memoryMb: 8192);
        Enqueue(Task(1), "large");
        Enqueue(Task(2), "small");
        _queue.Dispatch();
        Assert.Equal(1, _queue.WaitingCount);

        _queue.Release(Task(2), 1);
        Assert.Equal(0, _queue.WaitingCount);

        _queue.Release(Task(1), 1);
        Assert.Empty(Info(A).Allocations);
        Assert.Equal((0.0, 0), (Info(A).UsedCpus, Info(A).UsedMemoryMb));
    }

    [Fact]
    public void Releasing_an_older_attempt_keeps_the_newer_allocation()
    {
        Node(A, slots: 2);
        Enqueue(Task(1), attempt: 2);
        _queue.Dispatch();
        _queue.Release(Task(1), 1);
        Assert.Equal([Task(1)], Info(A).Allocations);
    }

    [Fact]
    public void A_refused_assignment_frees_its_slot_but_only_for_that_assignment()
    {
        Node(A, slots: 1);
        Enqueue(Task(1));
        var first = Assert.Single(_queue.Dispatch());

        _queue.Unassign(first with { Sequence = first.Sequence + 7 });
        Assert.Equal([Task(1)], Info(A).Allocations);

        _queue.Unassign(first);
        Assert.Empty(Info(A).Allocations);
        Enqueue(Task(2));
        Assert.Single(_queue.Dispatch());
    }

    [Fact]
    public void An_allocation_the_node_has_seen_but_no_longer_runs_is_over()
    {
        Node(A, slots: 2);
        Enqueue(Task(1));
        Enqueue(Task(2));
        _queue.Dispatch();

        // The agent saw assignment 1 only and does not run it (it ended, and the release was lost).
        _queue.RequestWork(A, 2, 1, [], T0);
        Assert.Equal([Task(2)], Info(A).Allocations);

        _queue.RequestWork(A, 2, 2, [Task(2)], T0);
        Assert.Equal([Task(2)], Info(A).Allocations);
    }

    [Fact]
    public void A_node_that_reports_an_older_last_seen_assignment_does_not_undo_what_it_saw()
    {
        Node(A, slots: 1);
        Enqueue(Task(1));
        _queue.Dispatch();
        _queue.RequestWork(A, 1, 1, [Task(1)], T0);
        _queue.RequestWork(A, 1, 0, [Task(1)], T0);
        Enqueue(Task(2));
        Assert.Single(_queue.Dispatch());
    }

    [Fact]
    public void After_a_scheduler_failover_new_assignments_are_numbered_after_what_the_agent_has_seen()
    {
        // A fresh queue (the scheduler singleton moved); the agent saw assignments up to 57 from the old one.
        _queue.Register(A, "a", AgentA, 4, 8192, T0);
        _queue.RequestWork(A, 1, 57, [], T0);
        Enqueue(Task(1));
        Enqueue(Task(2));

        var assignment = Assert.Single(_queue.Dispatch());
        Assert.True(assignment.Sequence > 57, $"sequence {assignment.Sequence} is one the agent has already seen");

        // A heartbeat sent before the assignment arrived must not end it as stale.
        _queue.RequestWork(A, 1, 57, [], T0);
        Assert.Equal([Task(1)], Info(A).Allocations);
    }

    [Fact]
    public void A_negative_number_of_free_slots_asks_for_nothing()
    {
        Node(A, slots: -3);
        Enqueue(Task(1));
        Assert.Empty(_queue.Dispatch());
        Assert.Equal("waiting for an agent to ask for work", _queue.PendingReason(Task(1)));
    }

    [Fact]
    public void A_pending_task_says_why_it_waits()
    {
        Enqueue(Task(1));
        Assert.Equal("not waiting", _queue.PendingReason(Task(9)));
        Assert.Equal("no agent has registered", _queue.PendingReason(Task(1)));

        _queue.Register(A, "a", AgentA, 4, 8192, T0);
        Assert.Equal("waiting for an agent to ask for work", _queue.PendingReason(Task(1)));
    }

    [Fact]
    public void A_node_reregistering_keeps_its_allocations_and_takes_its_new_capacity()
    {
        Node(A, slots: 2, cpus: 4);
        Enqueue(Task(1), "medium");
        _queue.Dispatch();
        _queue.Register(A, "renamed", AgentB, 8, 16384, T0.AddSeconds(1));
        var info = Info(A);
        Assert.Equal(("renamed", 8.0, 16384, T0.AddSeconds(1)), (info.Name, info.CapacityCpus, info.CapacityMemoryMb, info.LastSeen));
        Assert.Equal([Task(1)], info.Allocations);
        Assert.Equal(AgentB, _queue.Dispatch().Concat(Dispatched(Task(2), "medium")).Single().Agent);
    }

    private IReadOnlyList<RunQueue.Assignment> Dispatched(TaskKey task, string resourceClass)
    {
        Enqueue(task, resourceClass);
        return _queue.Dispatch();
    }

    /// <summary>An actor ref that is only a name: the run queue stores and compares refs, never sends.</summary>
    private sealed class FakeAgent(string name) : MinimalActorRef
    {
        public override ActorPath Path { get; } = new RootActorPath(new Address("akka", "specs")) / "user" / name;
        public override IActorRefProvider Provider => throw new NotSupportedException();
    }
}
