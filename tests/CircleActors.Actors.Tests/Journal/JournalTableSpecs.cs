using System.Collections.Concurrent;
using Akka.Actor;
using CircleActors.Actors.Jobs;
using CircleActors.Actors.Pipelines;
using CircleActors.Actors.Projects;
using CircleActors.Actors.Tests.Support;
using CircleActors.Actors.Workflows;
using CircleActors.Domain.Jobs;
using Xunit.Abstractions;

namespace CircleActors.Actors.Tests.Journal;

/// <summary>Sharding keeps its own tables: the domain journal holds domain events only, so the audit log can trust it.</summary>
public sealed class JournalTableSpecs(ITestOutputHelper output)
{
    private static readonly string[] DomainPrefixes =
        [ProjectEntity.PersistencePrefix, PipelineEntity.PersistencePrefix, WorkflowEntity.PersistencePrefix, JobEntity.PersistencePrefix];

    [Theory]
    [MemberData(nameof(TestJournal.Providers), MemberType = typeof(TestJournal))]
    public async Task After_a_run_the_domain_journal_holds_only_entity_streams_and_sharding_writes_to_its_own_tables(string provider)
    {
        using var repository = await TestRepository.WithConfigAsync(Ci.TwoJobConfig);
        await using var journal = await TestJournal.CreateAsync(provider);
        await using (var node = await TestNode.StartAsync(journal, output))
        {
            node.StartAgent("agent-1", new ConcurrentQueue<JobTaskSpec>());
            await Ci.AddProjectAsync(node, repository.Path);
            var pipeline = await Ci.TriggerAsync(node, repository.Path);
            await Eventually.MatchesAsync(() => Ci.WorkflowAsync(node, Ci.Workflow(pipeline)), w => w.IsFinished, TimeSpan.FromSeconds(60), "workflow finished");
        }

        var tables = await journal.TableNamesAsync();
        var shardingTables = await journal.TableNamesAsync(sharding: true);
        output.WriteLine("tables: " + string.Join(", ", tables.Order()) + "; sharding: " + string.Join(", ", shardingTables.Order()));
        Assert.Contains("journal", tables);
        Assert.Contains("sharding_journal", shardingTables);

        var domainStreams = await journal.QueryStringsAsync("SELECT DISTINCT persistence_id FROM journal");
        output.WriteLine("journal: " + string.Join(", ", domainStreams.Order()));
        Assert.NotEmpty(domainStreams);
        Assert.All(domainStreams, id => Assert.Contains(DomainPrefixes, prefix => id.StartsWith(prefix, StringComparison.Ordinal)));
        Assert.Equal(5, domainStreams.Count); // the project, the pipeline, its workflow and its two jobs

        var shardingStreams = await journal.QueryStringsAsync("SELECT DISTINCT persistence_id FROM sharding_journal", sharding: true);
        output.WriteLine("sharding_journal: " + string.Join(", ", shardingStreams.Order()));
        Assert.NotEmpty(shardingStreams);
        // Remembered entities per shard and remembered shards per coordinator, nothing of the domain.
        Assert.All(shardingStreams, id => Assert.Matches("^(/sharding/[a-z-]+Shard/|/system/sharding/[a-z-]+Coordinator/)", id));
    }

    [Theory]
    [MemberData(nameof(TestJournal.Providers), MemberType = typeof(TestJournal))]
    public async Task Snapshots_are_kept_apart_from_the_journal_on_sqlite_and_beside_it_on_postgresql(string provider)
    {
        await using var journal = await TestJournal.CreateAsync(provider);
        var persistenceId = JobEntity.PersistencePrefix + Guid.NewGuid();
        await using (var node = await TestNode.StartAsync(journal, output))
        {
            var snapshots = Akka.Persistence.Persistence.Instance.Apply(node.System).SnapshotStoreFor(null);
            var state = JobState.Empty(new Domain.Common.JobId(Guid.NewGuid()));
            await snapshots.Ask<Akka.Persistence.SaveSnapshotSuccess>(
                new Akka.Persistence.SaveSnapshot(new Akka.Persistence.SnapshotMetadata(persistenceId, 200, DateTime.UtcNow), state), TimeSpan.FromSeconds(10));
        }

        const string saved = "SELECT persistence_id FROM snapshot";
        if (journal.Settings.Provider == Actors.Persistence.JournalProvider.Sqlite)
        {
            // Its own file, so a large snapshot never holds the journal's write lock.
            await using var connection = new Microsoft.Data.Sqlite.SqliteConnection(journal.Settings.SnapshotConnectionString);
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = saved;
            Assert.Equal(persistenceId, await command.ExecuteScalarAsync());
            Assert.Equal(Path.Combine(journal.DataDirectory, "snapshots.db"), connection.DataSource);
            Assert.DoesNotContain("snapshot", await journal.TableNamesAsync());
        }
        else
        {
            Assert.Equal([persistenceId], await journal.QueryStringsAsync(saved));
        }
    }
}
