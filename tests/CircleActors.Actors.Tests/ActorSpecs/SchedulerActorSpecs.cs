using Akka.Actor;
using Akka.TestKit;
using CircleActors.Actors.Agents;
using CircleActors.Actors.Jobs;
using CircleActors.Actors.Scheduling;
using CircleActors.Actors.Tests.Support;
using CircleActors.Domain.Common;
using CircleActors.Domain.Config;
using CircleActors.Domain.Jobs;
using CircleActors.Domain.Jobs.Messages;
using Xunit.Abstractions;
using static CircleActors.Actors.Tests.ActorSpecs.Samples;

namespace CircleActors.Actors.Tests.ActorSpecs;

public sealed class SchedulerActorSpecs : ActorSpec
{
    private readonly TestProbe _jobs;
    private readonly TestProbe _agent;
    private readonly IActorRef _scheduler;

    public SchedulerActorSpecs(ITestOutputHelper output) : base(output)
    {
        _jobs = ProbeFor<JobRegion>("jobs");
        _agent = CreateTestProbe("agent");
        _scheduler = Sys.ActorOf(SchedulerActor.PropsFor(Clock), "scheduler");
    }

    private async Task RegisterAgentAsync(double cpus = 4, int memoryMb = 8192)
    {
        _scheduler.Tell(new AgentProtocol.RegisterAgent(NodeA, "agent-a", _agent.Ref, cpus, memoryMb), _agent.Ref);
        Assert.Equal(NodeA, (await _agent.ExpectMsgAsync<AgentProtocol.AgentRegistered>()).Node);
    }

    private void RequestWork(int freeSlots, long lastAssignmentSeen = 0, params TaskKey[] running) =>
        _scheduler.Tell(new AgentProtocol.RequestWork(NodeA, freeSlots, lastAssignmentSeen, running), _agent.Ref);

    private JobTaskSpec Enqueue(string resourceClass = ResourceClasses.Default)
    {
        var spec = Template(resourceClass: resourceClass);
        _scheduler.Tell(new SchedulerProtocol.EnqueueTask(spec.Key, spec.Attempt, resourceClass, Clock.UtcNow));
        Clock.Advance(TimeSpan.FromSeconds(1));
        return spec;
    }

    /// <summary>The job region probe gets the assignment of <paramref name="spec"/> to node A and answers it.</summary>
    private async Task AssignmentOfAsync(JobTaskSpec spec, object reply)
    {
        var assign = await _jobs.ExpectMsgAsync<JobCommands.AssignTask>();
        Assert.Equal(new JobCommands.AssignTask(spec.JobId, spec.TaskIndex, spec.Attempt, NodeA), assign);
        _jobs.Reply(reply);
    }

    private async Task<SchedulerProtocol.NodeInfo> NodeInfoAsync() =>
        (await _scheduler.Ask<SchedulerProtocol.NodeList>(new SchedulerProtocol.GetNodes())).Nodes.Single();

    private async Task<IReadOnlyList<SchedulerProtocol.PendingTask>> PendingTasksAsync() =>
        (await _scheduler.Ask<SchedulerProtocol.PendingTaskList>(new SchedulerProtocol.GetPendingTasks())).Tasks;

    [Fact]
    public async Task An_agent_that_asked_for_work_gets_a_task_once_its_job_accepts_the_assignment()
    {
        await RegisterAgentAsync();
        RequestWork(freeSlots: 1);

        var spec = Enqueue();

        await AssignmentOfAsync(spec, new JobReplies.TaskAssignmentAccepted(spec));
        var run = await _agent.ExpectMsgAsync<AgentProtocol.RunTask>();
        Assert.Equal(1, run.Sequence);
        Assert.Equal(spec, run.Spec);
    }

    [Fact]
    public async Task A_task_waits_for_an_agent_that_asks_for_work()
    {
        await RegisterAgentAsync();
        var spec = Enqueue();
        await _jobs.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(300));

        RequestWork(freeSlots: 1);

        await AssignmentOfAsync(spec, new JobReplies.TaskAssignmentAccepted(spec));
        Assert.Equal(1, (await _agent.ExpectMsgAsync<AgentProtocol.RunTask>()).Sequence);
    }

    [Fact]
    public async Task With_one_free_slot_the_second_task_waits_until_the_agent_has_seen_the_first_and_reports_it_ended()
    {
        await RegisterAgentAsync();
        RequestWork(freeSlots: 1);
        var first = Enqueue();
        var second = Enqueue();

        await AssignmentOfAsync(first, new JobReplies.TaskAssignmentAccepted(first));
        Assert.Equal(1, (await _agent.ExpectMsgAsync<AgentProtocol.RunTask>()).Sequence);
        await _jobs.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(300));

        // A heartbeat sent before the agent saw assignment 1 still counts it against the free slot.
        RequestWork(freeSlots: 1, lastAssignmentSeen: 0);
        await _jobs.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(300));

        RequestWork(freeSlots: 1, lastAssignmentSeen: 1);

        await AssignmentOfAsync(second, new JobReplies.TaskAssignmentAccepted(second));
        var run = await _agent.ExpectMsgAsync<AgentProtocol.RunTask>();
        Assert.Equal(2, run.Sequence);
        Assert.Equal(second, run.Spec);
        Assert.Equal([second.Key], (await NodeInfoAsync()).Allocations);
    }

    [Fact]
    public async Task A_rejected_assignment_frees_the_slot_and_the_next_task_goes()
    {
        await RegisterAgentAsync();
        RequestWork(freeSlots: 1);
        var refused = Enqueue();
        var next = Enqueue();

        await AssignmentOfAsync(refused, new Rejected(RejectionKind.Conflict, "the job has finished"));
        await AssignmentOfAsync(next, new JobReplies.TaskAssignmentAccepted(next));

        var run = await _agent.ExpectMsgAsync<AgentProtocol.RunTask>();
        Assert.Equal(next, run.Spec);
        Assert.Equal([next.Key], (await NodeInfoAsync()).Allocations);
    }

    [Fact]
    public async Task An_agent_that_stops_is_shown_down()
    {
        await RegisterAgentAsync();
        Assert.Equal("ready", (await NodeInfoAsync()).Status);

        Sys.Stop(_agent.Ref);

        await AwaitAssertAsync(async () => Assert.Equal("down", (await NodeInfoAsync()).Status), TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task A_pending_task_says_no_agent_has_registered()
    {
        var spec = Enqueue();

        var pending = await PendingTasksAsync();

        Assert.Equal(new SchedulerProtocol.PendingTask(spec.Key, 1, ResourceClasses.Default, FakeClock.DefaultStart, "no agent has registered"),
            pending.Single());
    }

    [Fact]
    public async Task A_pending_task_says_which_resources_no_agent_has_free()
    {
        await RegisterAgentAsync(cpus: 2, memoryMb: 4096);
        RequestWork(freeSlots: 2);
        var medium = Enqueue();
        await AssignmentOfAsync(medium, new JobReplies.TaskAssignmentAccepted(medium));
        await _agent.ExpectMsgAsync<AgentProtocol.RunTask>();

        var large = Enqueue("large");

        var pending = await PendingTasksAsync();
        var task = pending.Single();
        Assert.Equal(large.Key, task.Task);
        Assert.Equal("no node with 4 free CPUs and 8192 MB for resource class large", task.Reason);
        await _jobs.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public async Task An_agent_the_scheduler_does_not_know_is_told_to_register()
    {
        RequestWork(freeSlots: 1);

        Assert.Equal(NodeA, (await _agent.ExpectMsgAsync<AgentProtocol.RegistrationRequired>()).Node);
    }

    [Fact]
    public async Task A_node_that_stops_asking_for_work_is_marked_down_after_the_node_timeout_and_comes_back_when_it_asks_again()
    {
        await RegisterAgentAsync();

        Clock.Advance(TimeSpan.FromSeconds(11));

        await AwaitAssertAsync(async () => Assert.Equal("down", (await NodeInfoAsync()).Status), TimeSpan.FromSeconds(3));
        RequestWork(freeSlots: 1);
        Assert.Equal("ready", (await NodeInfoAsync()).Status);
    }
}
