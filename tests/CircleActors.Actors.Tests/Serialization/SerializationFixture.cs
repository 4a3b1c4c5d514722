using Akka.Actor;
using Akka.Configuration;
using CircleActors.Actors.Hosting;

namespace CircleActors.Actors.Tests.Serialization;

/// <summary>
/// An actor system with the production serialization config (cluster provider, on a free port,
/// never joined), so the specs go through Akka's own serializer lookup.
/// </summary>
public sealed class SerializationFixture : IDisposable
{
    public ActorSystem System { get; }
    public IActorRef Agent { get; }

    public SerializationFixture()
    {
        var local = ConfigurationFactory.ParseString("""
            akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0 }
            akka.loglevel = WARNING
            """);
        System = ActorSystem.Create("specs", local.WithFallback(AkkaConfig.Compose(null)));
        Agent = System.ActorOf(Props.Empty, "agent");
    }

    public void Dispose() => System.Terminate().Wait(TimeSpan.FromSeconds(10));
}
