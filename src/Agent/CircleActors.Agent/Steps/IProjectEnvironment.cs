using CircleActors.Domain.Jobs;

namespace CircleActors.Agent.Steps;

/// <summary>
/// Where a task's project environment variables come from when it starts. They are held in
/// memory for the task only: never written to disk, never reported.
/// </summary>
public interface IProjectEnvironment
{
    /// <exception cref="ProjectEnvironmentException">The services side refused or did not answer; the task cannot run as configured.</exception>
    Task<IReadOnlyDictionary<string, string>> LoadAsync(JobTaskSpec task, CancellationToken cancellationToken);
}

/// <summary>No project variables at all (tests and tools that run steps without a server).</summary>
public sealed class NoProjectEnvironment : IProjectEnvironment
{
    public static readonly NoProjectEnvironment Instance = new();

    public Task<IReadOnlyDictionary<string, string>> LoadAsync(JobTaskSpec task, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyDictionary<string, string>>(new Dictionary<string, string>());
}

public sealed class ProjectEnvironmentException(string message, Exception? inner = null) : Exception(message, inner);
