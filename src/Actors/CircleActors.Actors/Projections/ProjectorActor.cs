using Akka;
using Akka.Actor;
using Akka.Pattern;
using Akka.Event;
using Akka.Persistence.Query;
using Akka.Streams;
using Akka.Streams.Dsl;

namespace CircleActors.Actors.Projections;

/// <summary>
/// Runs every projection over the tags it reads: a stream per (projection, tag) from the
/// stored offset, in batches, each batch written with its new offset in one transaction.
/// A failing stream (database away) restarts with backoff from the last stored offset.
/// Hosted as a cluster singleton so exactly one writer projects each tag.
/// </summary>
public sealed class ProjectorActor : ReceiveActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly List<UniqueKillSwitch> _streams = new();

    public ProjectorActor(ReadStore store, IReadOnlyList<IProjection> projections)
    {
        var materializer = Context.Materializer();
        var journal = PersistenceQuery.Get(Context.System).ReadJournalFor<Akka.Persistence.Sql.Query.SqlReadJournal>("akka.persistence.query.journal.sql");
        foreach (var projection in projections)
        foreach (var tag in projection.Tags)
        {
            var name = StreamName(projection, tag);
            var log = _log;
            var events = Context.System.EventStream;
            var source = RestartSource.OnFailuresWithBackoff(() =>
                    Source.FromTask(store.GetOffsetAsync(name))
                        .ConcatMany(offset => journal.EventsByTag(tag, Offset.Sequence(offset)))
                        .GroupedWithin(200, TimeSpan.FromMilliseconds(20))
                        .Select(envelopes => envelopes.ToList())
                        .SelectAsync(1, async batch =>
                        {
                            var last = ((Sequence)batch[^1].Offset).Value;
                            await store.InTransactionAsync(name, last,
                                (connection, transaction) => projection.ApplyAsync(connection, transaction, batch, CancellationToken.None));
                            events.Publish(new ProjectionBatchCommitted(projection.Name, batch.Select(e => e.Event).ToList()));
                            return NotUsed.Instance;
                        })
                        .SelectError(ex =>
                        {
                            log.Error(ex, "projection {0} failed; it restarts from its stored offset", name);
                            return ex;
                        }),
                RestartSettings.Create(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(5), 0.2));
            _streams.Add(source.ViaMaterialized(KillSwitches.Single<NotUsed>(), Keep.Right).To(Sink.Ignore<NotUsed>()).Run(materializer));
        }
    }

    /// <summary>The name a stream's offset is stored under.</summary>
    public static string StreamName(IProjection projection, string tag) => $"{projection.Name}:{tag}";

    /// <summary>
    /// The projector under a backoff supervisor: if it cannot start (the read journal's first
    /// query failed, the database is away) it is started again later instead of staying dead.
    /// </summary>
    public static Props PropsFor(ReadStore store, IReadOnlyList<IProjection> projections) =>
        BackoffSupervisor.Props(Backoff.OnFailure(
            Props.Create(() => new ProjectorActor(store, projections)), "projections",
            TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), 0.2, maxNrOfRetries: -1)
            .WithSupervisorStrategy(new OneForOneStrategy(_ => Directive.Restart)));

    protected override void PostStop()
    {
        foreach (var stream in _streams) stream.Shutdown();
    }
}

/// <summary>
/// Published on the local event stream after a batch and its offset are committed, so live
/// views re-read what changed (the read store already holds it). Local only, never journaled:
/// what crosses to other services nodes is the smaller <see cref="ReadDocumentsChanged"/>.
/// </summary>
public sealed record ProjectionBatchCommitted(string Projection, IReadOnlyList<object> Events);

/// <summary>
/// The read documents (kind and id) a committed batch changed, sent from the projector's node to
/// the live hub of every services node over distributed pub-sub; never journaled.
/// </summary>
public sealed record ReadDocumentsChanged(IReadOnlyList<ReadDocumentsChanged.Document> Documents)
{
    public sealed record Document(string Kind, string Id);
}

/// <summary>Registry key of the projector singleton.</summary>
public sealed class ProjectorSingleton;
