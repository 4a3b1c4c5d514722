using System.Formats.Tar;
using System.Net;
using System.Net.Sockets;
using CircleActors.Domain.Jobs;
using Docker.DotNet;
using Docker.DotNet.Models;
using ConfigDockerExecutor = CircleActors.Domain.Config.DockerExecutor;

namespace CircleActors.Agent.Executors.Docker;

/// <param name="AgentName">Labels every container, so a restarted agent removes only its own leftovers.</param>
/// <param name="Endpoint">The engine; <see cref="DockerEndpoint.FromEnvironment"/> when null.</param>
public sealed record DockerExecutorOptions(string AgentName, Uri? Endpoint = null)
{
    /// <summary>How long a pull of an image the engine does not have may take.</summary>
    public TimeSpan PullTimeout { get; init; } = TimeSpan.FromMinutes(10);
}

/// <summary>
/// Runs a task's steps in the primary container of a <c>docker:</c> executor: the first image,
/// started with a sleep loop in place of its entrypoint, each step an <c>exec</c> in it. The
/// other images run as service containers in the primary's network namespace, so they answer on
/// <c>localhost</c> (and on their <c>name</c>) as on CircleCI. Every container is capped at the
/// job's resource class. Images come from the local engine; one it does not have is pulled, with
/// the image's <c>auth</c> when it has one, and when that fails too the task is an infrastructure failure.
/// </summary>
/// <remarks>Thread-safe; one instance serves all of an agent's tasks and must outlive their environments.</remarks>
public sealed class DockerExecutor : IExecutor, IDisposable
{
    public const string AgentLabel = "circleactors.agent";
    public const string TaskLabel = "circleactors.task";

    // Keeps the primary container alive without its own command; only needs /bin/sh and sleep.
    private static readonly string[] KeepAlive = ["/bin/sh", "-c", "while :; do sleep 3600; done"];

    private readonly DockerExecutorOptions options;
    private readonly DockerClient client;

    public DockerExecutor(DockerExecutorOptions options)
    {
        this.options = options;
        Endpoint = options.Endpoint ?? DockerEndpoint.FromEnvironment();
        client = new DockerClientConfiguration(Endpoint).CreateClient();
    }

    public Uri Endpoint { get; }

    private long? engineCpus;

    /// <summary>
    /// The CPUs of the engine's machine, asked once: the engine's system information costs tens of
    /// milliseconds, a good share of a short job's overhead, and does not change under a running agent.
    /// </summary>
    private async Task<long> EngineCpusAsync(CancellationToken cancellationToken)
    {
        if (engineCpus is { } known) return known;
        var machine = await client.System.GetSystemInfoAsync(cancellationToken).ConfigureAwait(false);
        engineCpus = machine.NCPU;
        return machine.NCPU;
    }

    public async Task<IExecutionEnvironment> PrepareAsync(JobTaskSpec task, Action<string> output, CancellationToken cancellationToken)
    {
        if (task.Job.Executor is not ConfigDockerExecutor { Images.Count: > 0 } docker)
            throw new ExecutorException($"job {task.JobName} has no docker image to run in");
        var primary = docker.Images[0];

        // Every image is there (or pulled) before anything is created, so a missing one leaves nothing behind.
        var image = await ImageAsync(primary, output, cancellationToken).ConfigureAwait(false);
        output($"Using image {primary.Image} ({image.ID}) from this agent's Docker engine\n");
        foreach (var service in docker.Images.Skip(1))
            await ImageAsync(service, output, cancellationToken).ConfigureAwait(false);
        var limits = ContainerLimits.For(task.Job.ResourceClass, await Engine(() => EngineCpusAsync(cancellationToken), null).ConfigureAwait(false));
        output($"Resource class {task.Job.ResourceClass}: each container is limited to {limits.Describe()}\n");

        var environment = primary.Environment ?? new Dictionary<string, string>();
        // Made before the container, whose mounts cannot change later; its daemon starts with the step. The
        // socket's directory is mounted from this host, so only an engine on this host (a unix socket) can mount it.
        var remoteDocker = task.Job.Steps.Any(step => step is Domain.Config.SetupRemoteDockerStep) && Endpoint.Scheme == "unix"
            ? new RemoteDockerEngine(options.AgentName)
            : null;
        CreateContainerResponse created;
        try
        {
            created = await Engine(() => client.Containers.CreateContainerAsync(new CreateContainerParameters
            {
                Name = $"circleactors-{task.JobId.Value:N}-{task.TaskIndex}-{Guid.NewGuid().ToString("N")[..6]}",
                Image = primary.Image,
                Entrypoint = KeepAlive[..1],
                Cmd = KeepAlive[1..],
                User = primary.User,
                Env = environment.Select(e => $"{e.Key}={e.Value}").ToList(),
                Labels = Labels(task),
                HostConfig = limits.Apply(new HostConfig
                {
                    // A service's name resolves to the shared network namespace, as its hostname does on CircleCI.
                    ExtraHosts = docker.Images.Skip(1).Select(s => s.Name).OfType<string>().Distinct().Select(name => $"{name}:127.0.0.1").ToList(),
                    Binds = remoteDocker is null ? null : [remoteDocker.Bind()],
                }),
            }, cancellationToken), primary.Image).ConfigureAwait(false);
        }
        catch
        {
            if (remoteDocker is not null) await remoteDocker.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        var environmentHandle = new DockerEnvironment(this, client, created.ID, primary.User, remoteDocker);
        try
        {
            await Engine(() => client.Containers.StartContainerAsync(created.ID, new ContainerStartParameters(), cancellationToken), primary.Image).ConfigureAwait(false);
            for (var i = 1; i < docker.Images.Count; i++)
                await StartServiceAsync(task, docker.Images[i], i, created.ID, limits, environmentHandle, output, cancellationToken).ConfigureAwait(false);
            await environmentHandle.DiscoverHomeAsync(image, cancellationToken).ConfigureAwait(false);
            output($"Container {created.ID[..12]} is running; home directory {environmentHandle.HomeDirectory}\n");
            return environmentHandle;
        }
        catch
        {
            await environmentHandle.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Starts one service container in the primary's network namespace with its own entrypoint,
    /// command, user and environment, recorded in the environment first so it is removed whatever happens next.
    /// </summary>
    private async Task StartServiceAsync(JobTaskSpec task, Domain.Config.DockerImage service, int position, string primaryId, ContainerLimits limits,
        DockerEnvironment environment, Action<string> output, CancellationToken cancellationToken)
    {
        var created = await Engine(() => client.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Name = $"circleactors-{task.JobId.Value:N}-{task.TaskIndex}-{Guid.NewGuid().ToString("N")[..6]}-service{position}",
            Image = service.Image,
            Entrypoint = service.Entrypoint?.ToList(),
            Cmd = service.Command?.ToList(),
            User = service.User,
            Env = (service.Environment ?? new Dictionary<string, string>()).Select(e => $"{e.Key}={e.Value}").ToList(),
            Labels = Labels(task),
            HostConfig = limits.Apply(new HostConfig { NetworkMode = $"container:{primaryId}" }),
        }, cancellationToken), service.Image).ConfigureAwait(false);
        environment.AddServiceContainer(created.ID);
        await Engine(() => client.Containers.StartContainerAsync(created.ID, new ContainerStartParameters(), cancellationToken), service.Image).ConfigureAwait(false);
        output($"Service container {service.Name ?? service.Image} ({service.Image}) is running as {created.ID[..12]}, on localhost\n");
    }

    /// <summary>The image from the local engine, pulled first (with its <c>auth</c>) when the engine does not have it.</summary>
    private async Task<ImageInspectResponse> ImageAsync(Domain.Config.DockerImage image, Action<string> output, CancellationToken cancellationToken)
    {
        try
        {
            return await client.Images.InspectImageAsync(image.Image, cancellationToken).ConfigureAwait(false);
        }
        catch (DockerImageNotFoundException)
        {
            // Pulled below.
        }
        catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            // Pulled below.
        }
        catch (Exception ex) when (ex is HttpRequestException or SocketException or IOException or TimeoutException)
        {
            throw new ExecutorException($"cannot reach the Docker engine at {Endpoint}: {ex.Message}", ex);
        }

        output($"Image {image.Image} is not on this agent's Docker engine: pulling it{(image.Auth is null ? "" : $" as {image.Auth.Username}")}\n");
        var (name, tag) = ImageReference.Split(image.Image);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.PullTimeout);
        try
        {
            await client.Images.CreateImageAsync(new ImagesCreateParameters { FromImage = name, Tag = tag },
                image.Auth is { } auth ? new AuthConfig { Username = auth.Username, Password = auth.Password, ServerAddress = ImageReference.Registry(name) } : null,
                new Progress<JSONMessage>(), timeout.Token).ConfigureAwait(false);
            return await client.Images.InspectImageAsync(image.Image, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is DockerApiException or HttpRequestException or IOException or OperationCanceledException)
        {
            var reason = ex is OperationCanceledException ? $"no answer within {options.PullTimeout.TotalSeconds:0} s" : (ex as DockerApiException)?.ResponseBody?.Trim() ?? ex.Message;
            throw new ExecutorException($"image \"{image.Image}\" is not available on this agent's Docker engine and could not be pulled ({reason}): load or build it there first, or make its registry reachable", ex);
        }
    }

    private Dictionary<string, string> Labels(JobTaskSpec task) => new()
    {
        [AgentLabel] = options.AgentName,
        [TaskLabel] = task.Key.ToString(),
    };

    public async Task<int> RemoveLeftoversAsync(string agentName, CancellationToken cancellationToken)
    {
        var leftovers = await ListContainersAsync(agentName, cancellationToken).ConfigureAwait(false);
        foreach (var container in leftovers)
        {
            await Engine(() => client.Containers.RemoveContainerAsync(container.ID, new ContainerRemoveParameters { Force = true, RemoveVolumes = true }, cancellationToken), null)
                .ConfigureAwait(false);
        }
        return leftovers.Count + await RemoteDockerEngine.RemoveLeftoversAsync(agentName).ConfigureAwait(false);
    }

    /// <summary>Containers (running or not) labelled as this agent's.</summary>
    public async Task<IList<ContainerListResponse>> ListContainersAsync(string agentName, CancellationToken cancellationToken) =>
        await Engine(() => client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["label"] = new Dictionary<string, bool> { [$"{AgentLabel}={agentName}"] = true },
            },
        }, cancellationToken), null).ConfigureAwait(false);

    public void Dispose() => client.Dispose();

    /// <summary>Turns the engine's failures into messages a user can act on.</summary>
    internal async Task<T> Engine<T>(Func<Task<T>> call, string? image)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (DockerImageNotFoundException ex) when (image is not null)
        {
            throw new ExecutorException($"image \"{image}\" is not available on this agent's Docker engine (no registry reachable): load or build it there first", ex);
        }
        catch (DockerApiException ex) when (image is not null && ex.StatusCode == HttpStatusCode.NotFound && ex.Message.Contains("image", StringComparison.OrdinalIgnoreCase))
        {
            throw new ExecutorException($"image \"{image}\" is not available on this agent's Docker engine (no registry reachable): load or build it there first", ex);
        }
        catch (DockerApiException ex)
        {
            throw new ExecutorException($"the Docker engine at {Endpoint} refused: {ex.ResponseBody?.Trim()}", ex);
        }
        catch (Exception ex) when (ex is HttpRequestException or SocketException or IOException or TimeoutException)
        {
            throw new ExecutorException($"cannot reach the Docker engine at {Endpoint}: {ex.Message}", ex);
        }
    }

    internal Task Engine(Func<Task> call, string? image) => Engine(async () => { await call().ConfigureAwait(false); return 0; }, image);
}
