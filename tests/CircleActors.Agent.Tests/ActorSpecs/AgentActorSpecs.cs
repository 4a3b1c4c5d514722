using System.Text;
using Akka.Actor;
using Akka.Hosting;
using Akka.Routing;
using Akka.TestKit;
using CircleActors.Actors.Agents;
using CircleActors.Actors.Jobs;
using CircleActors.Actors.Logs;
using CircleActors.Actors.Projects;
using CircleActors.Actors.Scheduling;
using CircleActors.Agent.Executors.Fake;
using CircleActors.Agent.Runtime;
using CircleActors.Agent.Steps;
using CircleActors.Domain.Common;
using CircleActors.Domain.Config;
using CircleActors.Domain.Jobs;
using CircleActors.Domain.Jobs.Messages;
using Xunit.Abstractions;
using static CircleActors.Agent.Tests.Tasks;

namespace CircleActors.Agent.Tests.ActorSpecs;

/// <summary>
/// The agent actor against probes for the scheduler, the job region and the job log region. The
/// job and log probes answer like the services side (every report accepted, every chunk
/// stored) and still keep each message for the spec to read.
/// </summary>
public sealed class AgentActorSpecs : Akka.TestKit.Xunit2.TestKit
{
    private const string Config = """
        akka.loglevel = INFO
        circleactors.agent.heartbeat-interval = 200ms
        """;

    private static readonly NodeId Node = new("agent-1");
    private static readonly AgentSettings Settings = new(Node, "agent-1", 4, 8192, MaxConcurrentTasks: 2);

    private readonly TestProbe _scheduler;
    private readonly TestProbe _jobs;
    private readonly TestProbe _logs;
    // Whether the job probe answers lease extensions, as a reachable job entity does.
    private volatile bool _extensionsAnswered = true;

    public AgentActorSpecs(ITestOutputHelper output) : base(Config, output)
    {
        _scheduler = ProbeFor<SchedulerSingleton>("scheduler");
        _jobs = ProbeFor<JobRegion>("jobs");
        _logs = ProbeFor<JobLogRegion>("logs");
        // The project has no environment variables.
        ProbeFor<ProjectRegion>("projects").SetAutoPilot(new DelegateAutoPilot((sender, message) =>
        {
            if (message is ProjectEnvironmentProtocol.GetProjectEnvironment get)
                sender.Tell(new ProjectEnvironmentProtocol.ProjectEnvironment(get.Slug, new Dictionary<string, string>()));
            return AutoPilot.KeepRunning;
        }));
        _jobs.SetAutoPilot(new DelegateAutoPilot((sender, message) =>
        {
            if (message is IJobCommand) sender.Tell(Accepted.Instance);
            if (_extensionsAnswered && message is AgentProtocol.ExtendLease or Broadcast { Message: AgentProtocol.ExtendLease })
            {
                var extend = message as AgentProtocol.ExtendLease ?? (AgentProtocol.ExtendLease)((Broadcast)message).Message;
                sender.Tell(new AgentProtocol.LeaseExtended(new TaskKey(extend.JobId, extend.TaskIndex), extend.Attempt));
            }
            return AutoPilot.KeepRunning;
        }));
        _logs.SetAutoPilot(new DelegateAutoPilot((sender, message) =>
        {
            if (message is LogProtocol.LogChunks chunks) sender.Tell(Stored(chunks));
            return AutoPilot.KeepRunning;
        }));
    }

    /// <summary>The answer of a log that stores every chunk.</summary>
    private static LogProtocol.LogChunkAcks Stored(LogProtocol.LogChunks chunks) =>
        new(chunks.Chunks.Select(c => new LogProtocol.LogChunkAck(c.JobId, c.TaskIndex, c.Attempt, c.StepIndex, c.Offset + Encoding.UTF8.GetByteCount(c.Data), true)).ToList());

    /// <summary>Every chunk the log region has received so far, in order.</summary>
    private async Task<List<LogProtocol.LogChunk>> ChunksReceivedAsync()
    {
        var all = new List<LogProtocol.LogChunk>();
        while (_logs.HasMessages) all.AddRange((await _logs.ExpectMsgAsync<LogProtocol.LogChunks>()).Chunks);
        return all;
    }

    private static bool IsTheTaskEnd(object message) => message is JobCommands.ReportTaskFinished or JobCommands.ReportSteps { End: not null };

    private TestProbe ProbeFor<TKey>(string name)
    {
        var probe = CreateTestProbe(name);
        ActorRegistry.For(Sys).Register<TKey>(probe.Ref);
        return probe;
    }

    /// <summary>Starts an agent and answers its registration; returns it once it has asked for work.</summary>
    private async Task<IActorRef> RegisteredAgentAsync(FakeExecutor executor)
    {
        var agent = Sys.ActorOf(AgentActor.PropsFor(Settings, executor));
        var register = await _scheduler.ExpectMsgAsync<AgentProtocol.RegisterAgent>(TimeSpan.FromSeconds(5));
        Assert.Equal((Node, "agent-1", agent, 4.0, 8192), (register.Node, register.Name, register.Agent, register.CapacityCpus, register.CapacityMemoryMb));
        register.Agent.Tell(new AgentProtocol.AgentRegistered(Node), _scheduler.Ref);
        var request = await _scheduler.FishForMessageAsync<AgentProtocol.RequestWork>(_ => true);
        Assert.Equal((Node, 2, 0L), (request.Node, request.FreeSlots, request.LastAssignmentSeen));
        Assert.Empty(request.Running);
        return agent;
    }

    /// <summary>The reports of a successful run of a "Say hello" step and an "echo bye" step, in order.</summary>
    private static IJobCommand[] HelloByeReports(JobTaskSpec spec) =>
    [
        new JobCommands.ReportStepStarted(spec.JobId, 0, 1, 0, TaskRunner.SpinUpStepName),
        new JobCommands.ReportStepFinished(spec.JobId, 0, 1, 0, 0, StepStatus.Success),
        new JobCommands.ReportStepStarted(spec.JobId, 0, 1, 1, "Say hello"),
        new JobCommands.ReportStepFinished(spec.JobId, 0, 1, 1, 0, StepStatus.Success),
        new JobCommands.ReportStepStarted(spec.JobId, 0, 1, 2, "echo bye"),
        new JobCommands.ReportStepFinished(spec.JobId, 0, 1, 2, 0, StepStatus.Success),
        new JobCommands.ReportTaskFinished(spec.JobId, 0, 1, JobStatus.Success),
    ];

    /// <summary>What the job region received up to the task's end, lease extensions left out.</summary>
    private async Task<List<IJobCommand>> ReportsUntilTheEndAsync(TimeSpan max)
    {
        var reports = new List<IJobCommand>();
        await _jobs.FishForMessageAsync<object>(message =>
        {
            // Reports that queued up arrive as one batch: what matters is the order they happened in.
            if (message is JobCommands.ReportSteps batch) reports.AddRange(batch.Commands());
            else if (message is IJobCommand command) reports.Add(command);
            return IsTheTaskEnd(message);
        }, max);
        return reports;
    }

    [Fact]
    public async Task An_agent_registers_with_the_scheduler_and_asks_for_work_once_registered()
    {
        var agent = Sys.ActorOf(AgentActor.PropsFor(Settings, new FakeExecutor()));
        await _scheduler.ExpectMsgAsync<AgentProtocol.RegisterAgent>(TimeSpan.FromSeconds(5));

        // Unanswered, it registers again with each heartbeat and asks for no work.
        Assert.IsType<AgentProtocol.RegisterAgent>(await _scheduler.ExpectMsgAsync<AgentProtocol.RegisterAgent>(TimeSpan.FromSeconds(1)));

        agent.Tell(new AgentProtocol.AgentRegistered(Node), _scheduler.Ref);
        var request = await _scheduler.FishForMessageAsync<AgentProtocol.RequestWork>(_ => true);
        Assert.Equal(2, request.FreeSlots);
        // Its heartbeat is a request for work.
        await _scheduler.FishForMessageAsync<AgentProtocol.RequestWork>(_ => true, TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task An_agent_the_scheduler_does_not_know_registers_again()
    {
        var agent = await RegisteredAgentAsync(new FakeExecutor());

        agent.Tell(new AgentProtocol.RegistrationRequired(Node), _scheduler.Ref);

        await _scheduler.FishForMessageAsync<AgentProtocol.RegisterAgent>(m => m.Agent.Equals(agent));
    }

    [Fact]
    public async Task An_agent_runs_its_task_reports_each_step_and_its_output_and_ends_it_successfully()
    {
        var executor = new FakeExecutor(new FakeExecutorOptions(TimeScale: 0));
        var agent = await RegisteredAgentAsync(executor);
        var spec = Spec(DockerJob("fake:latest", new RunStep("echo hello\nsleep 5", Name: "Say hello"), new RunStep("echo bye")));

        agent.Tell(new AgentProtocol.RunTask(1, spec), _scheduler.Ref);

        Assert.Equal(new AgentProtocol.ExtendLease(spec.JobId, 0, 1, Node), await _jobs.ExpectMsgAsync<AgentProtocol.ExtendLease>());
        var reports = await ReportsUntilTheEndAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(HelloByeReports(spec), reports);

        var all = await ChunksReceivedAsync();
        var chunks = all.Where(c => c.StepIndex != LogProtocol.AgentLogStep).ToList();
        Assert.All(chunks, c => Assert.Equal((spec.JobId, 0, 1, 0L), (c.JobId, c.TaskIndex, c.Attempt, c.Offset)));
        Assert.Equal(
            [(0, "Fake environment for build task 0\n"), (1, "hello\n"), (2, "bye\n")],
            chunks.Select(c => (c.StepIndex, c.Data)));
        // The agent's own log of the task goes beside the steps', in order, each line stamped with the time.
        var agentLog = string.Concat(all.Where(c => c.StepIndex == LogProtocol.AgentLogStep).Select(c => c.Data))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line[25..]).ToList();
        Assert.Equal(4, agentLog.Count);
        Assert.StartsWith($"agent {Node.Value} on node {Node.Value} runs task 0 of job build #", agentLog[0]);
        Assert.StartsWith("environment prepared in ", agentLog[1]);
        Assert.Equal(["environment removed: FakeEnvironment", "task ended success"], agentLog[2..]);

        // Done, it asks for work again, having seen assignment 1 and running nothing.
        var request = await _scheduler.FishForMessageAsync<AgentProtocol.RequestWork>(r => r.LastAssignmentSeen == 1);
        Assert.Equal(2, request.FreeSlots);
        Assert.Empty(request.Running);
        Assert.Equal(0, executor.ActiveEnvironments);
    }

    [Fact]
    public async Task A_running_task_counts_against_the_free_slots_and_its_lease_is_extended_with_each_heartbeat()
    {
        var agent = await RegisteredAgentAsync(new FakeExecutor());
        var spec = Spec(DockerJob("fake:latest", new RunStep("sleep 60")));

        agent.Tell(new AgentProtocol.RunTask(1, spec), _scheduler.Ref);

        var request = await _scheduler.FishForMessageAsync<AgentProtocol.RequestWork>(r => r.LastAssignmentSeen == 1);
        Assert.Equal(1, request.FreeSlots);
        Assert.Equal([spec.Key], request.Running);
        var extensions = 0;
        await _jobs.FishForMessageAsync<object>(m => m is AgentProtocol.ExtendLease && ++extensions == 3, TimeSpan.FromSeconds(3));
        agent.Tell(new AgentProtocol.CancelTask(spec.Key, 1, "the spec is over"));
    }

    [Fact]
    public async Task A_lease_extension_nobody_answered_goes_to_every_services_node_until_one_is_answered()
    {
        var agent = await RegisteredAgentAsync(new FakeExecutor());
        var spec = Spec(DockerJob("fake:latest", new RunStep("sleep 60")));
        var extension = new AgentProtocol.ExtendLease(spec.JobId, 0, 1, Node);
        _extensionsAnswered = false;

        agent.Tell(new AgentProtocol.RunTask(1, spec), _scheduler.Ref);

        Assert.Equal(extension, await _jobs.FishForMessageAsync<object>(m => m is AgentProtocol.ExtendLease or Broadcast));
        var next = await _jobs.FishForMessageAsync<object>(m => m is AgentProtocol.ExtendLease or Broadcast, TimeSpan.FromSeconds(2));
        Assert.Equal(extension, Assert.IsType<Broadcast>(next).Message);
        Assert.IsType<Broadcast>(await _jobs.FishForMessageAsync<object>(m => m is AgentProtocol.ExtendLease or Broadcast, TimeSpan.FromSeconds(2)));

        // Answered again, extensions go through one node.
        _extensionsAnswered = true;
        await _jobs.FishForMessageAsync<object>(m => m is AgentProtocol.ExtendLease, TimeSpan.FromSeconds(2));
        Assert.Equal(extension, await _jobs.FishForMessageAsync<object>(m => m is AgentProtocol.ExtendLease or Broadcast, TimeSpan.FromSeconds(2)));
        agent.Tell(new AgentProtocol.CancelTask(spec.Key, 1, "the spec is over"));
    }

    [Fact]
    public async Task Reports_that_queue_behind_an_unanswered_one_go_to_the_job_together_in_order_with_the_task_end()
    {
        // The job answers the first report (the first step's start, or more when the lane started
        // late) only once the task has run every step and logged its end: all the reports after it
        // have queued up by then (the agent queues the task's end right after that line).
        var executor = new FakeExecutor(new FakeExecutorOptions(TimeScale: 0));
        var endLogged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _logs.SetAutoPilot(new DelegateAutoPilot((sender, message) =>
        {
            if (message is not LogProtocol.LogChunks chunks) return AutoPilot.KeepRunning;
            sender.Tell(Stored(chunks));
            if (chunks.Chunks.Any(c => c.Data.Contains("task ended"))) endLogged.TrySetResult();
            return AutoPilot.KeepRunning;
        }));
        var firstReport = true;
        _jobs.SetAutoPilot(new DelegateAutoPilot((sender, message) =>
        {
            if (message is not IJobCommand) return AutoPilot.KeepRunning;
            if (!firstReport) sender.Tell(Accepted.Instance);
            else
            {
                firstReport = false;
                _ = Task.Run(async () =>
                {
                    await endLogged.Task.WaitAsync(TimeSpan.FromSeconds(10));
                    sender.Tell(Accepted.Instance);
                });
            }
            return AutoPilot.KeepRunning;
        }));
        var agent = await RegisteredAgentAsync(executor);
        var spec = Spec(DockerJob("fake:latest", new RunStep("echo hello", Name: "Say hello"), new RunStep("echo bye")));

        agent.Tell(new AgentProtocol.RunTask(1, spec), _scheduler.Ref);

        var received = new List<IJobCommand>();
        await _jobs.FishForMessageAsync<object>(message =>
        {
            if (message is IJobCommand command) received.Add(command);
            return IsTheTaskEnd(message);
        }, TimeSpan.FromSeconds(10));
        // Everything behind the first report went in one message, the task's end last. When the
        // first report already carried every step (its lane started after they had all run), the
        // end was all that queued behind it, and it went alone as ReportTaskFinished.
        Assert.InRange(received.Count, 1, 2);
        Assert.True(received[^1] is JobCommands.ReportSteps { End.Status: JobStatus.Success } or JobCommands.ReportTaskFinished { Status: JobStatus.Success },
            $"the last message is {received[^1]}");
        Assert.Equal(HelloByeReports(spec), received.SelectMany(r => r is JobCommands.ReportSteps steps ? steps.Commands().Cast<IJobCommand>() : new[] { r }));
    }

    [Fact]
    public async Task A_steps_end_reaches_the_job_only_once_the_output_printed_before_it_is_stored()
    {
        var heldOutput = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var logReleased = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _logs.SetAutoPilot(new DelegateAutoPilot((sender, message) =>
        {
            if (message is not LogProtocol.LogChunks chunks) return AutoPilot.KeepRunning;
            if (!chunks.Chunks.Any(c => c.Data.Contains("hello"))) sender.Tell(Stored(chunks));
            else
            {
                heldOutput.TrySetResult();
                _ = logReleased.Task.ContinueWith(_ => sender.Tell(Stored(chunks)), TaskScheduler.Default);
            }
            return AutoPilot.KeepRunning;
        }));
        var reports = new System.Collections.Concurrent.ConcurrentQueue<IJobCommand>();
        _jobs.SetAutoPilot(new DelegateAutoPilot((sender, message) =>
        {
            if (message is IJobCommand command)
            {
                foreach (var report in command is JobCommands.ReportSteps steps ? steps.Commands().Cast<IJobCommand>() : [command]) reports.Enqueue(report);
                sender.Tell(Accepted.Instance);
            }
            return AutoPilot.KeepRunning;
        }));
        var agent = await RegisteredAgentAsync(new FakeExecutor(new FakeExecutorOptions(TimeScale: 0)));
        var spec = Spec(DockerJob("fake:latest", new RunStep("echo hello", Name: "Say hello"), new RunStep("echo bye")));

        agent.Tell(new AgentProtocol.RunTask(1, spec), _scheduler.Ref);

        // The step's output is in flight and unanswered: its end, and what queued behind it, wait.
        await heldOutput.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        Assert.DoesNotContain(reports, r => r is JobCommands.ReportStepFinished { StepIndex: 1 } or JobCommands.ReportTaskFinished);

        logReleased.SetResult();
        await AwaitAssertAsync(() => Assert.Equal(HelloByeReports(spec), reports), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Canceling_a_task_stops_its_sleeping_step_and_the_task_ends_canceled()
    {
        var executor = new FakeExecutor(new FakeExecutorOptions(TimeScale: 1));
        var agent = await RegisteredAgentAsync(executor);
        var spec = Spec(DockerJob("fake:latest", new RunStep("echo started\nsleep 60", Name: "Wait"), new RunStep("echo never")));
        agent.Tell(new AgentProtocol.RunTask(1, spec), _scheduler.Ref);
        await _logs.FishForMessageAsync<LogProtocol.LogChunks>(m => m.Chunks.Any(c => c.Data.Contains("started")), TimeSpan.FromSeconds(10));

        agent.Tell(new AgentProtocol.CancelTask(spec.Key, 1, "canceled by a user"));

        var reports = await ReportsUntilTheEndAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(new JobCommands.ReportStepFinished(spec.JobId, 0, 1, 1, null, StepStatus.Canceled), reports[^2]);
        Assert.Equal((JobStatus.Canceled, "canceled"), reports.OfType<JobCommands.ReportTaskFinished>().Select(r => (r.Status, r.Reason)).Single());
        Assert.DoesNotContain(reports, r => r is JobCommands.ReportStepStarted { StepIndex: 2 });
        await AwaitAssertAsync(() => Assert.Equal(0, executor.ActiveEnvironments));
    }

    [Fact]
    public async Task A_cancel_for_another_attempt_leaves_the_task_running()
    {
        var agent = await RegisteredAgentAsync(new FakeExecutor(new FakeExecutorOptions(TimeScale: 1)));
        var spec = Spec(DockerJob("fake:latest", new RunStep("echo started\nsleep 1\necho finished")));
        agent.Tell(new AgentProtocol.RunTask(1, spec), _scheduler.Ref);
        await _logs.FishForMessageAsync<LogProtocol.LogChunks>(m => m.Chunks.Any(c => c.Data.Contains("started")), TimeSpan.FromSeconds(10));

        agent.Tell(new AgentProtocol.CancelTask(spec.Key, 2, "a newer attempt was canceled"));

        var end = (await ReportsUntilTheEndAsync(TimeSpan.FromSeconds(5))).OfType<JobCommands.ReportTaskFinished>().Single();
        Assert.Equal(JobStatus.Success, end.Status);
    }

    [Fact]
    public async Task A_job_that_refuses_the_attempts_reports_makes_the_agent_stop_the_task()
    {
        var executor = new FakeExecutor(new FakeExecutorOptions(TimeScale: 1));
        var agent = await RegisteredAgentAsync(executor);
        var spec = Spec(DockerJob("fake:latest", new RunStep("sleep 60", Name: "Wait")));
        var finished = 0;
        _jobs.SetAutoPilot(new DelegateAutoPilot((sender, message) =>
        {
            var reports = message is JobCommands.ReportSteps batch ? batch.Commands().Cast<object>() : [message];
            if (reports.Any(r => r is JobCommands.ReportStepStarted { StepIndex: 1 }))
                sender.Tell(new Rejected(RejectionKind.Conflict, "task 0 attempt 1 is not current"));
            else if (message is IJobCommand) sender.Tell(Accepted.Instance);
            if (IsTheTaskEnd(message)) Interlocked.Increment(ref finished);
            return AutoPilot.KeepRunning;
        }));

        agent.Tell(new AgentProtocol.RunTask(1, spec), _scheduler.Ref);

        // The 60 s step is stopped and its environment destroyed; the refused attempt is not
        // reported again (the job would refuse that too), and the slot is free once more.
        await AwaitAssertAsync(() => Assert.Equal(1, executor.PreparedEnvironments), TimeSpan.FromSeconds(5));
        await AwaitAssertAsync(() => Assert.Equal(0, executor.ActiveEnvironments), TimeSpan.FromSeconds(5));
        var request = await _scheduler.FishForMessageAsync<AgentProtocol.RequestWork>(r => r.Running.Count == 0 && r.LastAssignmentSeen == 1);
        Assert.Equal(Settings.MaxConcurrentTasks, request.FreeSlots);
        Assert.Equal(0, Volatile.Read(ref finished));
    }
}
