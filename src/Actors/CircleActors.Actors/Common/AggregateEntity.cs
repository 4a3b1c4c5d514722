using Akka.Actor;
using Akka.Event;
using Akka.Cluster.Sharding;
using Akka.Persistence;
using CircleActors.Domain.Common;

namespace CircleActors.Actors.Common;

/// <summary>
/// The shape every persistent entity shares: a command is decided against the current state,
/// the resulting events are persisted, applied, handed to <see cref="OnPersisted"/> for side
/// effects, and only then is the reply sent. An entity whose work is done passivates after an
/// idle period, which also removes it from sharding's remembered entities.
/// </summary>
public abstract class AggregateEntity<TState, TCommand, TEvent> : ReceivePersistentActor, IWithTimers
    where TState : class
    where TCommand : class
    where TEvent : class
{
    /// <summary>Snapshot every this many events so a long-lived entity recovers quickly.</summary>
    public const int SnapshotInterval = 200;

    private static readonly TimeSpan IdleBeforePassivation = TimeSpan.FromSeconds(30);

    private readonly IClock _clock;

    protected AggregateEntity(string persistenceId, TState initial, IClock clock)
    {
        PersistenceId = persistenceId;
        State = initial;
        _clock = clock;

        Recover<SnapshotOffer>(offer => State = (TState)offer.Snapshot);
        Recover<TEvent>(e => State = Apply(State, e));
        Recover<RecoveryCompleted>(_ =>
        {
            OnRecovered();
            UpdateIdleTimeout();
        });
        Command<TCommand>(command => Handle(command, Sender));
        Command<ReceiveTimeout>(_ => Context.Parent.Tell(new Passivate(PoisonPill.Instance)));
        Command<SaveSnapshotSuccess>(_ => { });
        Command<SaveSnapshotFailure>(f => Log.Warning(f.Cause, "snapshot of {0} failed", PersistenceId));
    }

    public override string PersistenceId { get; }

    /// <summary>
    /// Whether this entity keeps snapshots. One with a short history (a job's few dozen events)
    /// does without: replaying its events costs less than the snapshot store's lookup, which
    /// every recovery would otherwise pay, and every job entity recovers once when it is created.
    /// Events are never deleted, so a snapshot an earlier version took is safely ignored.
    /// </summary>
    protected virtual bool TakesSnapshots => true;

    public override Recovery Recovery => TakesSnapshots ? base.Recovery : NoSnapshotRecovery;

    private static readonly Recovery NoSnapshotRecovery = new(SnapshotSelectionCriteria.None);

    private void SnapshotIfDue(TState state)
    {
        if (TakesSnapshots && LastSequenceNr % SnapshotInterval == 0) SaveSnapshot(state);
    }

    /// <summary>The entity type, as the persistence id's prefix names it (<c>job</c>, <c>pipeline</c>, ...).</summary>
    private string EntityType => PersistenceId[..Math.Max(0, PersistenceId.IndexOf('-'))];

    public ITimerScheduler Timers { get; set; } = null!;

    protected TState State { get; private set; }

    protected DateTimeOffset Now => _clock.UtcNow;

    protected abstract TState Apply(TState state, TEvent @event);

    protected abstract Decision<TEvent> Decide(TState state, TCommand command, DateTimeOffset now);

    /// <summary>Whether the entity still has work to see through (then it never passivates).</summary>
    protected abstract bool HasUnfinishedWork { get; }

    /// <summary>Side effects of an event, run once it is durable and applied.</summary>
    protected virtual void OnPersisted(TEvent @event)
    {
    }

    /// <summary>
    /// Whether the next command is decided while earlier events are still being written, for an
    /// entity every trigger passes through (a project numbers each pipeline): otherwise each command
    /// waits a whole journal round trip for the one before it. Events are applied at once and
    /// every reply still waits until what it was decided on is durable; a failed write stops the
    /// entity, which then recovers from what is durable, so nothing undurable was ever told.
    /// </summary>
    protected virtual bool DecidesWhileWriting => false;

    private int _writesInFlight;

    /// <summary>Replies at once, or, while events are being written, once they are durable.</summary>
    protected void ReplyWhenDurable(object reply, IActorRef replyTo)
    {
        if (_writesInFlight > 0) DeferAsync(reply, r => replyTo.Tell(r));
        else replyTo.Tell(reply);
    }

    /// <summary>Resumes unfinished work after recovery (the entity was remembered or woken).</summary>
    protected virtual void OnRecovered()
    {
    }

    /// <summary>Decides and persists a command; <paramref name="replyTo"/> gets the reply once the events are durable.</summary>
    protected void Handle(TCommand command, IActorRef replyTo)
    {
        var decision = Decide(State, command, Now);
        if (decision.Events.Count == 0)
        {
            ReplyWhenDurable(decision.Reply, replyTo);
            return;
        }
        if (DecidesWhileWriting)
        {
            PersistWhileDeciding(decision, replyTo);
            return;
        }

        var remaining = decision.Events.Count;
        var writing = System.Diagnostics.Stopwatch.StartNew();
        PersistAll(decision.Events, @event =>
        {
            State = Apply(State, @event);
            OnPersisted(@event);
            SnapshotIfDue(State);
            if (--remaining == 0)
            {
                Metrics.CircleMeter.JournalWriteLatency.Record(writing.Elapsed.TotalMilliseconds, new KeyValuePair<string, object?>("entity", EntityType));
                replyTo.Tell(decision.Reply);
                UpdateIdleTimeout();
            }
        });
    }

    private void PersistWhileDeciding(Decision<TEvent> decision, IActorRef replyTo)
    {
        // The state after each event, so a snapshot taken at an event holds exactly what came before it.
        var states = new List<TState>(decision.Events.Count);
        foreach (var @event in decision.Events)
        {
            State = Apply(State, @event);
            states.Add(State);
        }
        _writesInFlight++;
        var written = 0;
        var writing = System.Diagnostics.Stopwatch.StartNew();
        PersistAllAsync(decision.Events, @event =>
        {
            var after = states[written++];
            OnPersisted(@event);
            SnapshotIfDue(after);
            if (written < states.Count) return;
            _writesInFlight--;
            Metrics.CircleMeter.JournalWriteLatency.Record(writing.Elapsed.TotalMilliseconds, new KeyValuePair<string, object?>("entity", EntityType));
            replyTo.Tell(decision.Reply);
            UpdateIdleTimeout();
        });
    }

    private void UpdateIdleTimeout() => Context.SetReceiveTimeout(HasUnfinishedWork ? null : IdleBeforePassivation);

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        Log.Error(cause, "{0} rejected event {1} at {2}", PersistenceId, @event.GetType().Name, sequenceNr);
        base.OnPersistRejected(cause, @event, sequenceNr);
    }
}
