using Akka.Actor;
using Akka.Hosting;
using CircleActors.Actors.Common;
using CircleActors.Actors.Projects;
using CircleActors.Agent.Steps;
using CircleActors.Domain.Common;
using CircleActors.Domain.Jobs;

namespace CircleActors.Agent.Runtime;

/// <summary>
/// Asks the task's project entity (through the project region or its proxy) for the project's
/// variables and checkout credentials, which it opens with the installation's key and answers in memory.
/// </summary>
public sealed class ClusterProjectEnvironment(ActorSystem system) : IProjectEnvironment
{
    // About 30 s of asking: a project entity recovering or moving answers well within it; past
    // it the services side is not there for this task, which is then an infrastructure failure.
    private const int Attempts = 6;

    public async Task<ProjectSecrets> LoadAsync(JobTaskSpec task, CancellationToken cancellationToken)
    {
        var projects = ActorRegistry.For(system).Get<ProjectRegion>();
        object reply;
        try
        {
            reply = await Reliably.AskAsync(projects, new ProjectEnvironmentProtocol.GetProjectEnvironment(task.Project), cancellationToken, Attempts)
                .ConfigureAwait(false);
        }
        catch (AskTimeoutException ex)
        {
            throw new ProjectEnvironmentException($"project {task.Project} did not send its environment variables", ex);
        }
        return reply switch
        {
            ProjectEnvironmentProtocol.ProjectEnvironment environment =>
                new ProjectSecrets(environment.Variables, environment.Credentials ?? ProjectEnvironmentProtocol.CheckoutCredentials.None),
            Rejected rejected => throw new ProjectEnvironmentException($"cannot load the environment variables of {task.Project}: {rejected.Reason}"),
            _ => throw new ProjectEnvironmentException($"unexpected answer {reply.GetType().Name} for the environment variables of {task.Project}"),
        };
    }
}
