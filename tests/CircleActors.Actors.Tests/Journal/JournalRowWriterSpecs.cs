using Akka.Actor;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;
using CircleActors.Actors.Persistence;
using CircleActors.Actors.Tests.Support;
using CircleActors.Domain.Common;
using CircleActors.Domain.Jobs.Messages;
using Xunit.Abstractions;

namespace CircleActors.Actors.Tests.Journal;

/// <summary>
/// The journal writes its rows itself, in the plugin's layout: the plugin reads them back by
/// persistence id, by tag and in recovery as if it had written them.
/// </summary>
public sealed class JournalRowWriterSpecs(ITestOutputHelper output)
{
    [Theory]
    [MemberData(nameof(TestJournal.Providers), MemberType = typeof(TestJournal))]
    public async Task Rows_written_by_the_journal_are_read_back_by_the_plugin_by_persistence_id_by_tag_and_in_recovery(string provider)
    {
        await using var journal = await TestJournal.CreateAsync(provider);
        await using var node = await TestNode.StartAsync(journal, output);
        const string persistenceId = "row-writer-1";
        var tagged = new JobEvents.TaskAssigned(new JobId(Guid.NewGuid()), 0, 1, new NodeId("node-1"), DateTimeOffset.UtcNow);
        var writer = node.System.ActorOf(Props.Create(() => new PersistingWriter(persistenceId)));
        Assert.Equal("stored", await writer.Ask<string>(tagged, TimeSpan.FromSeconds(30)));
        Assert.Equal("stored", await writer.Ask<string>("untagged", TimeSpan.FromSeconds(30)));

        Assert.Equal([tagged, "untagged"], await Ci.EventsAsync(node, persistenceId));
        var readJournal = PersistenceQuery.Get(node.System).ReadJournalFor<SqlReadJournal>("akka.persistence.query.journal.sql");
        var byTag = await readJournal.CurrentEventsByTag(DomainEventTagger.JobTag, Offset.NoOffset())
            .RunWith(Sink.Seq<EventEnvelope>(), node.System.Materializer());
        Assert.Equal(tagged, Assert.Single(byTag, e => e.PersistenceId == persistenceId).Event);
        // The plugin's CSV tag layout, and one writer id for both rows (replays tell writers apart by it).
        Assert.Equal([";job;", ""], await journal.QueryStringsAsync($"SELECT tags FROM journal WHERE persistence_id = '{persistenceId}' ORDER BY sequence_number"));
        Assert.Equal(["1"], await journal.QueryStringsAsync(
            $"SELECT CAST(COUNT(DISTINCT writer_uuid) AS {journal.TextType}) FROM journal WHERE persistence_id = '{persistenceId}' AND writer_uuid <> ''"));

        Assert.True(await writer.GracefulStop(TimeSpan.FromSeconds(10)));
        var recovered = node.System.ActorOf(Props.Create(() => new PersistingWriter(persistenceId)));
        Assert.Equal([tagged, "untagged"], await recovered.Ask<List<object>>(PersistingWriter.Recovered, TimeSpan.FromSeconds(30)));
    }
}
