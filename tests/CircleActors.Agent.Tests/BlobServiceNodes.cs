using Akka.Actor;
using Akka.Configuration;
using CircleActors.Actors.Blobs;
using CircleActors.Actors.Hosting;
using CircleActors.Agent.Steps.Blobs;

namespace CircleActors.Agent.Tests;

/// <summary>
/// Two actor systems talking over remoting on 127.0.0.1, as a services node and an agent node
/// do: the first runs the blob service over a blob store in a temporary directory, the second
/// reaches it by address, so every message and every stream ref crosses the wire serialized.
/// </summary>
public sealed class BlobServiceNodes : IAsyncDisposable
{
    private static Config Node() => ConfigurationFactory.ParseString("""
        akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0 }
        akka.loglevel = WARNING
        """).WithFallback(AkkaConfig.Compose(null));

    private readonly ActorSystem _services;
    private readonly ActorSystem _agent;

    private BlobServiceNodes(ActorSystem services, ActorSystem agent, BlobStore store, IActorRef service)
    {
        _services = services;
        _agent = agent;
        Store = store;
        Service = service;
        Transfer = new ClusterBlobTransfer(agent, service);
    }

    public BlobStore Store { get; }

    /// <summary>The blob service as the agent node reaches it (a remote ref).</summary>
    public IActorRef Service { get; }

    /// <summary>The agent node, for specs that speak the protocol themselves.</summary>
    public ActorSystem Agent => _agent;

    /// <summary>The agent node's side of transfers.</summary>
    public IBlobTransfer Transfer { get; }

    public static async Task<BlobServiceNodes> StartAsync()
    {
        var services = ActorSystem.Create("circleactors", Node());
        var agent = ActorSystem.Create("circleactors", Node());
        var data = Directory.CreateTempSubdirectory("circleactors-blobs-");
        var store = new BlobStore(data.FullName);
        var service = services.ActorOf(BlobServiceActor.PropsFor(store), "blobs");
        var address = ((ExtendedActorSystem)services).Provider.DefaultAddress;
        var remote = await agent.ActorSelection(service.Path.ToStringWithAddress(address)).ResolveOne(TimeSpan.FromSeconds(10));
        return new BlobServiceNodes(services, agent, store, remote);
    }

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_agent.Terminate(), _services.Terminate());
        try { Directory.Delete(Store.Root, recursive: true); } catch (IOException) { }
    }
}
