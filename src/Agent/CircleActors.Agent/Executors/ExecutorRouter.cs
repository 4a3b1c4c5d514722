using CircleActors.Domain.Config;
using CircleActors.Domain.Jobs;

namespace CircleActors.Agent.Executors;

/// <summary>
/// The executor an agent hands its task runner: sends each task to the executor for its job's
/// kind (<c>docker:</c> or <c>machine:</c>). A kind the agent has no executor for fails as an
/// infrastructure failure, so the job is retried on an agent that has one.
/// </summary>
public sealed class ExecutorRouter(IExecutor? docker, IExecutor? machine) : IExecutor
{
    public Task<IExecutionEnvironment> PrepareAsync(JobTaskSpec task, Action<string> output, CancellationToken cancellationToken)
    {
        var (executor, kind) = task.Job.Executor switch
        {
            DockerExecutor => (docker, "docker"),
            MachineExecutor => (machine, "machine"),
            var other => (null, other.GetType().Name),
        };
        return executor is null
            ? throw new ExecutorException($"this agent cannot run {kind} executors")
            : executor.PrepareAsync(task, output, cancellationToken);
    }

    public async Task<int> RemoveLeftoversAsync(string agentName, CancellationToken cancellationToken)
    {
        var removed = 0;
        foreach (var executor in new[] { docker, machine })
            if (executor is not null) removed += await executor.RemoveLeftoversAsync(agentName, cancellationToken).ConfigureAwait(false);
        return removed;
    }
}
