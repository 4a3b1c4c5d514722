using CircleActors.Domain.Config;
using CircleActors.Domain.Jobs;

namespace CircleActors.Agent.Executors;

/// <summary>Sends each task to the executor of its job's kind (docker or machine).</summary>
public sealed class ExecutorRouter(IExecutor docker, IExecutor machine) : IExecutor
{
    public Task<IExecutionEnvironment> PrepareAsync(JobTaskSpec task, Action<string> output, CancellationToken cancellationToken) =>
        task.Job.Executor switch
        {
            Domain.Config.DockerExecutor => docker.PrepareAsync(task, output, cancellationToken),
            Domain.Config.MachineExecutor => machine.PrepareAsync(task, output, cancellationToken),
            var other => throw new ExecutorException($"this agent has no {other.GetType().Name.Replace("Executor", "").ToLowerInvariant()} executor"),
        };

    public async Task<int> RemoveLeftoversAsync(string agentName, CancellationToken cancellationToken) =>
        await docker.RemoveLeftoversAsync(agentName, cancellationToken) + await machine.RemoveLeftoversAsync(agentName, cancellationToken);
}
