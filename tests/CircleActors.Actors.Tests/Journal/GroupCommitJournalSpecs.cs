using Akka.Actor;
using Akka.Persistence;
using CircleActors.Actors.Tests.Support;
using CircleActors.Domain.Common;
using CircleActors.Domain.Jobs.Messages;
using Xunit.Abstractions;

namespace CircleActors.Actors.Tests.Journal;

/// <summary>
/// The journal commits the writes that queue up behind the one in flight together, and still
/// answers each entity for its own events only.
/// </summary>
public sealed class GroupCommitJournalSpecs(ITestOutputHelper output)
{
    /// <summary>Persists each command it gets (a string, or any event) and answers "stored", or "rejected" when the journal refuses it.</summary>
    private sealed class Writer : ReceivePersistentActor
    {
        private IActorRef _asker = ActorRefs.Nobody;

        public Writer(string persistenceId)
        {
            PersistenceId = persistenceId;
            CommandAny(command =>
            {
                _asker = Sender;
                Persist(command, _ => _asker.Tell("stored"));
            });
        }

        public override string PersistenceId { get; }

        protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr) => _asker.Tell("rejected");
    }

    /// <summary>A job event missing from the manifest table: the serializer refuses it, so the journal rejects its write.</summary>
    private sealed record Unlisted(JobId JobId, DateTimeOffset At) : IJobEvent;

    [Theory]
    [MemberData(nameof(TestJournal.Providers), MemberType = typeof(TestJournal))]
    public async Task Writes_of_many_entities_at_once_are_committed_in_a_few_batches_and_each_is_answered(string provider)
    {
        await using var journal = await TestJournal.CreateAsync(provider);
        await using var node = await TestNode.StartAsync(journal, output);
        var writers = Enumerable.Range(0, 200).Select(i => node.System.ActorOf(Props.Create(() => new Writer($"group-commit-{i}")))).ToList();

        var replies = await Task.WhenAll(writers.Select(w => w.Ask<string>("hello", TimeSpan.FromSeconds(30))));

        Assert.All(replies, reply => Assert.Equal("stored", reply));
        Assert.Equal("200", (await journal.QueryStringsAsync("SELECT CAST(COUNT(*) AS TEXT) FROM journal WHERE persistence_id LIKE 'group-commit-%'")).Single());
        // The plugin stamps the rows of each of its writes with the time of that write: 200 writes
        // sent one by one would have 200 stamps.
        var writes = int.Parse((await journal.QueryStringsAsync(
            "SELECT CAST(COUNT(DISTINCT created) AS TEXT) FROM journal WHERE persistence_id LIKE 'group-commit-%'")).Single());
        output.WriteLine($"{writes} writes for 200 entities");
        Assert.InRange(writes, 1, 100);
    }

    [Theory]
    [MemberData(nameof(TestJournal.Providers), MemberType = typeof(TestJournal))]
    public async Task A_write_the_journal_refuses_is_rejected_alone_and_the_others_of_its_batch_are_stored(string provider)
    {
        await using var journal = await TestJournal.CreateAsync(provider);
        await using var node = await TestNode.StartAsync(journal, output);
        var writers = Enumerable.Range(0, 50).Select(i => node.System.ActorOf(Props.Create(() => new Writer($"batch-mate-{i}")))).ToList();

        var replies = await Task.WhenAll(writers.Select((w, i) =>
            w.Ask<string>(i == 25 ? new Unlisted(new JobId(Guid.NewGuid()), DateTimeOffset.UtcNow) : "hello", TimeSpan.FromSeconds(30))));

        Assert.Equal("rejected", replies[25]);
        Assert.All(replies.Where((_, i) => i != 25), reply => Assert.Equal("stored", reply));
        Assert.Equal("49", (await journal.QueryStringsAsync("SELECT CAST(COUNT(*) AS TEXT) FROM journal WHERE persistence_id LIKE 'batch-mate-%'")).Single());
        Assert.Empty(await journal.QueryStringsAsync("SELECT persistence_id FROM journal WHERE persistence_id = 'batch-mate-25'"));
    }
}
