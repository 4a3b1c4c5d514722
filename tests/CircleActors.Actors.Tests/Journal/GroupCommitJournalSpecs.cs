using System.Data;
using System.Data.Common;
using Akka.Actor;
using Akka.Persistence;
using CircleActors.Actors.Persistence;
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
    /// <summary>A job event missing from the manifest table: the serializer refuses it, so the journal rejects its write.</summary>
    private sealed record Unlisted(JobId JobId, DateTimeOffset At) : IJobEvent;

    /// <summary>Both journals group their commits: the domain journal's and sharding's (remembered entities, its rows written by the plugin).</summary>
    public static TheoryData<string, bool> Journals => new() { { "sqlite", false }, { "postgresql", false }, { "sqlite", true }, { "postgresql", true } };

    [Theory]
    [MemberData(nameof(Journals))]
    public async Task Writes_that_queue_behind_a_write_in_flight_are_committed_together_and_each_is_answered(string provider, bool sharding)
    {
        await using var journal = await TestJournal.CreateAsync(provider);
        await using var node = await TestNode.StartAsync(journal, output);
        var pluginId = sharding ? JournalConnections.ShardingJournalPluginId : JournalConnections.JournalPluginId;
        var table = sharding ? "sharding_journal" : "journal";
        Assert.Equal("stored", await node.System.ActorOf(Props.Create(() => new PersistingWriter("group-commit-first", pluginId))).Ask<string>("hello", TimeSpan.FromSeconds(30)));
        var writers = Enumerable.Range(0, 200).Select(i => node.System.ActorOf(Props.Create(() => new PersistingWriter($"group-commit-{i}", pluginId)))).ToList();

        // Another connection holds the journal's write lock, so the first writes wait in flight
        // and the others queue up behind them while it is held.
        Task<string[]> replies;
        await using (var connection = await journal.OpenAsync(sharding))
        await using (var transaction = await HoldWriteLockAsync(connection, journal, table))
        {
            replies = Task.WhenAll(writers.Select(w => w.Ask<string>("hello", TimeSpan.FromSeconds(60))));
            await Task.Delay(TimeSpan.FromSeconds(2));
            Assert.False(replies.IsCompleted);
            await transaction.CommitAsync();
        }

        Assert.All(await replies, reply => Assert.Equal("stored", reply));
        var ours = $"FROM {table} WHERE persistence_id LIKE 'group-commit-%' AND persistence_id <> 'group-commit-first'";
        Assert.Equal("200", (await journal.QueryStringsAsync($"SELECT CAST(COUNT(*) AS TEXT) {ours}", sharding)).Single());
        // The journal stamps the rows of each of its writes with the time of that write: 200
        // writes sent one by one would have 200 stamps.
        var writes = int.Parse((await journal.QueryStringsAsync($"SELECT CAST(COUNT(DISTINCT created) AS TEXT) {ours}", sharding)).Single());
        output.WriteLine($"{writes} writes for 200 entities");
        Assert.InRange(writes, 1, 20);
    }

    private static async Task<DbTransaction> HoldWriteLockAsync(DbConnection connection, TestJournal journal, string table)
    {
        // On SQLite a serializable transaction begins IMMEDIATE: it takes the file's one write lock.
        var transaction = await connection.BeginTransactionAsync(IsolationLevel.Serializable);
        if (journal.Settings.Provider == JournalProvider.PostgreSql)
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = $"LOCK TABLE {table} IN EXCLUSIVE MODE";
            await command.ExecuteNonQueryAsync();
        }
        return transaction;
    }

    [Theory]
    [MemberData(nameof(TestJournal.Providers), MemberType = typeof(TestJournal))]
    public async Task A_write_the_journal_refuses_is_rejected_alone_and_the_others_of_its_batch_are_stored(string provider)
    {
        await using var journal = await TestJournal.CreateAsync(provider);
        await using var node = await TestNode.StartAsync(journal, output);
        var writers = Enumerable.Range(0, 50).Select(i => node.System.ActorOf(Props.Create(() => new PersistingWriter($"batch-mate-{i}")))).ToList();

        var replies = await Task.WhenAll(writers.Select((w, i) =>
            w.Ask<string>(i == 25 ? new Unlisted(new JobId(Guid.NewGuid()), DateTimeOffset.UtcNow) : "hello", TimeSpan.FromSeconds(30))));

        Assert.Equal("rejected", replies[25]);
        Assert.All(replies.Where((_, i) => i != 25), reply => Assert.Equal("stored", reply));
        Assert.Equal("49", (await journal.QueryStringsAsync("SELECT CAST(COUNT(*) AS TEXT) FROM journal WHERE persistence_id LIKE 'batch-mate-%'")).Single());
        Assert.Empty(await journal.QueryStringsAsync("SELECT persistence_id FROM journal WHERE persistence_id = 'batch-mate-25'"));
    }
}
