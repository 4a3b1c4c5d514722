using Akka.Actor;
using Akka.Hosting;
using Akka.Persistence;
using Akka.TestKit;
using CircleActors.Actors.Tests.Support;
using Xunit.Abstractions;

namespace CircleActors.Actors.Tests.ActorSpecs;

/// <summary>
/// An actor system with the in-memory journal and short timings, where the registry entries
/// the actors look each other up by can be filled with probes.
/// </summary>
public abstract class ActorSpec(ITestOutputHelper output, string? extraConfig = null)
    : Akka.TestKit.Xunit2.TestKit(Config + (extraConfig ?? ""), output)
{
    private const string Config = """
        akka.loglevel = INFO
        akka.persistence.journal.plugin = "akka.persistence.journal.inmem"
        akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
        circleactors.jobs.lease = 1s
        circleactors.jobs.enqueue-reminder = 200ms

        """;

    protected FakeClock Clock { get; } = new();

    /// <summary>A probe that stands in for the actor registered under <typeparamref name="TKey"/>.</summary>
    protected TestProbe ProbeFor<TKey>(string name)
    {
        var probe = CreateTestProbe(name);
        ActorRegistry.For(Sys).Register<TKey>(probe.Ref);
        return probe;
    }

    /// <summary>Every event journaled under <paramref name="persistenceId"/>, read by replaying it.</summary>
    protected IReadOnlyList<object> JournaledEvents(string persistenceId)
    {
        var reader = CreateTestProbe();
        Sys.ActorOf(Props.Create(() => new JournalReader(persistenceId, reader.Ref)));
        return reader.ExpectMsg<IReadOnlyList<object>>();
    }

    /// <summary>Replays a persistence id and sends what it read, then stops.</summary>
    private sealed class JournalReader : ReceivePersistentActor
    {
        private readonly List<object> _events = [];

        public JournalReader(string persistenceId, IActorRef replyTo)
        {
            PersistenceId = persistenceId;
            Recover<RecoveryCompleted>(_ =>
            {
                replyTo.Tell((IReadOnlyList<object>)_events.ToList());
                Context.Stop(Self);
            });
            Recover<object>(e => _events.Add(e));
        }

        public override string PersistenceId { get; }
    }
}
