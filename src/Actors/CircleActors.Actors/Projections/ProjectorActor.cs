using Akka;
using Akka.Actor;
using Akka.Pattern;
using Akka.Event;
using Akka.Persistence.Query;
using Akka.Streams;
using Akka.Streams.Dsl;

namespace CircleActors.Actors.Projections;

/// <summary>
/// Runs every projection over the tags it reads: one stream per tag from the lowest offset its
/// projections stored, in batches, each batch applied by every projection that reads the tag
/// and written with their new offsets in one transaction. A failing stream (database away)
/// restarts with backoff from the stored offsets. Hosted as a cluster singleton so exactly one
/// writer projects each tag.
/// </summary>
/// <remarks>
/// Each projection keeps an offset of its own per tag, so one added later starts from the
/// beginning while the others go on: events at or below a projection's offset are not given to
/// it again. Before 2026-11-23 each projection had a stream of its own, and every job event was
/// read from the journal and deserialized once for the documents and once for the audit log.
/// </remarks>
public sealed class ProjectorActor : ReceiveActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly List<UniqueKillSwitch> _streams = new();

    public ProjectorActor(ReadStore store, IReadOnlyList<IProjection> projections)
    {
        var materializer = Context.Materializer();
        var journal = PersistenceQuery.Get(Context.System).ReadJournalFor<Akka.Persistence.Sql.Query.SqlReadJournal>("akka.persistence.query.journal.sql");
        foreach (var tag in projections.SelectMany(p => p.Tags).Distinct())
        {
            var readers = projections.Where(p => p.Tags.Contains(tag)).ToList();
            var names = readers.Select(p => StreamName(p, tag)).ToList();
            var log = _log;
            var events = Context.System.EventStream;
            var source = RestartSource.OnFailuresWithBackoff(() =>
                    Source.FromTask(Task.WhenAll(names.Select(name => store.GetOffsetAsync(name))))
                        .ConcatMany(stored =>
                        {
                            // What each projection has applied, as far as this run of the stream knows.
                            var applied = stored.ToArray();
                            return journal.EventsByTag(tag, Offset.Sequence(applied.Min()))
                                .GroupedWithin(200, TimeSpan.FromMilliseconds(20))
                                .Select(envelopes => envelopes.ToList())
                                .SelectAsync(1, async batch =>
                                {
                                    var last = OffsetOf(batch[^1]);
                                    await store.InTransactionAsync(names, last, async (connection, transaction) =>
                                    {
                                        for (var i = 0; i < readers.Count; i++)
                                        {
                                            var after = applied[i];
                                            var unseen = batch.Where(e => OffsetOf(e) > after).ToList();
                                            if (unseen.Count > 0) await readers[i].ApplyAsync(connection, transaction, unseen, CancellationToken.None);
                                        }
                                    });
                                    for (var i = 0; i < applied.Length; i++) applied[i] = Math.Max(applied[i], last);
                                    events.Publish(new ProjectionBatchCommitted(tag, batch.Select(e => e.Event).ToList()));
                                    return NotUsed.Instance;
                                });
                        })
                        .SelectError(ex =>
                        {
                            log.Error(ex, "projections of tag {0} failed; they restart from their stored offsets", tag);
                            return ex;
                        }),
                RestartSettings.Create(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(5), 0.2));
            _streams.Add(source.ViaMaterialized(KillSwitches.Single<NotUsed>(), Keep.Right).To(Sink.Ignore<NotUsed>()).Run(materializer));
        }
    }

    private static long OffsetOf(EventEnvelope envelope) => ((Sequence)envelope.Offset).Value;

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
/// Published on the local event stream after a batch of one tag's events is projected and its
/// offsets are committed, so live views re-read what changed (the read store already holds it).
/// Local only, never journaled: what crosses to other services nodes is the smaller <see cref="ReadDocumentsChanged"/>.
/// </summary>
public sealed record ProjectionBatchCommitted(string Tag, IReadOnlyList<object> Events);

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
