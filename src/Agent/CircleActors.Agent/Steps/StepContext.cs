using CircleActors.Agent.Executors;
using CircleActors.Agent.Steps.Blobs;
using CircleActors.Domain.Jobs;

namespace CircleActors.Agent.Steps;

/// <summary>What a step that moves files (caches, workspaces, artifacts) works with.</summary>
/// <param name="Variables">The job's environment as a run step would see it (for cache key templates).</param>
/// <param name="Say">The step's output, complete lines.</param>
public sealed record StepContext(
    JobTaskSpec Task,
    int StepIndex,
    IExecutionEnvironment Environment,
    IReadOnlyDictionary<string, string> Variables,
    IBlobTransfer Blobs,
    Action<string> Say)
{
    /// <summary>A path of the step resolved in the environment: relative to the job's working directory, <c>~</c> the home.</summary>
    public string Resolve(string path) => Environment.ResolvePath(EnvironmentPath.Combine(Task.Job.WorkingDirectory, path));
}

/// <summary>The step cannot do its work; its output says why and it fails (the build's problem, not the agent's).</summary>
public sealed class StepFailedException(string message) : Exception(message);
