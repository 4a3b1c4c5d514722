using Akka.Actor;
using Akka.Persistence;

namespace CircleActors.Actors.Tests.Support;

/// <summary>
/// Persists each command it gets (a string, or any event) and answers "stored", or "rejected"
/// when the journal refuses it; answers "recovered" with the events it recovered.
/// </summary>
public sealed class PersistingWriter : ReceivePersistentActor
{
    public const string Recovered = "recovered";

    private readonly List<object> _recovered = [];
    private IActorRef _asker = ActorRefs.Nobody;

    /// <param name="journalPluginId">The journal to write to; the domain journal when not given.</param>
    public PersistingWriter(string persistenceId, string? journalPluginId = null)
    {
        PersistenceId = persistenceId;
        if (journalPluginId is not null) JournalPluginId = journalPluginId;
        RecoverAny(@event => { if (@event is not RecoveryCompleted) _recovered.Add(@event); });
        Command<string>(command => command == Recovered, _ => Sender.Tell(_recovered.ToList()));
        CommandAny(command =>
        {
            _asker = Sender;
            Persist(command, _ => _asker.Tell("stored"));
        });
    }

    public override string PersistenceId { get; }

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr) => _asker.Tell("rejected");
}
