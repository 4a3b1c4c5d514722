using Akka.Actor;
using Akka.Persistence;
using CircleActors.Actors.Persistence;
using CircleActors.Actors.Tests.Support;
using Xunit.Abstractions;

namespace CircleActors.Actors.Tests.Journal;

/// <summary>
/// Recovering entities read their highest sequence numbers in batches, and each still gets its
/// own, as the plugin would answer it.
/// </summary>
public sealed class HighestSequenceNrReadsSpecs(ITestOutputHelper output)
{
    /// <summary>Persists every command; answers "last" with the sequence number it recovered to.</summary>
    private sealed class Counter : ReceivePersistentActor
    {
        public Counter(string persistenceId)
        {
            PersistenceId = persistenceId;
            Command<string>(_ => Sender.Tell(LastSequenceNr));
            Command<int>(command => Persist(command, _ => Sender.Tell("stored")));
            Recover<int>(_ => { });
        }

        public override string PersistenceId { get; }
    }

    [Theory]
    [MemberData(nameof(TestJournal.Providers), MemberType = typeof(TestJournal))]
    public async Task Reads_asked_at_once_are_answered_each_with_its_own_highest_number_in_a_few_queries(string provider)
    {
        await using var journal = await TestJournal.CreateAsync(provider);
        await using (var node = await TestNode.StartAsync(journal, output))
        {
            // Entity i has i events: 0 to 9.
            for (var i = 1; i < 10; i++)
            {
                var counter = node.System.ActorOf(Props.Create(() => new Counter($"highest-{i}")));
                for (var e = 0; e < i; e++) Assert.Equal("stored", await counter.Ask<string>(e, TimeSpan.FromSeconds(10)));
            }
        }
        var reads = new HighestSequenceNrReads(journal.Settings, "journal");

        var asked = Enumerable.Range(0, 200).Select(n => (Id: $"highest-{n % 10}", From: (long)(n % 3 == 0 ? 4 : 0))).ToList();
        var answers = await Task.WhenAll(asked.Select(a => reads.ReadAsync(a.Id, a.From)));

        for (var n = 0; n < asked.Count; n++)
        {
            var events = n % 10;
            // Like the plugin: the largest number above the one asked from, else 0.
            Assert.Equal(events > asked[n].From ? events : 0, answers[n]);
        }
        output.WriteLine($"{reads.Queries} queries for {asked.Count} reads");
        Assert.InRange(reads.Queries, 1, 20);
    }

    [Theory]
    [MemberData(nameof(TestJournal.Providers), MemberType = typeof(TestJournal))]
    public async Task Entities_that_recover_together_go_on_from_their_own_last_event(string provider)
    {
        await using var journal = await TestJournal.CreateAsync(provider);
        var ids = Enumerable.Range(0, 60).Select(i => $"recover-{i}").ToList();
        await using (var node = await TestNode.StartAsync(journal, output))
        {
            var counters = ids.Select(id => node.System.ActorOf(Props.Create(() => new Counter(id)))).ToList();
            for (var round = 0; round < 3; round++)
                await Task.WhenAll(counters.Where((_, i) => i % 3 >= round).Select(c => c.Ask<string>(round, TimeSpan.FromSeconds(30))));
        }

        await using var restarted = await TestNode.StartAsync(journal, output);
        var recovered = ids.Select(id => restarted.System.ActorOf(Props.Create(() => new Counter(id)))).ToList();
        var last = await Task.WhenAll(recovered.Select(c => c.Ask<long>("last", TimeSpan.FromSeconds(30))));
        Assert.Equal(ids.Select((_, i) => (long)(i % 3 + 1)), last);

        // Their next events follow on: a number written twice would break the journal's unique key.
        Assert.All(await Task.WhenAll(recovered.Select(c => c.Ask<string>(9, TimeSpan.FromSeconds(30)))), reply => Assert.Equal("stored", reply));
        Assert.Equal(ids.Select((_, i) => i % 3 + 2).Sum().ToString(), (await journal.QueryStringsAsync(
            "SELECT CAST(COUNT(*) AS TEXT) FROM journal WHERE persistence_id LIKE 'recover-%'")).Single());
    }
}
