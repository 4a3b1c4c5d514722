using Akka.Persistence.Sql.Config;
using CircleActors.Actors.Hosting;
using CircleActors.Actors.Persistence;
using LinqToDB.Data;

namespace CircleActors.Actors.Tests.Journal;

/// <summary>The per-connection settings the SQLite journals' plugins (and the read journal) open their connections with.</summary>
public sealed class JournalConnectionsSpecs : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("circleactors-connections-").FullName;

    [Theory]
    [InlineData(JournalConnections.JournalPluginId)]
    [InlineData(JournalConnections.ShardingJournalPluginId)]
    [InlineData(JournalConnections.ReadJournalPluginId)]
    public async Task A_sqlite_journal_plugin_opens_its_connections_with_temporary_storage_in_memory_and_reads_through_a_memory_map(string pluginId)
    {
        var journal = JournalSettings.SqliteIn(_directory);
        var setup = Assert.IsType<MultiDataOptionsSetup>(JournalConnections.SetupFor(journal));
        Assert.True(setup.TryGetDataOptionsFor(pluginId, out var options));

        await using var connection = new DataConnection(options!);
        // 2 is MEMORY; a plain connection says 0 (the default, a file).
        Assert.Equal(2L, await connection.ExecuteAsync<long>("PRAGMA temp_store"));
        Assert.Equal(256L << 20, await connection.ExecuteAsync<long>("PRAGMA mmap_size"));
        await using var plain = new Microsoft.Data.Sqlite.SqliteConnection(journal.ConnectionString);
        await plain.OpenAsync();
        await using var query = plain.CreateCommand();
        query.CommandText = "PRAGMA temp_store";
        Assert.Equal(0L, await query.ExecuteScalarAsync());
        query.CommandText = "PRAGMA mmap_size";
        Assert.Equal(0L, await query.ExecuteScalarAsync());
    }

    [Fact]
    public void The_plugins_are_configured_under_the_ids_the_options_are_given_for()
    {
        var config = AkkaConfig.Compose(JournalSettings.SqliteIn(_directory));
        Assert.Equal(JournalConnections.JournalPluginId, config.GetString("akka.persistence.journal.sql.plugin-id"));
        Assert.Equal(JournalConnections.ShardingJournalPluginId, config.GetString("akka.persistence.journal.sharding.plugin-id"));
        Assert.Equal(JournalConnections.ReadJournalPluginId, config.GetString("akka.persistence.query.journal.sql.plugin-id"));
    }

    [Fact]
    public void A_postgresql_journal_needs_no_connection_options() =>
        Assert.Null(JournalConnections.SetupFor(new JournalSettings(JournalProvider.PostgreSql, "Host=127.0.0.1")));

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }
}
